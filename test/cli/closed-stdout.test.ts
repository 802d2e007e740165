/** A reader that closes the pipe early (`ieopt score … | head`) is not a crash. */
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLES } from "../eval-cli/helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const BIN = resolve(REPO_ROOT, "bin/ieopt.js");
const dir = tempDir("ieopt-closed-stdout-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("stdout closed by its reader", () => {
  it("ieopt score finishes with exit 0 and no stack trace", async () => {
    // Gold as its own predictions: a full report, written after the reader has gone.
    const gold = join(EXAMPLES, "sf", "test.jsonl");
    const pred = join(dir, "pred.jsonl");
    const samples = readFileSync(gold, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; labels: unknown[] });
    writeFileSync(pred, samples.map((s) => JSON.stringify({ id: s.id, records: s.labels })).join("\n") + "\n");
    const child = spawn(process.execPath, [BIN, "score", "--gold", gold, "--pred", pred, "--json"], { cwd: REPO_ROOT });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((done) => child.on("close", done));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
