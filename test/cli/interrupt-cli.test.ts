/**
 * Ctrl-C on `ieopt optimize`: the run stops after the calls in flight, is marked
 * "stopped", says how to resume, and `--resume` finishes it.
 */
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { startStubServer } from "../helpers/stub-server.ts";
import { tempDir } from "../helpers/temp.ts";

const BIN = join(import.meta.dirname, "../../bin/ieopt.js");
const EX = join(import.meta.dirname, "../../examples/data/ner");

function run(args: string[], interruptWhen?: (stderr: string) => boolean) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, CI: "1", OPENAI_API_KEY: "x" } });
    let stdout = "";
    let stderr = "";
    let sent = false;
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      if (!sent && interruptWhen?.(stderr)) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe("Ctrl-C during ieopt optimize", () => {
  it("stops cleanly, marks the run stopped, says how to resume, and resumes to the end", async () => {
    // 50 ms per call: the search takes seconds, so the signal lands mid-search.
    const stub = await startStubServer({ latencyMs: 50 });
    try {
      const work = tempDir("ieopt-int-");
      const runsDir = join(work, "runs");
      const common = ["--model", "stub-model", "--base-url", stub.url, "--cache", join(work, "cache.sqlite"), "--runs-dir", runsDir];
      const first = await run(
        ["optimize", "--task", "NER", "--train", join(EX, "train.jsonl"), "--val", join(EX, "dev.jsonl"),
          "--trials", "8", "--minibatch", "10", "--full-eval-every", "4", "--demo-sets", "2", "--instructions", "2", ...common],
        (err) => err.includes("» search"),
      );
      expect(first.code).toBe(130);
      expect(first.stderr).toMatch(/stopping after the calls in flight/);
      const [runId] = readdirSync(runsDir);
      expect(first.stderr).toContain(`Resume with: ieopt optimize --resume ${runId}`);
      const status = JSON.parse(readFileSync(join(runsDir, runId!, "status.json"), "utf8"));
      expect(status.state).toBe("stopped");

      const resumed = await run(["optimize", "--resume", runId!, ...common]);
      expect(resumed.code, resumed.stderr).toBe(0);
      const log = readFileSync(join(runsDir, runId!, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      expect(log.filter((r) => r.kind === "trial").map((r) => r.number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(JSON.parse(readFileSync(join(runsDir, runId!, "status.json"), "utf8")).state).toBe("finished");
    } finally {
      await stub.close();
    }
  });
});
