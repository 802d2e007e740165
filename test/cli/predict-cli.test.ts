/**
 * `ieopt predict` through the real CLI: unlabeled text in, records per instance out
 * (batched schemas merged back), resumed after a kill, refused where gold is needed.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostname } from "node:os";
import { startStubServer } from "../helpers/stub-server.ts";
import { EXAMPLES, ieopt, ROOT } from "../eval-cli/helpers.ts";
import { mergeInstance } from "../../src/eval/predict.ts";
import { batchSchema } from "../../src/data/batch-schema.ts";
import { tempDir } from "../helpers/temp.ts";

const batches = (size: number, splitNum: number) => batchSchema(Array.from({ length: size }, (_, i) => i), splitNum).length;

const BIN = join(ROOT, "bin/ieopt.js");
const XSID = join(ROOT, "../shared/data/xsid/de.test.conll");
const work = tempDir("ieopt-predict-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

const readJsonl = (path: string) => readFileSync(path, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));

/** The examples' SF test split as unlabeled instances: batched lines merged, labels and split dropped. */
function unlabeledSf(path: string): { ids: string[]; schemaSizes: number[] } {
  const byInstance = new Map<string, { id: string; text: string; lang: string; schema: string[] }>();
  for (const s of readJsonl(join(EXAMPLES, "sf/test.jsonl"))) {
    const got = byInstance.get(s.instance_id);
    if (got) got.schema.push(...s.schema);
    else byInstance.set(s.instance_id, { id: s.instance_id, text: s.text, lang: s.lang, schema: [...s.schema] });
  }
  const lines = [...byInstance.values()];
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return { ids: lines.map((l) => l.id), schemaSizes: lines.map((l) => l.schema.length) };
}

function run(args: string[], env: NodeJS.ProcessEnv = {}, killWhen?: () => boolean) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: work, env: { ...process.env, CI: "1", ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const poll = killWhen
      ? setInterval(() => {
          if (killWhen()) child.kill("SIGKILL");
        }, 20)
      : undefined;
    child.on("close", (code, signal) => {
      if (poll) clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe("ieopt predict", () => {
  it("gives records for every instance of unlabeled data, batched schemas merged back, in input order (sim)", async () => {
    const data = join(work, "sf-unlabeled.jsonl");
    const { ids, schemaSizes } = unlabeledSf(data);
    const out = join(work, "sf-records.jsonl");
    const r = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out, "--batch-split-num", "4", "--json", "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    const queries = schemaSizes.reduce((n, k) => n + batches(k, 4), 0);
    expect(queries).toBeGreaterThan(ids.length); // some instances really are asked in batches
    expect(summary).toMatchObject({ instances: ids.length, queries, asked: queries, reused: 0, simulated: true, task: "SF" });
    const lines = readJsonl(out);
    expect(lines.map((l) => l.id)).toEqual(ids);
    for (const line of lines) expect(Array.isArray(line.records)).toBe(true);
    expect(lines.some((l) => l.records.length > 0)).toBe(true);
    const again = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out, "--batch-split-num", "4", "--json", "--quiet");
    expect(JSON.parse(again.stdout)).toMatchObject({ reused: ids.length, asked: 0 });
  });

  it.skipIf(!existsSync(XSID))("predicts unlabeled real xSID text: one line of records per instance (sim)", async () => {
    const imported = join(work, "xsid.jsonl");
    expect((await ieopt("data", "import", "--format", "xsid", "--in", XSID, "--out", imported)).code).toBe(0);
    const unlabeled = join(work, "xsid-unlabeled.jsonl");
    const rows = readJsonl(imported).slice(0, 30).map(({ id, text, schema, lang }) => ({ id, text, schema, lang }));
    writeFileSync(unlabeled, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const out = join(work, "xsid-records.jsonl");
    const r = await ieopt("predict", "--prompt", "default:SF", "--data", unlabeled, "--out", out, "--json", "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const lines = readJsonl(out);
    expect(lines.map((l) => l.id)).toEqual(rows.map((r) => r.id));
    expect(JSON.parse(r.stdout).queries).toBeGreaterThan(rows.length); // xSID's schema is longer than split_num 6
    for (const line of lines) for (const rec of line.records) expect(rows.find((r) => r.id === line.id)!.text).toContain(rec.slot);
  });

  it("resumes after a kill: finished instances are kept, only the rest is asked", async () => {
    const data = join(work, "kill.jsonl");
    const { ids, schemaSizes } = unlabeledSf(data);
    const queriesOf = new Map(ids.map((id, i) => [id, batches(schemaSizes[i]!, 6)]));
    const total = [...queriesOf.values()].reduce((a, b) => a + b, 0);
    const out = join(work, "kill-records.jsonl");
    const common = ["predict", "--prompt", "default:SF", "--data", data, "--out", out, "--model", "stub-model", "--no-cache", "--concurrency", "1", "--max-retries", "0"];
    // One server (the endpoint is part of what the output depends on): in the first run it
    // answers 10 requests, then never again, and the process is killed mid-run.
    let hangFrom = 10;
    const server = await startStubServer({ models: ["stub-model"], answers: () => ["[]"], faults: ({ index }) => (index >= hangFrom ? { kind: "stall" } : undefined) });
    try {
      const first = await run([...common, "--base-url", server.url], {}, () => existsSync(out) && readFileSync(out, "utf8").split("\n").length > 3);
      expect(first.signal).toBe("SIGKILL");
      const kept = readJsonl(out).map((l) => l.id);
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(ids.length);

      hangFrom = Infinity;
      const before = server.count();
      const second = await run([...common, "--base-url", server.url, "--json"]);
      expect(second.code, second.stderr).toBe(0);
      const summary = JSON.parse(second.stdout);
      expect(summary.reused).toBe(kept.length);
      const expectedAsked = total - kept.reduce((n, id) => n + queriesOf.get(id)!, 0);
      expect(summary.asked).toBe(expectedAsked);
      expect(server.count() - before).toBe(expectedAsked); // no finished instance was paid for twice
      const final = readJsonl(out).map((l) => l.id);
      expect([...final].sort()).toEqual([...ids].sort());
      expect(final.slice(0, kept.length)).toEqual(kept);
    } finally {
      await server.close();
    }
  });
  it("lists failed queries, marks their instances, and asks them again on the next run", async () => {
    const data = join(work, "fail.jsonl");
    writeFileSync(data, [
      JSON.stringify({ id: "a", text: "wake me at 7 am", schema: ["datetime"] }),
      JSON.stringify({ id: "b", text: "is it raining in Oslo", schema: ["location"] }),
    ].join("\n") + "\n");
    const out = join(work, "fail-records.jsonl");
    let failOslo = true;
    const server = await startStubServer({ models: ["m"], answers: () => ["[]"], faults: ({ body }) => (failOslo && JSON.stringify(body).includes("Oslo") ? { kind: "status", status: 400, message: "bad" } : undefined) });
    const args = ["predict", "--prompt", "default:SF", "--data", data, "--out", out, "--model", "m", "--base-url", server.url, "--no-cache", "--max-retries", "0", "--quiet"];
    try {
      const r = await ieopt(...args);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/1 instances had failed queries/);
      const lines = readJsonl(out);
      expect(lines.find((l) => l.id === "b").failures).toHaveLength(1);
      expect(readJsonl(`${out}.failures.jsonl`)).toEqual([expect.objectContaining({ id: "b", query: "b" })]);

      failOslo = false;
      const before = server.count();
      const again = await ieopt(...args, "--json");
      expect(JSON.parse(again.stdout)).toMatchObject({ reused: 1, asked: 1, failedInstances: 0 });
      expect(server.count() - before).toBe(1);
      expect(readJsonl(out).map((l) => [l.id, l.failures])).toEqual([["a", undefined], ["b", undefined]]);
    } finally {
      await server.close();
    }
  });

  it("one process per --out: a live holder's lock refuses a second predict (exit 2, naming it, nothing written); none is left after a run", async () => {
    const data = join(work, "locked.jsonl");
    unlabeledSf(data);
    const out = join(work, "locked-out.jsonl");
    writeFileSync(`${out}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), started_at: "2026-01-01T00:00:00.000Z", command: "predict" }));
    const held = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out);
    expect(held.code).toBe(2);
    expect(held.stderr).toContain(`predict output ${out} is in use by 'predict' pid ${process.pid}`);
    expect(existsSync(out)).toBe(false);
    rmSync(`${out}.lock`);
    const done = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out);
    expect(done.code, done.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });

  it("refuses bad unlabeled lines with file, line and field, writing nothing", async () => {
    const data = join(work, "bad.jsonl");
    writeFileSync(data, `${JSON.stringify({ id: "a", text: "x", schema: ["datetime"] })}\n${JSON.stringify({ id: "b", text: "y", schema: ["datetime"], task: "NER" })}\n`);
    const out = join(work, "bad-out.jsonl");
    const r = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${data}:2 field 'task': the sample is NER, but the prompt is for SF`);
    expect(existsSync(out)).toBe(false);
    writeFileSync(data, `${JSON.stringify({ id: "a", text: "x", schema: [] })}\n`);
    const empty = await ieopt("predict", "--prompt", "default:SF", "--data", data, "--out", out);
    expect(empty.stderr).toContain("field 'schema': must name at least one type to extract");
  });

  it("commands that score against gold refuse unlabeled data and point to predict", async () => {
    const data = join(work, "plain.jsonl");
    writeFileSync(data, `${JSON.stringify({ id: "a", text: "wake me at 7 am", schema: ["datetime"] })}\n`);
    for (const args of [
      ["score", "--gold", data, "--pred", data],
      ["eval", "--prompt", "default:SF", "--data", data, "--out", join(work, "ev")],
      ["optimize", "--task", "SF", "--train", data, "--val", data, "--runs-dir", join(work, "runs")],
    ]) {
      const r = await ieopt(...args);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr).toContain(`${data}:1 field 'labels': is missing: this line is an unlabeled sample`);
      expect(r.stderr).toContain("ieopt predict");
    }
  });
});

describe("mergeInstance", () => {
  it("concatenates the batches' records in query order, drops repeats, lists failures", () => {
    const ok = (id: string, records: { slot: string; slot_type: string }[]) => ({ id, ok: true as const, records, thought: undefined, raw: "", cached: false });
    const line = mergeInstance("i", [
      ok("i#0", [{ slot: "Oslo", slot_type: "location" }]),
      { id: "i#1", ok: false, failure: "LM call failed", raw: undefined, cached: false },
      ok("i#2", [{ slot: "7 am", slot_type: "datetime" }, { slot: "Oslo", slot_type: "location" }]),
    ]);
    expect(line).toEqual({
      id: "i",
      records: [{ slot: "Oslo", slot_type: "location" }, { slot: "7 am", slot_type: "datetime" }],
      failures: [{ query: "i#1", reason: "LM call failed" }],
    });
    expect(mergeInstance("j", [ok("j", [])])).toEqual({ id: "j", records: [] });
  });
});
