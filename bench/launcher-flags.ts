/**
 * The Node flags ieopt's launchers run with, read from the one place they are set: the
 * shebang of bin/ieopt.js (`./ieopt` executes that file). Benchmarks run their measured
 * child processes with the same flags, so they measure what users run.
 */
import { readFileSync } from "node:fs";

export function launcherNodeFlags(): string[] {
  const shebang = readFileSync(new URL("../bin/ieopt.js", import.meta.url), "utf8").split("\n", 1)[0]!;
  // "#!/usr/bin/env -S node --flag ..." → ["--flag", ...]
  return shebang.split(/\s+/).filter((word) => word.startsWith("--"));
}
