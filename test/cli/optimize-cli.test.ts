/**
 * `ieopt optimize` end to end through the real CLI and the real OpenAI client path:
 * the sim served over loopback HTTP, a run folder, a resume, and no secret on disk.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { startSimServer, type SimServer } from "../../sim/server.ts";
import { tempDir } from "../helpers/temp.ts";

const BIN = join(import.meta.dirname, "../../bin/ieopt.js");
const EX = join(import.meta.dirname, "../../examples/data/sf");
const SECRET = "sk-test-SECRET-987";

function ieopt(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, CI: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("ieopt optimize (CLI, HTTP client path)", () => {
  let server: SimServer;
  beforeAll(async () => {
    server = await startSimServer({ port: 0 });
  });
  afterAll(async () => {
    await server.close();
  });

  it("optimizes through an OpenAI-compatible endpoint, writes the run folder, and keeps secrets off disk", async () => {
    const work = tempDir("ieopt-cli-");
    const runsDir = join(work, "runs");
    const cache = join(work, "cache.sqlite");
    // The key in the environment stays off disk (URL credentials: test/cli/secrets.test.ts).
    const baseUrl = server.url;
    const args = ["optimize", "--task", "SF", "--train", join(EX, "train.jsonl"), "--val", join(EX, "dev.jsonl"),
      "--model", "sim", "--base-url", baseUrl, "--trials", "6", "--minibatch", "10", "--full-eval-every", "3",
      "--demo-sets", "2", "--instructions", "3", "--runs-dir", runsDir, "--cache", cache, "--seed", "5"];
    const first = await ieopt(args, { OPENAI_API_KEY: SECRET });
    expect(first.stderr).not.toContain("internal error");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/validation LF1 \(sim\): default [\d.]+ → picked [\d.]+ \(per-sample means, as in report.md and runs list; selection-biased/);
    expect(first.stdout).toMatch(/picked − default on the same \d+ validation samples \(sim\): [+-][\d.]+ \[95% CI [+-][\d.]+, [+-][\d.]+\]/);
    // Progress lines with scores are marked sim too.
    expect(first.stderr).toMatch(/default prompt: [\d.]+ \(sim\)/);
    expect(first.stderr).toMatch(/full eval \d+×\d+: [\d.]+ \(sim\)/);
    const [runId] = readdirSync(runsDir);
    const run = join(runsDir, runId!);
    for (const f of ["config.json", "candidates.json", "trials.jsonl", "frozen.json", "report.md", "usage.json"]) expect(existsSync(join(run, f))).toBe(true);
    const config = JSON.parse(readFileSync(join(run, "config.json"), "utf8"));
    expect(config.models.inference.base_url).toBe(server.url);
    for (const file of [...filesUnder(work)]) {
      const bytes = readFileSync(file).toString("latin1");
      expect(bytes, file).not.toContain(SECRET);
      expect(bytes, file).not.toContain("pw-SECRET");
    }

    // The same run again, resumed: nothing is paid again, and the run's usage stays its own.
    const paid = readFileSync(join(run, "usage.json"), "utf8");
    const again = await ieopt(["optimize", "--resume", runId!, "--runs-dir", runsDir, "--cache", cache, "--model", "sim", "--base-url", baseUrl], { OPENAI_API_KEY: SECRET });
    expect(again.code).toBe(0);
    expect(readFileSync(join(run, "usage.json"), "utf8")).toBe(paid);
    const usage = JSON.parse(paid);
    expect(usage.total.calls).toBeGreaterThan(0);
    expect(usage.sessions).toHaveLength(1);
  });

  it("exits 2 with a clear message on bad input and leaves no run folder", async () => {
    const work = tempDir("ieopt-cli-");
    const runsDir = join(work, "runs");
    const cases: [string[], RegExp][] = [
      [["--task", "POS", "--val", join(EX, "dev.jsonl")], /unknown task 'POS'/],
      [["--task", "NER", "--train", join(EX, "train.jsonl"), "--val", join(EX, "dev.jsonl")], /holds SF samples/],
      [["--task", "SF", "--train", join(EX, "train.jsonl"), "--val", join(EX, "dev.jsonl"), "--minibatch", "500"], /fewer than the minibatch size 500/],
      [["--task", "SF", "--train", join(EX, "train.jsonl"), "--val", join(work, "missing.jsonl")], /missing\.jsonl/],
    ];
    for (const [args, message] of cases) {
      const r = await ieopt(["optimize", ...args, "--runs-dir", runsDir, "--quiet"]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(runsDir) ? readdirSync(runsDir) : []).toEqual([]);
  });
});
