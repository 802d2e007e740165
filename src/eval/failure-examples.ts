/**
 * A few failure examples per (prompt, model) for the eval report: the instances with the
 * lowest LF1 (below 1; ties in data order), each shown by its first query — text, gold
 * records, and the raw answer or why there was none.
 */
import { createReadStream, existsSync } from "node:fs";
import { createInterface } from "node:readline";
import type { InstanceScores } from "./instance-scorer.ts";
import { instanceKey, streamSamples, type InstanceIndex } from "./eval-data.ts";

export interface FailureExample {
  id: string;
  lang: string;
  text: string;
  gold: unknown[];
  /** The raw answer, or undefined when the query failed (see `failure`). */
  output?: string;
  failure?: string;
  /** The instance's LF1, 0–100. */
  lf1: number;
}

/** Positions of the `count` worst instances with LF1 < 1 (lowest first, then data order). */
export function worstInstances(lf1: Float64Array, count: number): number[] {
  const positions: number[] = [];
  for (let i = 0; i < lf1.length; i++) if (lf1[i]! < 1) positions.push(i);
  positions.sort((a, b) => lf1[a]! - lf1[b]! || a - b);
  return positions.slice(0, count);
}

/** The id → field of a JSONL file, for the wanted ids only. */
async function pick(file: string, ids: ReadonlySet<string>, field: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!existsSync(file)) return out;
  for await (const line of createInterface({ input: createReadStream(file, "utf8"), crlfDelay: Infinity })) {
    if (out.size === ids.size) break;
    try {
      const v = JSON.parse(line) as Record<string, unknown>;
      if (typeof v["id"] === "string" && ids.has(v["id"]) && v[field] !== undefined) out.set(v["id"], typeof v[field] === "string" ? v[field] : JSON.stringify(v[field]));
    } catch {
      // a cut-off last line: nothing to show from it
    }
  }
  return out;
}

export async function failureExamples(index: InstanceIndex, scores: InstanceScores, files: { predictions: string; failures: string }, count = 3): Promise<FailureExample[]> {
  const wanted = worstInstances(scores.lf1, count);
  if (wanted.length === 0) return [];
  const byPosition = new Map<number, FailureExample>();
  const wantedSet = new Set(wanted);
  for await (const sample of streamSamples(index)) {
    const at = index.position.get(instanceKey(sample))!;
    if (!wantedSet.has(at) || byPosition.has(at)) continue;
    byPosition.set(at, { id: sample.id, lang: sample.lang, text: sample.text, gold: sample.labels, lf1: 100 * scores.lf1[at]! });
    if (byPosition.size === wanted.length) break;
  }
  const ids = new Set([...byPosition.values()].map((e) => e.id));
  const outputs = await pick(files.predictions, ids, "output");
  const failures = await pick(files.failures, ids, "reason");
  return wanted.flatMap((at) => {
    const e = byPosition.get(at);
    if (!e) return [];
    const output = outputs.get(e.id);
    const failure = failures.get(e.id);
    return [{ ...e, ...(output !== undefined ? { output } : {}), ...(output === undefined ? { failure: failure ?? "no answer recorded" } : {}) }];
  });
}
