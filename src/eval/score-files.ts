/**
 * `ieopt score --gold G --pred P [--json]`: score a prediction file against gold samples
 * with LF1 and exact F1 (method.md §3), through the same `scorePredictions` the eval
 * runner uses.
 *
 * Prediction lines are `{"id","output"}` (raw model text, parsed by the task's program
 * with the sample's schema) or `{"id","records"}` (checked against the task's record
 * schema). A line that does not parse or whose records do not fit makes that sample a
 * failure (score 0, listed); so does a gold sample with no prediction. A prediction for
 * an id that is not in the gold file, or a second prediction for the same id, is a user
 * error naming file and line. Nothing is printed until everything has been read and scored.
 */
import { getProgram } from "../../programs/index.ts";
import { readJsonl, readSamplesAs } from "../data/jsonl.ts";
import { parseRecords, PredictionLineSchema, type PredictionLine } from "../data/sample.ts";
import { UserInputError } from "../errors.ts";
import { fastPredictionLine, fastRecords } from "../data/fast-check.ts";
import type { GroupSummary } from "../metrics/aggregate.ts";
import { scorePredictions, scoredFields, type SampleOutcome, type ScoredSample, type ScoreReport } from "../metrics/score.ts";

export interface ScoreFilesOptions {
  gold: string;
  pred: string;
}

/** Reads both files and scores them; throws UserInputError for anything the user must fix. */
export async function scoreFiles(options: ScoreFilesOptions): Promise<ScoreReport> {
  const samples = await readSamplesAs([options.gold], scoredFields);
  const outcomes = await readOutcomes(options.pred, samples);
  return scorePredictions(samples, outcomes);
}

/** The `--json` document (contract: overall, by_lang, by_dataset, non_english; plus failures). */
export function scoreJson(report: ScoreReport, options: ScoreFilesOptions): Record<string, unknown> {
  return {
    gold: options.gold,
    pred: options.pred,
    ...report.summary,
    failures: report.failures,
  };
}

async function readOutcomes(path: string, samples: readonly ScoredSample[]): Promise<Map<string, SampleOutcome>> {
  const byId = new Map(samples.map((s) => [s.id, s]));
  const lineOf = new Map<string, number>();
  const outcomes = new Map<string, SampleOutcome>();
  for await (const { value, line } of readJsonl(path, PredictionLineSchema, { fast: fastPredictionLine })) {
    const sample = byId.get(value.id);
    if (sample === undefined) {
      throw new UserInputError(`prediction for id '${value.id}', which is not in the gold file; are these the right files?`, {
        file: path,
        line,
        field: "id",
      });
    }
    const first = lineOf.get(value.id);
    if (first !== undefined) {
      throw new UserInputError(`second prediction for id '${value.id}' (first on line ${first}); keep one line per sample`, {
        file: path,
        line,
        field: "id",
      });
    }
    lineOf.set(value.id, line);
    outcomes.set(value.id, toOutcome(value, sample));
  }
  // Scoring nothing as "every sample failed" hides the real problem: a wrong path or a run that wrote nothing.
  if (lineOf.size === 0) throw new UserInputError("no predictions (the file is empty or holds only blank lines); is this the right file, and did the run that writes it finish?", { file: path });
  return outcomes;
}

/** A prediction line as the scorer sees it: records, or why there are none. */
function toOutcome(prediction: PredictionLine, sample: ScoredSample): SampleOutcome {
  // Both line shapes are loose objects, so narrow on the field's type, not its presence.
  const { output, records: items } = prediction as { output?: unknown; records?: unknown[] };
  if (typeof output === "string") {
    const parsed = getProgram(sample.task).parse(output, { schema: sample.schema });
    return parsed.ok ? { records: parsed.records } : { failure: `unparseable output: ${parsed.reason}` };
  }
  const fast = fastRecords(sample.task, items ?? []);
  if (fast !== undefined) return { records: fast };
  const checked = parseRecords(sample.task, items ?? []);
  return "problem" in checked ? { failure: `invalid ${checked.problem}` } : checked;
}

/** Plain-text report: overall, non-English, per language, dataset and task, then failures. */
export function formatScoreTable(report: ScoreReport, options: ScoreFilesOptions): string {
  const s = report.summary;
  const rows: [string, GroupSummary][] = [
    ["overall", s.overall],
    ["non-English", s.non_english],
    ...Object.entries(s.by_lang).map(([k, v]): [string, GroupSummary] => [`lang ${k}`, v]),
    ...Object.entries(s.by_dataset).map(([k, v]): [string, GroupSummary] => [`dataset ${k}`, v]),
    ...Object.entries(s.by_task).map(([k, v]): [string, GroupSummary] => [`task ${k}`, v]),
  ];
  const header = ["", "LF1", "F1", "instances", "samples", "failures"];
  const body = rows.map(([name, g]) => [name, fmt(g.lf1), fmt(g.f1), String(g.instances), String(g.samples), String(g.failures)]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd();

  const out = [
    `gold: ${options.gold}   predictions: ${options.pred}`,
    "Scores are 0-100, means over instances (an instance pools its batched samples).",
    "",
    line(header),
    ...body.map(line),
    "",
  ];
  const failures = report.failures;
  if (failures.length === 0) {
    out.push("failures: 0");
  } else {
    out.push(`failures: ${failures.length} sample(s) scored 0`);
    const shown = 10;
    for (const f of failures.slice(0, shown)) out.push(`  ${f.id}: ${f.reason}`);
    if (failures.length > shown) out.push(`  … and ${failures.length - shown} more (see --json)`);
  }
  return out.join("\n") + "\n";
}

function fmt(score: number | null): string {
  return score === null ? "-" : score.toFixed(2);
}

