/**
 * The example data under examples/data: every line satisfies the sample contract, and the
 * set has the shape the demo, the optimizer and the README rely on (English tuning splits,
 * a multilingual multi-script test split, negatives, batched instances, no leakage).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SampleSchema, schemaItemName, type Sample, type SchemaItem } from "../../src/data/sample.ts";
import { batchSchema } from "../../src/data/batch-schema.ts";
import { buildTask, CONTENTS, DATA_DIR } from "../../examples/generate.ts";

const TASKS = ["ner", "re", "sf", "ed", "ee"] as const;
const SPLITS = ["train", "dev", "test"] as const;
type TaskDir = (typeof TASKS)[number];
type SplitName = (typeof SPLITS)[number];

const SCRIPTS: Record<string, RegExp> = {
  Latin: /\p{Script=Latin}/u,
  Cyrillic: /\p{Script=Cyrillic}/u,
  Arabic: /\p{Script=Arabic}/u,
  Han: /\p{Script=Han}/u,
  Devanagari: /\p{Script=Devanagari}/u,
  Japanese: /[\p{Script=Hiragana}\p{Script=Katakana}]/u,
  Greek: /\p{Script=Greek}/u,
  Hebrew: /\p{Script=Hebrew}/u,
};
/** The script a language's spans must be written in (when the language is in the test split). */
const NATIVE_SCRIPT: Record<string, string> = { rus: "Cyrillic", ara: "Arabic", zho: "Han", hin: "Devanagari", jpn: "Japanese" };

interface Loaded {
  file: string;
  raw: string[];
  samples: Sample[];
  failures: string[];
}

function load(task: TaskDir, split: SplitName): Loaded {
  const file = join(DATA_DIR, task, `${split}.jsonl`);
  const raw = readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "");
  const samples: Sample[] = [];
  const failures: string[] = [];
  raw.forEach((line, i) => {
    const where = `examples/data/${task}/${split}.jsonl:${i + 1}`;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (e) {
      failures.push(`${where}: invalid JSON (${(e as Error).message})`);
      return;
    }
    const r = SampleSchema.safeParse(json);
    if (!r.success) {
      failures.push(`${where}: ${r.error.issues.map((x) => `${x.path.join(".")}: ${x.message}`).join("; ")}`);
      return;
    }
    samples.push(r.data);
  });
  return { file, raw, samples, failures };
}

const DATA: Record<TaskDir, Record<SplitName, Loaded>> = Object.fromEntries(
  TASKS.map((t) => [t, Object.fromEntries(SPLITS.map((s) => [s, load(t, s)]))]),
) as Record<TaskDir, Record<SplitName, Loaded>>;

function names(sample: Sample): string[] {
  return sample.schema.map((item) => schemaItemName(sample.task, item));
}

function byInstance(samples: readonly Sample[]): Map<string, Sample[]> {
  const m = new Map<string, Sample[]>();
  for (const s of samples) m.set(s.instance_id, [...(m.get(s.instance_id) ?? []), s]);
  return m;
}

describe("examples/data", () => {
  for (const task of TASKS) {
    describe(task, () => {
      for (const split of SPLITS) {
        it(`${split}: every line satisfies the sample contract`, () => {
          const d = DATA[task][split];
          expect(d.failures).toEqual([]);
          expect(d.samples.length).toBe(d.raw.length);
          for (const s of d.samples) {
            expect(s.task).toBe(task.toUpperCase());
            expect(s.split).toBe(split);
            expect(s.dataset).toBe(`ex-${task}`);
            expect(s.schema.length).toBeGreaterThan(0);
            expect(s.schema.length).toBeLessThanOrEqual(6);
            const inSchema = new Set(names(s));
            expect(inSchema.size).toBe(s.schema.length); // no repeated schema item
            for (const k of Object.keys(s.schema_descriptions ?? {})) expect(inSchema.has(k)).toBe(true);
            expect(new Set(s.labels.map((l) => JSON.stringify(l))).size).toBe(s.labels.length); // unique labels
          }
        });

        it(`${split}: 20–40 % of the samples have empty labels`, () => {
          const { samples } = DATA[task][split];
          const share = samples.filter((s) => s.labels.length === 0).length / samples.length;
          expect(share).toBeGreaterThanOrEqual(0.2);
          expect(share).toBeLessThanOrEqual(0.4);
        });

        it(`${split}: samples of one instance share the text and have disjoint schema batches`, () => {
          for (const [, group] of byInstance(DATA[task][split].samples)) {
            expect(new Set(group.map((s) => s.text)).size).toBe(1);
            expect(new Set(group.map((s) => s.lang)).size).toBe(1);
            const all = group.flatMap((s) => names(s));
            expect(new Set(all).size).toBe(all.length);
          }
        });
      }

      it("train and dev are English with at least 30 samples each", () => {
        for (const split of ["train", "dev"] as const) {
          const { samples } = DATA[task][split];
          expect(samples.length).toBeGreaterThanOrEqual(30);
          expect(new Set(samples.map((s) => s.lang))).toEqual(new Set(["eng"]));
        }
      });

      it("test covers ≥ 6 languages (≥ 6 samples each) in ≥ 4 scripts, non-Latin spans in-script", () => {
        const { samples } = DATA[task].test;
        expect(samples.length).toBeGreaterThanOrEqual(42);
        const perLang = new Map<string, number>();
        for (const s of samples) perLang.set(s.lang, (perLang.get(s.lang) ?? 0) + 1);
        expect(perLang.size).toBeGreaterThanOrEqual(6);
        for (const [, n] of perLang) expect(n).toBeGreaterThanOrEqual(6);
        const scripts = Object.entries(SCRIPTS)
          .filter(([, re]) => samples.some((s) => re.test(s.text)))
          .map(([name]) => name);
        expect(scripts.length).toBeGreaterThanOrEqual(4);
        for (const [lang, script] of Object.entries(NATIVE_SCRIPT)) {
          const ofLang = samples.filter((s) => s.lang === lang);
          if (ofLang.length === 0) continue;
          const spans = ofLang.flatMap((s) => s.labels.flatMap((l) => Object.values(l).flat()))
            .flatMap((v) => (typeof v === "string" ? [v] : Object.values(v as Record<string, string>)));
          expect(spans.some((v) => SCRIPTS[script]!.test(v)), `${lang}: no span in ${script} script`).toBe(true);
        }
      });

      it("test instances carry the task's whole schema (batched per the split_num rule)", () => {
        const content = CONTENTS.find((c) => c.task === task.toUpperCase())!;
        const inventory = content.inventory.map((item) => schemaItemName(content.task, item)).sort();
        const expectedSizes = batchSchema(inventory).map((b) => b.length).sort();
        for (const [, group] of byInstance(DATA[task].test.samples)) {
          expect(group.flatMap((s) => names(s)).sort()).toEqual(inventory);
          expect(group.map((s) => s.schema.length).sort()).toEqual(expectedSizes);
        }
      });

      it("no test text occurs in train or dev", () => {
        const testTexts = new Set(DATA[task].test.samples.map((s) => s.text));
        for (const split of ["train", "dev"] as const) {
          for (const s of DATA[task][split].samples) expect(testTexts.has(s.text), s.id).toBe(false);
        }
        const train = new Set(DATA[task].train.samples.map((s) => s.text));
        for (const s of DATA[task].dev.samples) expect(train.has(s.text), s.id).toBe(false);
      });

      it("the files are what examples/generate.ts produces (regenerate after editing examples/gen)", () => {
        const content = CONTENTS.find((c) => c.task === task.toUpperCase())!;
        const built = buildTask(content);
        for (const split of SPLITS) {
          const expected = built[split].map((s) => JSON.stringify(s));
          expect(DATA[task][split].raw, `${task}/${split}.jsonl is stale: run node examples/generate.ts`).toEqual(expected);
        }
      });
    });
  }

  it("some instances are split over several samples, in tuning and test splits and every task", () => {
    for (const task of TASKS) {
      const tuning = [...byInstance([...DATA[task].train.samples, ...DATA[task].dev.samples]).values()];
      expect(tuning.some((g) => g.length >= 2), `${task} train/dev`).toBe(true);
    }
    const testSplits = TASKS.flatMap((t) => [...byInstance(DATA[t].test.samples).values()]);
    expect(testSplits.filter((g) => g.length >= 2).length).toBeGreaterThan(0);
    // A split instance with one empty and one non-empty batch exercises pooling.
    const all = TASKS.flatMap((t) => SPLITS.flatMap((s) => [...byInstance(DATA[t][s].samples).values()]));
    expect(all.some((g) => g.some((s) => s.labels.length === 0) && g.some((s) => s.labels.length > 0))).toBe(true);
  });

  it("ids are unique across all files, and instance ids never cross files", () => {
    const ids = new Set<string>();
    const instanceFile = new Map<string, string>();
    for (const task of TASKS) {
      for (const split of SPLITS) {
        for (const s of DATA[task][split].samples) {
          expect(ids.has(s.id), s.id).toBe(false);
          ids.add(s.id);
          const f = `${task}/${split}`;
          expect(instanceFile.get(s.instance_id) ?? f).toBe(f);
          instanceFile.set(s.instance_id, f);
        }
      }
    }
  });

  it("schema descriptions cover at least two types per task", () => {
    for (const task of TASKS) {
      const described = new Set(
        SPLITS.flatMap((s) => DATA[task][s].samples.flatMap((x) => Object.keys(x.schema_descriptions ?? {}))),
      );
      expect(described.size).toBeGreaterThanOrEqual(2);
    }
  });

  it("batchSchema follows method §2 (last short batch kept if ≥ half of 6, else merged)", () => {
    const n = (k: number) => Array.from({ length: k }, (_, i) => i);
    expect(batchSchema(n(9)).map((b) => b.length)).toEqual([6, 3]);
    expect(batchSchema(n(8)).map((b) => b.length)).toEqual([8]);
    expect(batchSchema(n(6)).map((b) => b.length)).toEqual([6]);
    expect(batchSchema(n(13)).map((b) => b.length)).toEqual([6, 7]);
    expect(batchSchema(n(15)).map((b) => b.length)).toEqual([6, 6, 3]);
  });
});
