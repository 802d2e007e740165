/**
 * Global setup: the suite and every process it starts (the CLI, servers) use a fresh
 * sandbox as their temp dir (TMPDIR), so the system temp dir is left as it was found even
 * when a child process is killed. At the end the sandbox must hold nothing but Node's
 * compile caches: a test that leaves a temp folder behind fails the suite, by name.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Caches that are meant to persist between processes (not a test's leftovers). */
const CACHES = new Set(["node-compile-cache", "ieopt-test-node-compile-cache"]);

export default function setup(): () => void {
  const previous = process.env["TMPDIR"];
  const sandbox = mkdtempSync(join(tmpdir(), "ieopt-suite-"));
  process.env["TMPDIR"] = sandbox;
  return () => {
    const leftovers = readdirSync(sandbox).filter((name) => !CACHES.has(name));
    rmSync(sandbox, { recursive: true, force: true });
    if (previous === undefined) delete process.env["TMPDIR"];
    else process.env["TMPDIR"] = previous;
    if (leftovers.length > 0) {
      throw new Error(`tests left ${leftovers.length} entries in the temp dir (use test/helpers/temp.ts tempDir or testTemp): ${leftovers.join(", ")}`);
    }
  };
}
