/**
 * The study's reasoning comparison for one task (method.md §4–§6): Default, Default-CoT,
 * Optim, AutoThought-1…4, each scored on a test split (LF1 and exact F1, overall and
 * non-English). `ieopt demo --reasoning` runs it offline with the sim on examples/.
 *
 * One plain optimization gives Optim; AutoThought-1…3 continue its frozen prompt (their
 * own run folders, `--from` that run); AutoThought-4 runs its own full search. Every run
 * uses the same settings and seed, so the variants differ only in what §6 changes.
 */
import type { Sample } from "../src/data/sample.ts";
import type { RoleModels } from "../src/lm/roles.ts";
import { defaultPrompt, type Prompt } from "../src/eval/runner.ts";
import { evaluatePrompt } from "../src/eval/evaluate.ts";
import type { ScoreSummary } from "../src/metrics/aggregate.ts";
import { getProgram } from "../programs/index.ts";
import { optimize, type OptimizeOutcome } from "./optimize.ts";
import { buildDefaultCot } from "./default-cot.ts";
import type { MiproEvents, MiproSettings } from "./mipro.ts";
import type { AutoThoughtVariant } from "./autothought.ts";

export interface ComparisonRequest {
  task: string;
  train: readonly Sample[];
  val: readonly Sample[];
  test: readonly Sample[];
  models: RoleModels;
  settings: Partial<MiproSettings>;
  runsDir: string;
  dataPaths?: { train?: string; val?: string };
  concurrency?: number;
  signal?: AbortSignal;
  events?: MiproEvents;
}

export interface ComparisonRow {
  name: string;
  reasoning: boolean;
  /** The run that produced the prompt (optimized rows). */
  run_id?: string;
  /** Validation score the search chose the prompt by, in [0, 1] (optimized rows). */
  val_search?: number;
  test: ScoreSummary;
}

export const COMPARISON_ROWS = ["Default", "Default-CoT", "Optim", "AutoThought-1", "AutoThought-2", "AutoThought-3", "AutoThought-4"] as const;

export async function compareReasoningVariants(request: ComparisonRequest): Promise<ComparisonRow[]> {
  const program = getProgram(request.task);
  const { models, events } = request;
  const base = {
    task: program.task, train: request.train, val: request.val, settings: request.settings, models,
    runsDir: request.runsDir, signal: request.signal, events, ...(request.dataPaths ? { dataPaths: request.dataPaths } : {}),
  };

  events?.phase?.("Optim", "plain MIPRO optimization");
  const optim = await optimize(base);
  const runs: [string, OptimizeOutcome][] = [["Optim", optim]];
  for (const variant of [1, 2, 3, 4] as const satisfies readonly AutoThoughtVariant[]) {
    events?.phase?.(`AutoThought-${variant}`, variant === 4 ? "augmented (x, T, y′) demo sets, full search" : `thoughts into the demos of run ${optim.run.id}`);
    const outcome = await optimize({ ...base, autothought: { variant, ...(variant === 4 ? {} : { from: optim.run.id }) } });
    runs.push([`AutoThought-${variant}`, outcome]);
  }

  events?.phase?.("Default-CoT", "a thought for each default exemplar");
  const defaultCot = (await buildDefaultCot(program, models.thought, request.signal ? { signal: request.signal } : {})).prompt;
  const prompts: [string, Prompt, OptimizeOutcome | undefined][] = [
    ["Default", defaultPrompt(program), undefined],
    ["Default-CoT", defaultCot, undefined],
    ...runs.map(([name, outcome]): [string, Prompt, OptimizeOutcome] => [name, outcome.result.prompt, outcome]),
  ];

  const rows: ComparisonRow[] = [];
  for (const [name, prompt, outcome] of prompts) {
    events?.phase?.("test", `${name} on ${request.test.length} test samples`);
    const { report } = await evaluatePrompt(prompt, request.test, {
      lm: models.inference, concurrency: request.concurrency ?? 8, ...(request.signal ? { signal: request.signal } : {}),
    });
    rows.push({
      name,
      reasoning: prompt.reasoning,
      ...(outcome ? { run_id: outcome.run.id, val_search: outcome.result.bestScore } : {}),
      test: report.summary,
    });
  }
  return rows;
}
