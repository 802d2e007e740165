/** `ieopt score`: in-process for the details, plus the real CLI for the JSON contract and exit codes. */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatScoreTable, scoreFiles, scoreJson } from "../../src/eval/score-files.ts";
import { UserInputError } from "../../src/errors.ts";
import { tempDir } from "../helpers/temp.ts";

const REPO_ROOT = resolve(import.meta.dirname, "../..");
const BIN = resolve(REPO_ROOT, "bin/ieopt.js");
const dir = tempDir("ieopt-score-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: unknown[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return path;
}

const base = { dataset: "toy", task: "NER", split: "test", schema: ["person", "location"] };
const gold = write("gold.jsonl", [
  { ...base, id: "e1", lang: "eng", text: "Mr Bure met Ann.", labels: [{ entity: "Bure", entity_type: "person" }] },
  { ...base, id: "d1", lang: "deu", text: "Ann lebt in Paris.", labels: [{ entity: "Paris", entity_type: "location" }] },
  { ...base, id: "d2", lang: "deu", text: "Nichts hier.", labels: [] },
  { ...base, id: "z1", lang: "zho", dataset: "toy2", text: "他住在北京大学。", labels: [{ entity: "北京", entity_type: "location" }] },
]);
const pred = write("pred.jsonl", [
  { id: "e1", output: 'Here you go: [{"entity": "Mr Bure", "entity_type": "person"}]' }, // LF1 4/7, F1 0
  { id: "d1", records: [{ entity: "Paris", entity_type: "location" }] }, // 1, 1
  { id: "z1", records: [{ entity: "北京大学" }] }, // invalid record (no entity_type) → failure
  // d2: no prediction → failure
]);

function ieopt(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: REPO_ROOT }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe("scoreFiles", () => {
  it("parses raw outputs, validates records and counts missing predictions as failures", async () => {
    const files = { gold, pred };
    const report = await scoreFiles(files);
    // e1 is the only English sample: its LF1 is by_lang.eng's.
    expect(report.summary.by_lang.eng!.lf1).toBeCloseTo((100 * 4) / 7, 10);
    expect(report.summary.by_lang.eng).toMatchObject({ f1: 0, failures: 0 });
    const reasons = Object.fromEntries(report.failures.map((f) => [f.id, f.reason]));
    expect(reasons.z1).toMatch(/^invalid record 0 field 'entity_type'/);
    expect(reasons.d2).toBe("no prediction");
    const json = scoreJson(report, files) as ReturnType<typeof scoreJson> & {
      overall: { lf1: number; f1: number; instances: number; samples: number; failures: number };
      by_lang: Record<string, { lf1: number; instances: number }>;
      non_english: { lf1: number; instances: number };
      failures: { id: string; reason: string }[];
    };
    // overall LF1 = (4/7 + 1 + 0 + 0)/4 · 100 = 1100/28 = 275/7 ≈ 39.29; F1 = (0 + 1 + 0 + 0)/4 · 100 = 25
    expect(json.overall.lf1).toBeCloseTo(275 / 7, 10);
    expect(json.overall).toMatchObject({ f1: 25, instances: 4, samples: 4, failures: 2 });
    // non-English: d1, d2, z1 → (1 + 0 + 0)/3 · 100
    expect(json.non_english.lf1).toBeCloseTo(100 / 3, 10);
    expect(json.by_lang.deu).toMatchObject({ lf1: 50, instances: 2 });
    expect(Object.keys(json.by_dataset as object)).toEqual(["toy", "toy2"]);
    expect(json.failures.map((f) => f.id)).toEqual(["d2", "z1"]);
  });

  it("prints a readable table", async () => {
    const files = { gold, pred };
    const table = formatScoreTable(await scoreFiles(files), files);
    expect(table).toMatch(/^overall\s+39\.29\s+25\.00\s+4\s+4\s+2$/m);
    expect(table).toMatch(/^non-English\s+33\.33\s+/m);
    expect(table).toMatch(/^lang deu\s+50\.00\s+50\.00\s+2\s+2\s+1$/m);
    expect(table).toContain("failures: 2 sample(s) scored 0");
    expect(table).toContain("  d2: no prediction");
  });

  it("rejects a prediction whose id is not in gold, naming file and line", async () => {
    const bad = write("bad.jsonl", [{ id: "e1", records: [] }, { id: "nope", records: [] }]);
    await expect(scoreFiles({ gold, pred: bad })).rejects.toThrow(UserInputError);
    await expect(scoreFiles({ gold, pred: bad })).rejects.toThrow(`${bad}:2 field 'id'`);
  });

  it("rejects two predictions for one id", async () => {
    const twice = write("twice.jsonl", [{ id: "e1", records: [] }, { id: "e1", records: [] }]);
    await expect(scoreFiles({ gold, pred: twice })).rejects.toThrow(/second prediction for id 'e1' \(first on line 1\)/);
  });

  it("reports a gold file's problems before the predictions', each naming file and line", async () => {
    const goldLines = readFileSync(gold, "utf8").trim().split("\n");
    const dup = join(dir, "dup-gold.jsonl");
    writeFileSync(dup, [...goldLines, goldLines[1]].join("\n") + "\n");
    await expect(scoreFiles({ gold: dup, pred })).rejects.toThrow(`${dup}:5 field 'id': duplicate id 'd1' (first used on line 2)`);
    // A bad gold line far down, and a prediction for an unknown id on the predictions' first line: gold's comes first.
    const broken = join(dir, "broken-gold.jsonl");
    writeFileSync(broken, [...goldLines, "{not json"].join("\n") + "\n");
    const unknown = write("unknown.jsonl", [{ id: "nope", records: [] }]);
    await expect(scoreFiles({ gold: broken, pred: unknown })).rejects.toThrow(`${broken}:5: invalid JSON`);
    await expect(scoreFiles({ gold: broken, pred: join(dir, "missing.jsonl") })).rejects.toThrow(`${broken}:5: invalid JSON`);
    const empty = join(dir, "empty-gold.jsonl");
    writeFileSync(empty, "\n");
    await expect(scoreFiles({ gold: empty, pred })).rejects.toThrow(`${empty}: no samples`);
    const badPred = join(dir, "bad-pred.jsonl");
    writeFileSync(badPred, JSON.stringify({ id: "e1", records: [] }) + "\n[1]\n");
    await expect(scoreFiles({ gold, pred: badPred })).rejects.toThrow(`${badPred}:2: the line is an array, expected a JSON object`);
  });

  it("makes an unparseable output a failure, not an error", async () => {
    const junk = write("junk.jsonl", [{ id: "e1", output: "I cannot help with that." }]);
    const report = await scoreFiles({ gold, pred: junk });
    expect(report.failures.find((f) => f.id === "e1")?.reason).toMatch(/^unparseable output: /);
  });
});

describe("ieopt score (real CLI)", () => {
  it("--json prints one object with the contract fields; bad ids exit 2 with nothing on stdout", async () => {
    const [ok, bad] = await Promise.all([
      ieopt("score", "--gold", gold, "--pred", pred, "--json"),
      ieopt("score", "--gold", gold, "--pred", write("bad2.jsonl", [{ id: "nope", records: [] }])),
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    const json = JSON.parse(ok.stdout) as Record<string, Record<string, unknown>>;
    for (const key of ["overall", "by_lang", "by_dataset", "non_english", "failures"]) expect(json).toHaveProperty(key);
    expect(Object.keys(json.overall!)).toEqual(expect.arrayContaining(["lf1", "f1", "instances", "samples"]));
    expect(Object.keys(json.by_lang!.eng as object)).toEqual(expect.arrayContaining(["lf1", "f1", "instances"]));
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/bad2\.jsonl:1 field 'id': prediction for id 'nope'/);
  });
});
