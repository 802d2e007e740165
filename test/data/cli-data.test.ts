/** `ieopt data import|stats|sample` end to end through the real CLI, on small hand-made files. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCaps } from "../../src/cli/commands/data.ts";
import { runIeopt, sampleLine, tempDir } from "./helpers.ts";

const dir = tempDir("ieopt-cli-data-");

const readLines = (path: string): Record<string, unknown>[] =>
  readFileSync(path, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("parseCaps", () => {
  it("overrides single LIGHT caps", () => {
    const caps = parseCaps(["train.E=5", "dev.H=7"]);
    expect(caps.train).toEqual({ empty: 5, nonEmpty: 3000 });
    expect(caps.dev).toEqual({ empty: 100, nonEmpty: 7 });
    expect(() => parseCaps(["train.X=5"])).toThrow(/bad cap 'train.X=5'/);
  });
});

describe.concurrent("ieopt data (real CLI)", () => {
  it("import → stats --json on a RELX file", async () => {
    const src = join(dir, "RELX_es.txt");
    writeFileSync(src, '7\t"<e1> Ana </e1> trabaja en <e2> Acme </e2>."\nper:employee_of(e1,e2)\n\n\n8\t"<e1> Ana </e1> y <e2> Luis </e2>."\nno_relation\n');
    const out = join(dir, "relx-es.jsonl");
    const imported = await runIeopt("data", "import", "--format", "relx", "--in", src, "--out", out);
    expect(imported.code, imported.stderr).toBe(0);
    expect(readLines(out).map((s) => [s.id, s.lang, s.split, s.text])).toEqual([
      ["relx/RE/spa/test/7", "spa", "test", "Ana trabaja en Acme."],
      ["relx/RE/spa/test/8", "spa", "test", "Ana y Luis."],
    ]);
    const stats = await runIeopt("data", "stats", out, "--json");
    expect(stats.code, stats.stderr).toBe(0);
    const json = JSON.parse(stats.stdout) as { overall: Record<string, unknown>; byGroup: Record<string, unknown> };
    expect(json.overall).toMatchObject({ samples: 2, instances: 2, emptyLabels: 1, nonEmptyLabels: 1, labels: 1, schemaSize: { min: 18, mean: 18, max: 18 } });
    expect(Object.keys(json.byGroup)).toEqual(["RE/test/spa/relx"]);
  });

  it("sample: dedup, decontamination against --test, caps", async () => {
    const train = join(dir, "train.jsonl");
    const test = join(dir, "test.jsonl");
    const person = [{ entity: "Alice", entity_type: "person" }];
    writeFileSync(
      train,
      [
        sampleLine({ id: "t1", split: "train", text: "Alice runs.", labels: person }),
        sampleLine({ id: "t2", split: "train", text: "Alice runs.", labels: person }), // duplicate of t1
        sampleLine({ id: "t3", split: "train", text: "Alice sings.", labels: person }),
        sampleLine({ id: "t4", split: "train", text: "Alice  swims.", labels: person }), // in the test file
        sampleLine({ id: "t5", split: "train", text: "Rain.", labels: [] }),
        sampleLine({ id: "t6", split: "train", text: "Snow.", labels: [] }),
      ].join("\n") + "\n",
    );
    writeFileSync(test, sampleLine({ id: "x1", split: "test", text: "Alice swims.", labels: person }) + "\n");
    const out = join(dir, "sampled.jsonl");
    const run = await runIeopt("data", "sample", "--in", train, "--test", test, "--out", out, "--cap", "train.H=1,train.E=1", "--seed", "3");
    expect(run.code, run.stderr).toBe(0);
    const ids = readLines(out).map((s) => s.id as string);
    // t2 duplicate, t4 contaminated; of t1/t3 one H, of t5/t6 one E remain.
    expect(ids).toHaveLength(2);
    expect(["t1", "t3"]).toContain(ids[0]);
    expect(["t5", "t6"]).toContain(ids[1]);
    expect(run.stdout).toContain("1 duplicate samples");
    expect(run.stdout).toContain("1 train/dev samples removed");
  });

  it("a bad --cap or an unknown --format is a usage error (exit 2), nothing written", async () => {
    const out = join(dir, "never.jsonl");
    const [cap, format] = await Promise.all([
      runIeopt("data", "sample", "--in", join(dir, "whatever.jsonl"), "--out", out, "--cap", "train.Q=1"),
      runIeopt("data", "import", "--format", "conll2003", "--in", "x", "--out", out),
    ]);
    expect(cap.code).toBe(2);
    expect(cap.stderr).toContain("bad cap");
    expect(format.code).toBe(2);
    expect(existsSync(out)).toBe(false);
  });
});
