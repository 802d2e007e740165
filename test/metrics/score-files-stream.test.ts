/**
 * `ieopt score`'s streaming scorer (src/eval/score-files.ts: both files read in step,
 * scoring as predictions are read) gives exactly what the shared `scorePredictions` gives
 * on the same files read the plain way (readSamples, zod-checked prediction lines, the
 * task's program): same summary to the last bit, same failures in the same order. The
 * files are built to reach every path: all five tasks, batched instances whose samples are
 * far apart in the gold file, one instance_id in two datasets, predictions in shuffled
 * order, missing, unparseable and invalid ones, type names in another case or out of the
 * schema, spans long enough for V8 to hand them out as views of the line (ownString), and
 * files larger than one read (several line batches). The usual layout (an instance's
 * samples adjacent, predictions in gold order but for a few) is scored by the one-pass
 * optimistic scorer; anything else by the exact one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getProgram } from "../../programs/index.ts";
import { readSamples } from "../../src/data/jsonl.ts";
import { parseRecords, PredictionLineSchema, type IERecord, type Task } from "../../src/data/sample.ts";
import { scoreExactly, scoreFiles, scoreOptimistically } from "../../src/eval/score-files.ts";
import { scorePredictions, type SampleOutcome } from "../../src/metrics/score.ts";
import { createRng, type Rng } from "../../src/util/random.ts";
import { tempDir } from "../helpers/temp.ts";

const dir = tempDir("ieopt-score-stream-");

const WORDS = ["Barack Obama", "Hawaii", "Организация Объединённых Наций", "北京大学的图书馆", "🚀 Launch Control Center", "the international airport", "Mr Bure"];
const TEXT = WORDS.join(" ");
const TYPES = ["person", "location", "organization"];
const ROLES = ["attacker", "target"];
const TASKS: Task[] = ["NER", "RE", "SF", "ED", "EE"];

function record(task: Task, rng: Rng): IERecord {
  const span = () => rng.choice(WORDS);
  const type = rng.choice(TYPES);
  switch (task) {
    case "NER":
      return { entity: span(), entity_type: type };
    case "SF":
      return { slot: span(), slot_type: type };
    case "ED":
      return { event_trigger: span(), event_type: type };
    case "RE":
      return { head: span(), tail: span(), relation: type };
    case "EE":
      return { event_trigger: span(), event_type: type, arguments: [{ role: rng.choice(ROLES), argument: span() }] };
  }
}

/** A model's answer derived from gold: spans cut or kept, types recased or invented, records dropped or added. */
function predicted(task: Task, gold: IERecord[], rng: Rng): IERecord[] {
  const out = gold.filter(() => rng.next() > 0.2).map((r) => {
    const copy = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    for (const [k, v] of Object.entries(copy)) {
      if (typeof v !== "string") continue;
      if (k.endsWith("type") || k === "relation") copy[k] = rng.next() < 0.1 ? v.toUpperCase() : rng.next() < 0.05 ? "invented" : v;
      else if (rng.next() < 0.3) copy[k] = v.slice(1) || v;
    }
    return copy as IERecord;
  });
  if (rng.next() < 0.3) out.push(record(task, rng));
  return out;
}

interface Layout {
  /** Second samples of batched instances written further down the gold file (default), or next to their first. */
  scattered?: boolean;
  /** Predictions shuffled (default), or in gold order with a few swapped with a later one. */
  shuffled?: boolean;
}

function writeFiles(name: string, count: number, rng: Rng, layout: Layout = {}): { gold: string; pred: string } {
  const { scattered = true, shuffled = true } = layout;
  const goldLines: string[] = [];
  const predLines: string[] = [];
  const later: string[][] = []; // second samples of batched instances, written further down
  for (let i = 0; i < count; i++) {
    const task = TASKS[i % TASKS.length]!;
    // Every 7th instance reuses an id from another dataset: told apart by (task, dataset, lang).
    const instanceId = i % 7 === 3 ? `inst-${i - 1}-shared-between-datasets` : `inst-${i}-shared-between-datasets`;
    const schema = task === "EE" ? TYPES.map((event_type) => ({ event_type, roles: ROLES })) : TYPES;
    const batches = rng.next() < 0.3 ? 2 : 1;
    for (let b = 0; b < batches; b++) {
      const id = `${name}-sample-${i}-${b}`;
      const labels = Array.from({ length: rng.int(0, 3) }, () => record(task, rng));
      const sample = { id, instance_id: instanceId, dataset: `dataset-${task}-${i % 3}`, lang: rng.choice(["eng", "deu", "zho"]), task, split: "test", text: TEXT, schema, labels };
      const lines = b === 0 || !scattered ? goldLines : (later[i % 5] ??= []);
      lines.push(JSON.stringify(sample));
      const r = rng.next();
      if (r < 0.05) continue; // no prediction
      const records = predicted(task, labels, rng);
      if (r < 0.1) predLines.push(JSON.stringify({ id, output: "I cannot answer." }));
      else if (r < 0.13) predLines.push(JSON.stringify({ id, records: [{ wrong: "shape" }] }));
      else if (r < 0.4) predLines.push(JSON.stringify({ id, output: `Answer: ${JSON.stringify(records)}` }));
      else predLines.push(JSON.stringify({ id, records }));
    }
  }
  for (const lines of later) if (lines) goldLines.push(...lines);
  // Predictions in a shuffled order, or a few out of order.
  for (let i = predLines.length - 1; i > 0; i--) {
    if (!shuffled && rng.next() > 0.05) continue;
    const j = shuffled ? rng.int(0, i) : rng.int(Math.max(0, i - 40), i);
    [predLines[i], predLines[j]] = [predLines[j]!, predLines[i]!];
  }
  const gold = join(dir, `${name}-gold.jsonl`);
  const pred = join(dir, `${name}-pred.jsonl`);
  writeFileSync(gold, goldLines.join("\n") + "\n");
  writeFileSync(pred, predLines.join("\r\n")); // CRLF, no final newline
  return { gold, pred };
}

/** The plain route: every sample kept whole, every prediction line checked by zod. */
async function plainScore(files: { gold: string; pred: string }) {
  const samples = await readSamples(files.gold);
  const byId = new Map(samples.map((s) => [s.id, s]));
  const outcomes = new Map<string, SampleOutcome>();
  for (const text of readFileSync(files.pred, "utf8").split("\r\n")) {
    const line = PredictionLineSchema.parse(JSON.parse(text)) as { id: string; output?: string; records?: unknown[] };
    const sample = byId.get(line.id)!;
    if (typeof line.output === "string") {
      const parsed = getProgram(sample.task).parse(line.output, { schema: sample.schema });
      outcomes.set(line.id, parsed.ok ? { records: parsed.records } : { failure: `unparseable output: ${parsed.reason}` });
    } else {
      const checked = parseRecords(sample.task, line.records!);
      outcomes.set(line.id, "problem" in checked ? { failure: `invalid ${checked.problem}` } : checked);
    }
  }
  return scorePredictions(samples, outcomes);
}

describe("scoreFiles (streaming) equals scorePredictions on the plainly read files", () => {
  it("on a small mixed file", async () => {
    const files = writeFiles("small", 300, createRng("score-stream-small"));
    const [streamed, plain] = await Promise.all([scoreFiles(files), plainScore(files)]);
    expect(streamed.summary).toEqual(plain.summary);
    expect(streamed.failures).toEqual(plain.failures);
    expect(plain.failures.some((f) => f.reason === "no prediction")).toBe(true);
    expect(plain.failures.some((f) => f.reason.startsWith("unparseable output"))).toBe(true);
    expect(plain.failures.some((f) => f.reason.startsWith("invalid record"))).toBe(true);
  });

  it("on files larger than one read (several line batches)", async () => {
    const files = writeFiles("large", 5000, createRng("score-stream-large"));
    expect(readFileSync(files.gold).length).toBeGreaterThan(2 * 1024 * 1024);
    const [streamed, plain] = await Promise.all([scoreFiles(files), plainScore(files)]);
    expect(streamed.summary).toEqual(plain.summary);
    expect(streamed.failures).toEqual(plain.failures);
    expect(plain.summary.overall.instances).toBeGreaterThan(4000);
  });

  it("in the usual layout, in one optimistic pass, also across several line batches", async () => {
    for (const [name, count] of [["usual-small", 300], ["usual-large", 5000]] as const) {
      const files = writeFiles(name, count, createRng(`score-stream-${name}`), { scattered: false, shuffled: false });
      const plain = await plainScore(files);
      const optimistic = await scoreOptimistically(files);
      expect(optimistic).toBeDefined();
      expect(optimistic!.summary).toEqual(plain.summary);
      expect(optimistic!.failures).toEqual(plain.failures);
      // A run of batched samples, samples waiting for a later prediction, and missing ones were all there.
      expect(plain.summary.overall.instances).toBeLessThan(plain.perSample.length);
      expect(plain.failures.some((f) => f.reason === "no prediction")).toBe(true);
      const exact = await scoreExactly(files);
      expect(exact).toEqual(optimistic);
    }
  });

  it("leaves scattered instances to the exact pass, which scores them the same", async () => {
    const files = writeFiles("scattered", 300, createRng("score-stream-scattered"), { scattered: true, shuffled: false });
    expect(await scoreOptimistically(files)).toBeUndefined();
    const plain = await plainScore(files);
    const scored = await scoreFiles(files);
    expect(scored.summary).toEqual(plain.summary);
    expect(scored.failures).toEqual(plain.failures);
  });
});
