import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import type { LMRequest } from "../../src/lm/types.ts";
import { decodeLegacyCustomId, encodeCustomId, lookupPath } from "../../src/eval/custom-id.ts";
import { batchFileNamers, batchResultOf, ChunkedJsonlWriter } from "../../src/eval/batch-io.ts";
import type { EvalReport } from "../../src/report/eval-report.ts";
import { EXAMPLES, ieopt, tempDir } from "./helpers.ts";

const SF_TEST = join(EXAMPLES, "sf/test.jsonl");

interface RequestLine {
  custom_id: string;
  method: string;
  url: string;
  body: { model: string; messages: LMRequest["messages"]; temperature: number; max_tokens: number };
}

/** Plays vLLM's offline batch runner: answers every request line through the sim, out of order. */
async function runBatch(requestFiles: string[]): Promise<object[]> {
  const results: object[] = [];
  for (const file of requestFiles) {
    for (const line of readFileSync(file, "utf8").trim().split("\n")) {
      const req = JSON.parse(line) as RequestLine;
      expect(req.method).toBe("POST");
      expect(req.url).toBe("/v1/chat/completions");
      const { model, ...rest } = req.body;
      const answer = await createSimLM(model).complete(rest);
      results.push({
        id: `vllm-${results.length}`,
        custom_id: req.custom_id,
        response: {
          status_code: 200,
          request_id: `vllm-batch-${results.length}`,
          body: { object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: answer.choices[0] }, finish_reason: "stop" }], usage: { ...answer.usage, total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens } },
        },
        error: null,
      });
    }
  }
  return results.reverse();
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

function stripRun(report: EvalReport) {
  return report.results.map((r) => ({ prompt: r.prompt, model: r.model, overall: r.overall, non_english: r.non_english, by_lang: r.by_lang, by_split: r.by_split, outcomes: { ...r.outcomes, resumed: 0 } }));
}

describe("ieopt eval --batch-out / --batch-in", () => {
  it("round trip through a local batch runner gives exactly the online run's scores", async () => {
    const dir = tempDir();
    const common = ["--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--model", "sim-small", "--quiet", "--bootstrap", "200"];
    const online = await ieopt("eval", ...common, "--out", join(dir, "online"));
    expect(online.code).toBe(0);

    const out = await ieopt("eval", ...common, "--batch-out", join(dir, "requests.jsonl"));
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    // Two models → one request file per model (both services take one model per file).
    const files = readdirSync(dir).filter((f) => f.startsWith("requests.") && f.endsWith(".jsonl")).sort();
    expect(files).toEqual(["requests.sim-small.jsonl", "requests.sim.jsonl"]);
    const first = JSON.parse(readFileSync(join(dir, "requests.sim.jsonl"), "utf8").split("\n")[0]!) as RequestLine;
    // custom_ids fit both services (≤ 64 of [A-Za-z0-9_-]); the lookup file says what each stands for.
    expect(first.custom_id).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    const lookup = JSON.parse(readFileSync(lookupPath(join(dir, "requests.sim.jsonl")), "utf8").split("\n")[0]!) as Record<string, string>;
    expect(lookup).toMatchObject({ custom_id: first.custom_id, prompt: "default:SF", model: "sim" });
    expect(encodeCustomId({ prompt: "default:SF", model: "sim", sampleId: lookup["sample_id"]! })).toBe(first.custom_id);
    expect(first.body.temperature).toBe(0);
    expect(first.body.max_tokens).toBe(256);

    const results = await runBatch(files.map((f) => join(dir, f)));
    // Results split over two files, in another order: matching is by custom_id.
    writeFileSync(join(dir, "results-1.jsonl"), jsonl(results.slice(0, 40)));
    writeFileSync(join(dir, "results-2.jsonl"), jsonl(results.slice(40)));
    const back = await ieopt("eval", ...common, "--batch-in", join(dir, "results-1.jsonl"), join(dir, "results-2.jsonl"), "--out", join(dir, "batch"));
    expect(back.stderr).toBe("");
    expect(back.code).toBe(0);

    const a = JSON.parse(readFileSync(join(dir, "online/report.json"), "utf8")) as EvalReport;
    const b = JSON.parse(readFileSync(join(dir, "batch/report.json"), "utf8")) as EvalReport;
    expect(b.mode).toBe("batch");
    expect(stripRun(b)).toEqual(stripRun(a));
    expect(b.comparisons).toEqual(a.comparisons);
    expect(b.results.map((r) => r.usage.prompt_tokens)).toEqual(a.results.map((r) => r.usage.prompt_tokens));
  });

  it("records missing results as failures and rejects unknown custom_ids naming the line", async () => {
    const dir = tempDir();
    const common = ["--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--quiet", "--bootstrap", "50"];
    expect((await ieopt("eval", ...common, "--batch-out", join(dir, "req.jsonl"))).code).toBe(0);
    const results = await runBatch([join(dir, "req.jsonl")]);
    const total = results.length;

    // Drop 5 results and turn one into an error: all 6 are failures, none disappears.
    const partial = results.slice(5);
    (partial[0] as { response: unknown; error: unknown }).response = { status_code: 500, body: { error: { message: "server exploded" } } };
    writeFileSync(join(dir, "partial.jsonl"), jsonl(partial));
    const r = await ieopt("eval", ...common, "--batch-in", join(dir, "partial.jsonl"), "--out", join(dir, "out"), "--json");
    // 6 samples without an answer: the eval is degraded (exit 4), its report still written.
    expect(6 / total).toBeGreaterThan(0.05);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/degraded: default:SF × sim: 6 of \d+ samples got no answer/);
    const report = JSON.parse(r.stdout) as EvalReport;
    expect(report.results[0]!.outcomes).toMatchObject({ samples: total, missing: 5, lm_failures: 1 });
    expect(report.results[0]!.failure_rate).toBeCloseTo(6 / total, 9);
    const failures = readFileSync(join(dir, "out/predictions/default_SF--sim.failures.jsonl"), "utf8");
    expect(failures.match(/"kind":"missing"/g)).toHaveLength(5);
    expect(failures).toContain("server exploded");

    // An id of another eval (another model) on line 3 → exit 2 naming file:line.
    const lookup = readFileSync(lookupPath(join(dir, "req.jsonl")), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { custom_id: string; sample_id: string });
    const third = results[2] as { custom_id: string };
    const sampleId = lookup.find((l) => l.custom_id === third.custom_id)!.sample_id;
    const parts = { prompt: "default:SF", model: "sim", sampleId };
    const foreign = [...results];
    foreign[2] = { ...foreign[2], custom_id: encodeCustomId({ ...parts, model: "gpt-x" }) };
    writeFileSync(join(dir, "foreign.jsonl"), jsonl(foreign));
    const bad = await ieopt("eval", ...common, "--batch-in", join(dir, "foreign.jsonl"), "--out", join(dir, "out2"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, "foreign.jsonl")}:3 field 'custom_id'`);
    expect(bad.stderr).toContain("no request of this eval has it");

    // First-format ids (ieopt 0.1) are still read, and explain a mismatch.
    const legacy = (p: typeof parts) => ["ieopt1", p.prompt, p.model, p.sampleId].map((x, i) => (i === 0 ? x : encodeURIComponent(x))).join("|");
    const old = results.map((r) => ({ ...r, custom_id: legacy({ ...parts, sampleId: lookup.find((l) => l.custom_id === (r as { custom_id: string }).custom_id)!.sample_id }) }));
    writeFileSync(join(dir, "old.jsonl"), jsonl(old));
    const o = await ieopt("eval", ...common, "--batch-in", join(dir, "old.jsonl"), "--out", join(dir, "out-old"));
    expect(o.stderr).toBe("");
    expect(o.code).toBe(0);
    old[0] = { ...old[0]!, custom_id: legacy({ ...parts, sampleId: "no-such-sample" }) };
    writeFileSync(join(dir, "ghost.jsonl"), jsonl(old));
    const g = await ieopt("eval", ...common, "--batch-in", join(dir, "ghost.jsonl"), "--out", join(dir, "out3"));
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/ghost\.jsonl:1 field 'custom_id'.*'no-such-sample' is not in the --data files/);
    expect(decodeLegacyCustomId("request-1")).toBeUndefined();
    writeFileSync(join(dir, "dup.jsonl"), jsonl([results[0]!, results[1]!, results[0]!]));
    const d = await ieopt("eval", ...common, "--batch-in", join(dir, "dup.jsonl"), "--out", join(dir, "out4"));
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/dup\.jsonl:3 field 'custom_id'.*appears twice/);
  });

  it("--batch-in takes vLLM's and OpenAI's failure lines and records each with its message", async () => {
    const dir = tempDir();
    const common = ["--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--quiet", "--bootstrap", "50"];
    expect((await ieopt("eval", ...common, "--batch-out", join(dir, "req.jsonl"))).code).toBe(0);
    const results = (await runBatch([join(dir, "req.jsonl")])) as { custom_id: string; response: unknown; error: unknown }[];
    const shapes: { response: unknown; error: unknown }[] = [
      { response: { status_code: 400, request_id: "vllm-batch-1", body: null }, error: "vllm exception text" },
      { response: { status_code: 400, request_id: "vllm-batch-2", body: null }, error: { object: "error", message: "older vllm error", type: "BadRequestError", param: null, code: 400 } },
      { response: { status_code: 400, request_id: "vllm-batch-3", body: null }, error: { error: { message: "newer vllm error", type: "BadRequestError", param: null, code: 400 } } },
      { response: null, error: { code: "batch_expired", message: "openai expired" } },
      { response: null, error: null },
    ];
    const mixed = results.map((r, i) => (i < shapes.length ? { ...r, ...shapes[i] } : r));
    mixed.splice(shapes.length, 1); // and one missing line
    writeFileSync(join(dir, "mixed.jsonl"), jsonl(mixed));
    const r = await ieopt("eval", ...common, "--batch-in", join(dir, "mixed.jsonl"), "--out", join(dir, "out"), "--json");
    expect([0, 4]).toContain(r.code);
    const report = JSON.parse(r.stdout) as EvalReport;
    expect(report.results[0]!.outcomes).toMatchObject({ samples: results.length, missing: 1, lm_failures: 5 });
    const failures = readFileSync(join(dir, "out/predictions/default_SF--sim.failures.jsonl"), "utf8");
    for (const message of ["vllm exception text", "400: older vllm error", "400: newer vllm error", "batch_expired: openai expired", "without a response or an error"]) expect(failures).toContain(message);
    rmSync(dir, { recursive: true, force: true });
  });

  it("custom_ids are stable, short and from [A-Za-z0-9_-] for any label", () => {
    const parts = { prompt: "opt|2=x ünïcode/".repeat(8), model: "org/model:v1", sampleId: "xsid/SF/deu/test/7#2" };
    const id = encodeCustomId(parts);
    expect(id).toMatch(/^ieopt2-[A-Za-z0-9_-]{32}$/);
    expect(encodeCustomId({ ...parts })).toBe(id);
    expect(encodeCustomId({ ...parts, sampleId: "xsid/SF/deu/test/7#3" })).not.toBe(id);
    // Parts are hashed as a JSON list, so moving a character between parts changes the id.
    expect(encodeCustomId({ prompt: "a", model: "bc", sampleId: "d" })).not.toBe(encodeCustomId({ prompt: "ab", model: "c", sampleId: "d" }));
  });

  it("splits request files at the line limit and at the byte limit, lookup files beside each", async () => {
    const dir = tempDir();
    const namer = batchFileNamers(join(dir, "req.jsonl"), ["m"]).get("m")!;
    expect(namer(undefined)).toBe(join(dir, "req.jsonl"));
    expect(batchFileNamers("/x/req.jsonl", ["a", "b/c"]).get("b/c")!(2)).toBe("/x/req.b_c.2.jsonl");

    const line = (i: number) => ({ custom_id: `id-${i}`, body: { text: "x".repeat(i % 2 === 0 ? 10 : 60) } });
    const byLines = new ChunkedJsonlWriter(namer, { lines: 3, bytes: 1_000_000 });
    for (let i = 0; i < 7; i++) await byLines.write(line(i), { custom_id: `id-${i}` });
    const files = await byLines.commit();
    expect(files).toEqual([1, 2, 3].map((k) => join(dir, `req.m.${k}.jsonl`)));
    expect(files.map((f) => readFileSync(f, "utf8").trim().split("\n").length)).toEqual([3, 3, 1]);
    expect(files.map((f) => readFileSync(lookupPath(f), "utf8").trim().split("\n").length)).toEqual([3, 3, 1]);

    // 200 bytes per file: lines of ~42 and ~92 bytes never overflow a file.
    const dir2 = tempDir();
    const byBytes = new ChunkedJsonlWriter(batchFileNamers(join(dir2, "r.jsonl"), ["m"]).get("m")!, { lines: 1000, bytes: 200 });
    for (let i = 0; i < 9; i++) await byBytes.write(line(i), { custom_id: `id-${i}` });
    const parts = await byBytes.commit();
    expect(parts.length).toBeGreaterThan(1);
    for (const f of parts) expect(Buffer.byteLength(readFileSync(f, "utf8"))).toBeLessThanOrEqual(200);
    expect(parts.flatMap((f) => readFileSync(f, "utf8").trim().split("\n")).map((l) => (JSON.parse(l) as { custom_id: string }).custom_id)).toEqual(Array.from({ length: 9 }, (_, i) => `id-${i}`));
    // One file only: the given name, no part number; nothing temporary left behind.
    const dir3 = tempDir();
    const one = new ChunkedJsonlWriter(batchFileNamers(join(dir3, "one.jsonl"), ["m"]).get("m")!);
    await one.write(line(1), { custom_id: "id-1" });
    expect(await one.commit()).toEqual([join(dir3, "one.jsonl")]);
    expect(readdirSync(dir3).sort()).toEqual(["one.jsonl", "one.jsonl.custom_ids"]);
    for (const d of [dir, dir2, dir3]) rmSync(d, { recursive: true, force: true });
  });

  it("reads every documented OpenAI and vLLM result shape, recording each failure with its message", () => {
    const completion = { object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: "[]" } }], usage: { prompt_tokens: 7, completion_tokens: 2 } };
    // Success: OpenAI, and vLLM (status_code defaults to 200 in its model).
    expect(batchResultOf({ response: { status_code: 200, body: completion }, error: null })).toEqual({ ok: true, text: "[]", usage: { prompt_tokens: 7, completion_tokens: 2 } });
    expect(batchResultOf({ response: { body: completion }, error: null })).toMatchObject({ ok: true, text: "[]" });
    const reason = (v: Parameters<typeof batchResultOf>[0]) => {
      const r = batchResultOf(v);
      if (r.ok) throw new Error("expected a failure");
      return r.reason;
    };
    // vLLM: an exception → error string, status 400, null body.
    expect(reason({ response: { status_code: 400, body: null }, error: "This model's maximum context length is 4096 tokens" })).toBe("batch error (status 400): This model's maximum context length is 4096 tokens");
    // vLLM: older ErrorResponse, flat with a numeric code.
    expect(reason({ response: { status_code: 400, body: null }, error: { object: "error", message: "bad temperature", type: "BadRequestError", param: null, code: 400 } })).toBe("batch error (status 400): 400: bad temperature");
    // vLLM: newer ErrorResponse, nested.
    expect(reason({ response: { status_code: 404, body: null }, error: { error: { message: "model 'x' not found", type: "NotFoundError", param: null, code: 404 } } })).toBe("batch error (status 404): 404: model 'x' not found");
    // OpenAI: the error file's lines, and a failed request's body.
    expect(reason({ response: null, error: { code: "batch_expired", message: "This request could not be executed before the completion window expired." } })).toBe("batch error: batch_expired: This request could not be executed before the completion window expired.");
    expect(reason({ response: { status_code: 429, body: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } }, error: null })).toBe("batch error (status 429): rate_limit_exceeded: Rate limit reached");
    // Neither a response nor an error; a non-200 without any message; no text.
    expect(reason({ response: null, error: null })).toBe("batch result without a response or an error");
    expect(reason({ response: { status_code: 500, body: null }, error: null })).toBe("batch request failed (status 500) without a message");
    expect(reason({ response: { status_code: 200, body: { choices: [] } }, error: null })).toBe("batch response without a text completion");
  });
});
