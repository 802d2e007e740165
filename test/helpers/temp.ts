/**
 * Temp folders for tests, removed after the test file that made them (test/setup/
 * temp-cleanup.ts runs removeTempDirs after every file). Callable anywhere: at module
 * level, in hooks and in tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

export function tempDir(prefix = "ieopt-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
