/**
 * Hostile and odd input through the real CLI: groups named __proto__ / constructor keep
 * their place in every keyed summary, --out refuses folders that are not eval outputs,
 * over-deep JSON lines are refused where they are read, temp files a killed writer left
 * are cleaned up, and report.md escapes names.
 */
import { describe, expect, it } from "vitest";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { ROOT, runIeopt, testTemp } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";
import { LOCK_FILE } from "../../src/runs/lock.ts";

const SF_TEST = join(ROOT, "examples/data/sf/test.jsonl");

function ner(id: string, dataset: string, type: string, entity: string): string {
  return JSON.stringify({ id, dataset, lang: "deu", task: "NER", split: "test", text: `${entity} kam.`, schema: [type], labels: [{ entity, entity_type: type }] });
}

const deadPid = () => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" }).stdout);

describe("hostile input", () => {
  it("datasets and types named __proto__ or constructor are keys like any other (score and eval)", async () => {
    const work = testTemp();
    const gold = join(work, "gold.jsonl");
    writeFileSync(gold, [ner("a", "__proto__", "__proto__", "Anna"), ner("b", "constructor", "constructor", "Bernd"), ner("c", "demo", "person", "Carla")].join("\n") + "\n");
    const pred = join(work, "pred.jsonl");
    writeFileSync(pred, ['{"id":"a","records":[{"entity":"Anna","entity_type":"__proto__"}]}', '{"id":"b","records":[]}', '{"id":"c","records":[]}'].join("\n") + "\n");
    const r = await runIeopt(["score", "--gold", gold, "--pred", pred, "--json"]);
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const scores = JSON.parse(r.stdout);
    expect(Object.keys(scores.by_dataset).sort()).toEqual(["__proto__", "constructor", "demo"]);
    expect(scores.by_dataset["__proto__"]).toMatchObject({ lf1: 100, instances: 1 });

    // eval: dataset and type names (the sim's keyed tables included: a type named __proto__
    // once made every sim answer fail).
    const data = join(work, "data.jsonl");
    writeFileSync(data, [ner("a", "__proto__", "__proto__", "Anna"), ner("b", "a|<b>y</b>", "person", "Bernd"), ner("c", "constructor", "constructor", "Carla")].join("\n") + "\n");
    const out = join(work, "out");
    const e = await runIeopt(["eval", "--prompt", "default:NER", "--data", data, "--model", "sim", "--out", out, "--bootstrap", "20", "--quiet"]);
    expect(e.code, e.stderr).toBe(EXIT.ok);
    expect(e.stderr).not.toContain("got no answer");
    const report = readFileSync(join(out, "report.json"), "utf8");
    expect(report).toContain('"__proto__": {');
    expect(report).toContain('"constructor": {');
    // report.md: names from data never become markup or extra table cells.
    const md = readFileSync(join(out, "report.md"), "utf8");
    expect(md).not.toContain("<b>");
    expect(md).toContain("a\\|&lt;b&gt;y&lt;/b&gt;");
  });

  it("--out refuses / and non-empty folders that are not eval outputs, touching nothing", async () => {
    for (const out of ["/", ROOT]) {
      const r = await runIeopt(["eval", "--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--out", out, "--quiet"]);
      expect(r.code, out).toBe(EXIT.badInput);
      expect(r.stderr).toContain("is a non-empty folder that is not an ieopt eval output");
      expect(existsSync(join(out, LOCK_FILE))).toBe(false);
    }
    const mine = join(testTemp(), "notes");
    mkdirSync(mine);
    writeFileSync(join(mine, "thesis.tex"), "x");
    const r = await runIeopt(["eval", "--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--out", mine, "--quiet"]);
    expect(r.code).toBe(EXIT.badInput);
    expect(readdirSync(mine)).toEqual(["thesis.tex"]);
  });

  it("a line nested deeper than the limit is refused by data validate and data batch (exit 2, file:line), not a stack overflow", async () => {
    const file = join(testTemp(), "deep.jsonl");
    const deep = JSON.parse(ner("a", "d", "person", "Anna"));
    writeFileSync(file, JSON.stringify(deep).slice(0, -1) + `, "extra": ${"[".repeat(5000)}${"]".repeat(5000)}}\n`);
    for (const args of [["data", "validate", file], ["data", "batch", "--in", file, "--out", `${file}.out`]]) {
      const r = await runIeopt(args);
      expect(r.code, r.stderr).toBe(EXIT.badInput);
      expect(r.stderr).toContain(`${file}:1: the line nests deeper than 64 levels`);
      expect(r.stderr).not.toMatch(/internal error|Maximum call stack/);
    }
  });

  it("ieopt score never walks a line, so a deep extra field on a valid line is scored; a deep line it cannot read is refused, not a stack overflow", async () => {
    const sample = JSON.parse(ner("a", "d", "person", "Anna")) as { id: string; labels: unknown[] };
    const nest = `${"[".repeat(5000)}${"]".repeat(5000)}`;
    const gold = join(testTemp(), "deep-gold.jsonl");
    writeFileSync(gold, JSON.stringify(sample).slice(0, -1) + `, "extra": ${nest}}\n`);
    const pred = join(testTemp(), "deep-pred.jsonl");
    writeFileSync(pred, JSON.stringify({ id: sample.id, records: sample.labels }).slice(0, -1) + `, "extra": ${nest}}\n`);
    const ok = await runIeopt(["score", "--gold", gold, "--pred", pred, "--json"]);
    expect(ok.code, ok.stderr).toBe(EXIT.ok);
    expect((JSON.parse(ok.stdout) as { overall: { lf1: number } }).overall.lf1).toBe(100);
    // No id: the fast check leaves the line to zod, and the depth check comes first.
    const bad = join(testTemp(), "deep-bad.jsonl");
    writeFileSync(bad, `{"records": [], "extra": ${nest}}\n`);
    const refused = await runIeopt(["score", "--gold", gold, "--pred", bad]);
    expect(refused.code).toBe(EXIT.badInput);
    expect(refused.stderr).toContain(`${bad}:1: the line nests deeper than 64 levels`);
    expect(refused.stderr).not.toMatch(/internal error|Maximum call stack/);
  });

  it("temp files left by a killed writer are removed on the next run of the folder", async () => {
    const out = join(testTemp(), "out");
    const args = ["eval", "--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--out", out, "--bootstrap", "20", "--quiet"];
    expect((await runIeopt(args)).code).toBe(EXIT.ok);
    const pid = deadPid();
    const stale = [join(out, `.report.json.${pid}.1764540000000.tmp`), ...readdirSync(join(out, "predictions")).filter((f) => f.endsWith(".failures.jsonl")).map((f) => join(out, "predictions", `${f}.${pid}.tmp`))];
    expect(stale.length).toBe(2);
    for (const f of stale) writeFileSync(f, "");
    const again = await runIeopt(args);
    expect(again.code, again.stderr).toBe(EXIT.ok);
    for (const f of stale) expect(existsSync(f), f).toBe(false);
    expect([...readdirSync(out), ...readdirSync(join(out, "predictions"))].filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
