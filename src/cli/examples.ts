/**
 * What the two offline demos (`ieopt demo`, `ieopt demo --reasoning`) share: the
 * examples/ data they run on, their flags and how those become search settings.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { readSamples } from "../data/jsonl.ts";
import type { Sample } from "../data/sample.ts";
import { UserInputError } from "../errors.ts";
import type { MiproSettings } from "../../optimizers/mipro.ts";

const EXAMPLES = fileURLToPath(new URL("../../examples/data/", import.meta.url));

export interface ExamplePaths {
  train: string;
  val: string;
  test: string;
}

export function examplePaths(task: string): ExamplePaths {
  const dir = `${EXAMPLES}${task.toLowerCase()}/`;
  return { train: `${dir}train.jsonl`, val: `${dir}dev.jsonl`, test: `${dir}test.jsonl` };
}

/** A task's example splits, and the files they came from. */
export async function readExamples(task: string): Promise<{ paths: ExamplePaths; train: Sample[]; val: Sample[]; test: Sample[] }> {
  const paths = examplePaths(task);
  for (const p of Object.values(paths)) if (!existsSync(p)) throw new UserInputError(`example data missing: ${p}`);
  const [train, val, test] = await Promise.all([readSamples(paths.train), readSamples(paths.val), readSamples(paths.test)]);
  return { paths, train, val, test };
}

/** The flags both demos take (strings, as commander gives them). */
export interface DemoFlags {
  task: string;
  model: string;
  trials: string;
  seed: string;
  runsDir: string;
  quiet?: boolean;
}

/** The search settings the demo flags set; the rest are the study's defaults. */
export function demoSettings(flags: DemoFlags): Partial<MiproSettings> {
  return { trials: Number(flags.trials), seed: flags.seed };
}

/** A [0, 100] score in a demo table: one decimal, "-" when there is none. */
export const fmtDemoScore = (x: number | null | undefined): string => (x === undefined || x === null ? "-" : x.toFixed(1));
