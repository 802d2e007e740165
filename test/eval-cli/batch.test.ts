import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import type { LMRequest } from "../../src/lm/types.ts";
import { decodeCustomId, encodeCustomId } from "../../src/eval/custom-id.ts";
import { batchFileNames } from "../../src/eval/batch-io.ts";
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
    const files = readdirSync(dir).filter((f) => f.startsWith("requests.")).sort();
    expect(files).toEqual(["requests.sim-small.jsonl", "requests.sim.jsonl"]);
    const first = JSON.parse(readFileSync(join(dir, "requests.sim.jsonl"), "utf8").split("\n")[0]!) as RequestLine;
    expect(decodeCustomId(first.custom_id)).toMatchObject({ prompt: "default:SF", model: "sim" });
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
    const foreign = [...results];
    const third = foreign[2] as { custom_id: string };
    const parts = decodeCustomId(third.custom_id)!;
    foreign[2] = { ...foreign[2], custom_id: encodeCustomId({ ...parts, model: "gpt-x" }) };
    writeFileSync(join(dir, "foreign.jsonl"), jsonl(foreign));
    const bad = await ieopt("eval", ...common, "--batch-in", join(dir, "foreign.jsonl"), "--out", join(dir, "out2"));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${join(dir, "foreign.jsonl")}:3 field 'custom_id'`);
    expect(bad.stderr).toContain("no --model is named 'gpt-x'");

    // A sample id that is not in the data, and a line that is not an ieopt id.
    const ghost = [...results];
    ghost[0] = { ...ghost[0], custom_id: encodeCustomId({ ...parts, sampleId: "no-such-sample" }) };
    writeFileSync(join(dir, "ghost.jsonl"), jsonl(ghost));
    const g = await ieopt("eval", ...common, "--batch-in", join(dir, "ghost.jsonl"), "--out", join(dir, "out3"));
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/ghost\.jsonl:1 field 'custom_id'.*'no-such-sample' is not in the --data files/);
    writeFileSync(join(dir, "dup.jsonl"), jsonl([results[0]!, results[1]!, results[0]!]));
    const d = await ieopt("eval", ...common, "--batch-in", join(dir, "dup.jsonl"), "--out", join(dir, "out4"));
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/dup\.jsonl:3 field 'custom_id'.*appears twice/);
  });

  it("custom_ids are stable, reversible and safe for any label; big sets split into numbered files", () => {
    const parts = { prompt: "opt|2=x", model: "org/model:v1", sampleId: "xsid/SF/deu/test/7#2" };
    const id = encodeCustomId(parts);
    expect(id).toBe("ieopt1|opt%7C2%3Dx|org%2Fmodel%3Av1|xsid%2FSF%2Fdeu%2Ftest%2F7%232");
    expect(decodeCustomId(id)).toEqual(parts);
    expect(decodeCustomId("request-1")).toBeUndefined();
    expect(batchFileNames("/x/req.jsonl", [{ model: "m", requests: 120_001 }]).get("m")).toEqual(["/x/req.m.1.jsonl", "/x/req.m.2.jsonl", "/x/req.m.3.jsonl"]);
    expect(batchFileNames("/x/req.jsonl", [{ model: "m", requests: 50_000 }]).get("m")).toEqual(["/x/req.jsonl"]);
  });
});
