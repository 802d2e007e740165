/**
 * The real `ieopt` command as a child process (real exit codes, real signals), and temp
 * folders that are removed when the test that made them finishes.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { onTestFinished } from "vitest";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = join(ROOT, "bin/ieopt.js");

export interface CliRun {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Spawned {
  child: ChildProcess;
  done: Promise<CliRun>;
  /** Output so far. */
  stderr(): string;
}

export function spawnIeopt(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? ROOT, env: { ...process.env, CI: "1", ...options.env } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  const done = new Promise<CliRun>((resolve) => child.on("close", (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })));
  return { child, done, stderr: () => stderr };
}

export function runIeopt(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): Promise<CliRun> {
  return spawnIeopt(args, options).done;
}

/** A fresh temp folder, removed when the current test finishes (call inside a test). */
export function testTemp(prefix = "ieopt-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SF = join(ROOT, "examples/data/sf");

/** A small, quick `ieopt optimize` on the SF examples (seed 3); add model and output flags. */
export function smallOptimizeArgs(runsDir: string, ...extra: string[]): string[] {
  return ["optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"),
    "--trials", "4", "--minibatch", "8", "--full-eval-every", "2", "--demo-sets", "2", "--instructions", "3",
    "--runs-dir", runsDir, "--seed", "3", ...extra];
}

/** Waits for a condition another process brings about (polled; no deadline of its own). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
}
