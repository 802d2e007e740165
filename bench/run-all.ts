/**
 * `npm run bench`: runs every benchmark script in bench/ (each writes its own JSON to
 * bench/results/) one after another, then prints a summary of their pass flags.
 * `npm run bench -- score tpe` runs only those.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const dir = fileURLToPath(new URL(".", import.meta.url));
/** Modules the benchmarks import; not benchmarks themselves. */
const NOT_BENCHMARKS = new Set(["run-all.ts", "launcher-flags.ts", "stub-worker.ts"]);
const wanted = process.argv.slice(2);
const scripts = readdirSync(dir)
  .filter((f) => f.endsWith(".ts") && !NOT_BENCHMARKS.has(f))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name));

let failed = 0;
for (const name of scripts) {
  process.stdout.write(`\n=== bench/${name}.ts ===\n`);
  const run = spawnSync(process.execPath, [join(dir, `${name}.ts`)], { stdio: "inherit" });
  if (run.status !== 0) failed++;
  const result = join(dir, "results", `${name}.json`);
  if (existsSync(result)) {
    const text = readFileSync(result, "utf8");
    const passes = [...text.matchAll(/"(pass[a-z_]*|[a-z_]*_pass)":\s*(true|false)/g)].map((m) => `${m[1]}=${m[2]}`);
    process.stdout.write(`→ ${result}${passes.length ? `  (${passes.join(", ")})` : ""}\n`);
  }
}
process.exitCode = failed > 0 ? 1 : 0;
