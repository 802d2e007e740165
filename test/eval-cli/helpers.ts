/** Running the real `ieopt` CLI in tests: in-process (fast) or as a child process (exit codes). */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { vi } from "vitest";
import { tempDir as trackedTempDir } from "../helpers/temp.ts";
import { main } from "../../src/cli/main.ts";
import { freezePrompt, type FrozenPrompt } from "../../src/runs/frozen.ts";
import { getProgram } from "../../programs/index.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const EXAMPLES = join(ROOT, "examples/data");

export function tempDir(prefix = "ieopt-eval-"): string {
  return trackedTempDir(prefix);
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `ieopt <args>` in this process, output captured. */
export async function ieopt(...args: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const before = process.exitCode;
  try {
    const code = await main(["node", "ieopt", ...args]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = before;
  }
}

/** `node bin/ieopt.js <args>` as a child process (the real exit code). */
export function ieoptProcess(...args: string[]): CliResult {
  const r = spawnSync(process.execPath, [join(ROOT, "bin/ieopt.js"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A second NER route for routing tests: another message layout (one default demo) and its own max_tokens. */
export function oneDemoNerRoute(instruction: string, demo: number): FrozenPrompt {
  const program = getProgram("NER");
  const frozen = freezePrompt(program, { instruction, demos: program.defaultDemos.slice(demo, demo + 1), reasoning: false }, {
    run_id: "r2",
    optimizer: "test",
    settings: {},
    data: {},
    scores: {},
  });
  return { ...frozen, decoding: { ...frozen.decoding, max_tokens: 300 } };
}
