/**
 * Start-up bench: CPU (user + system) of whole `ieopt` processes that do almost nothing
 * (`--help`, `--version`, `score --help`) against `node -e 0`, run interleaved in one
 * session so the ratio survives a noisy shared machine.
 *
 *     node bench/startup.ts [rounds]
 *
 * CPU comes from bash's `times` (children's user + sys), so it counts the whole process,
 * module loading and compilation included. Writes bench/results/startup.json.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { writeJsonAtomic } from "../src/util/fs.ts";
import { median } from "simple-statistics";
import { launcherNodeFlags } from "./launcher-flags.ts";

const TARGET_RATIO = 2.5;
// Each run is ~20–50 ms of CPU, where the shared machine's noise is a few ms: 15 rounds
// keep one odd round from moving a median (5 did, now and then, by ~0.2×).
const ROUNDS = Number(process.argv[2] ?? 15);
const launcher = fileURLToPath(new URL("../bin/ieopt.js", import.meta.url));
const node = process.execPath;
const flags = launcherNodeFlags().join(" ");

const COMMANDS: Record<string, string> = {
  "node -e 0": `${node} -e 0`,
  "ieopt --help": `${node} ${flags} ${launcher} --help`,
  "ieopt --version": `${node} ${flags} ${launcher} --version`,
  "ieopt score --help": `${node} ${flags} ${launcher} score --help`,
};

/** CPU seconds (user + sys) of one run of `command`, measured by bash around it alone. */
function cpuSeconds(command: string): number {
  const run = spawnSync("bash", ["-c", `${command} >/dev/null 2>&1; times`], { encoding: "utf8" });
  // `times` prints the shell's own line, then the children's: "0m0.120s 0m0.030s".
  const children = run.stdout.trim().split("\n").at(-1)!;
  const [user, sys] = children.split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    if (!m) throw new Error(`unexpected times output: ${run.stdout}`);
    return Number(m[1]) * 60 + Number(m[2]);
  });
  return user! + sys!;
}

// A warm-up round fills the compile cache (as any second use of the CLI would find it).
for (const command of Object.values(COMMANDS)) cpuSeconds(command);
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(COMMANDS).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, command] of Object.entries(COMMANDS)) samples[name]!.push(cpuSeconds(command));
}
const baseline = median(samples["node -e 0"]!);
const rows = Object.entries(samples).map(([name, xs]) => ({
  command: name,
  cpu_s_median: Number(median(xs).toFixed(3)),
  ratio_to_node: Number((median(xs) / baseline).toFixed(2)),
  cpu_s_per_round: xs.map((x) => Number(x.toFixed(3))),
}));
const pass = rows.every((r) => r.command === "node -e 0" || r.ratio_to_node <= TARGET_RATIO);
for (const r of rows) console.log(`${r.command.padEnd(20)} ${r.cpu_s_median.toFixed(3)} s CPU  ${r.ratio_to_node.toFixed(2)}× node -e 0`);
console.log(`target: each ieopt command ≤ ${TARGET_RATIO}× node -e 0 → ${pass ? "pass" : "FAIL"}`);
writeJsonAtomic(fileURLToPath(new URL("results/startup.json", import.meta.url)), {
  bench: "startup",
  rounds: ROUNDS,
  node: process.version,
  rows,
  target_ratio: TARGET_RATIO,
  pass,
});
