/**
 * Prints the prompt-sensitivity table of the sim (the README's "sim" table): mean sample
 * LF1 over the five tasks of examples/ test data, per profile, for each panel variant of
 * test/sim/panel.ts. `node scripts/sim-sensitivity.ts [--by-task]`. Sim numbers.
 */
import { TASKS } from "../src/data/sample.ts";
import { PROFILE_NAMES, haveExamples, runPanel } from "../test/sim/panel.ts";

if (!haveExamples) {
  console.error("examples/data is missing; nothing to measure");
  process.exit(2);
}
const result = await runPanel();
const fmt = (x: number) => x.toFixed(1);
console.log(`| variant (sim, mean LF1 over ${TASKS.length} tasks) | ${PROFILE_NAMES.join(" | ")} |`);
console.log(`|---|${PROFILE_NAMES.map(() => "---:").join("|")}|`);
for (const v of result.variants) console.log(`| ${v.label} | ${PROFILE_NAMES.map((p) => fmt(result.mean[v.id]![p]!)).join(" | ")} |`);
if (process.argv.includes("--by-task")) {
  for (const task of TASKS) {
    console.log(`\n${task} (sim)`);
    for (const v of result.variants) console.log(`  ${v.label.padEnd(28)} ${PROFILE_NAMES.map((p) => fmt(result.byTask[task]![v.id]![p]!).padStart(6)).join(" ")}`);
  }
}
