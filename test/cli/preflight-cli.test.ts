/**
 * Preflight through the real CLI: a dead endpoint, an unknown model or a missing key fail
 * before any completion request, with the reason and exit 2; --dry-run prints the plan
 * and calls nothing.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { startStubServer } from "../helpers/stub-server.ts";
import { EXAMPLES, ieopt, ROOT } from "../eval-cli/helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const work = tempDir("ieopt-preflight-");
afterAll(() => rmSync(work, { recursive: true, force: true }));
const NER = join(EXAMPLES, "ner");

/** A loopback port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const commands = (model: string, baseUrl: string, out: string) => ({
  optimize: ["optimize", "--task", "NER", "--train", join(NER, "train.jsonl"), "--val", join(NER, "dev.jsonl"), "--model", model, "--base-url", baseUrl, "--runs-dir", join(out, "runs"), "--no-cache"],
  eval: ["eval", "--prompt", "default:NER", "--data", join(NER, "test.jsonl"), "--model", model, "--base-url", baseUrl, "--out", join(out, "eval"), "--no-cache"],
  predict: ["predict", "--prompt", "default:NER", "--data", join(NER, "test.jsonl"), "--model", model, "--base-url", baseUrl, "--out", join(out, "p.jsonl"), "--no-cache"],
});

describe("preflight before the first paid call", () => {
  it("a dead endpoint fails optimize, eval and predict with the reason, exit 2, nothing written", async () => {
    const url = `http://127.0.0.1:${await deadPort()}/v1`;
    const out = join(work, "dead");
    for (const [name, args] of Object.entries(commands("some-model", url, out))) {
      const r = await ieopt(...args);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(new RegExp(`the endpoint ${url} for --model some-model \\(θ --model.*\\) does not answer: connection refused`));
      expect(r.stderr).not.toContain("internal error");
    }
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown model is refused from the endpoint's /models list, before any completion request", async () => {
    const stub = await startStubServer({ models: ["llama-3.1-8b", "qwen2.5-7b"] });
    try {
      const out = join(work, "unknown");
      for (const [name, args] of Object.entries(commands("llama-3.1-8x", stub.url, out))) {
        const r = await ieopt(...args);
        expect(r.code, name).toBe(2);
        expect(r.stderr, name).toContain(`does not serve the model 'llama-3.1-8x': it lists llama-3.1-8b, qwen2.5-7b; check --model`);
      }
      expect(stub.count()).toBe(0);
    } finally {
      await stub.close();
    }
  });

  it("without /models, one probe call finds an unknown model (404)", async () => {
    const stub = await startStubServer({ faults: ({ body }) => (body?.model === "nope" ? { kind: "status", status: 404, message: "The model `nope` does not exist" } : undefined) });
    try {
      const r = await ieopt(...commands("nope", stub.url, join(work, "probe")).predict);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("does not serve the model 'nope': HTTP 404 The model `nope` does not exist");
      expect(stub.count()).toBe(1);
      expect(stub.requests[0]!.body!.max_tokens).toBe(1);
    } finally {
      await stub.close();
    }
  });

  it("a model name with no base URL and no key is refused instead of going to OpenAI (a typo of a sim name says so)", () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CI: "1" };
    delete env["OPENAI_API_KEY"];
    delete env["OPENAI_BASE_URL"];
    const r = spawnSync(process.execPath, [join(ROOT, "bin/ieopt.js"), "predict", "--prompt", "default:NER", "--data", join(NER, "test.jsonl"), "--model", "sim-huge", "--out", join(work, "typo.jsonl")], { cwd: work, env, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--model sim-huge (θ --model) is not an offline sim model (the offline sim models are sim, sim-small and sim-large)");
    expect(r.stderr).toContain("OPENAI_API_KEY is not set");
  });

  it("--dry-run prints the plan (calls, tokens, cost) and calls nothing", async () => {
    const stub = await startStubServer({ models: ["m"] });
    const prices = join(work, "prices.json");
    writeFileSync(prices, JSON.stringify({ m: { input_per_1m: 1, output_per_1m: 2 } }));
    try {
      const out = join(work, "dry");
      const c = commands("m", stub.url, out);
      for (const name of ["optimize", "eval", "predict"] as const) {
        const r = await ieopt(...c[name], "--dry-run", "--prices", prices);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`plan for ieopt ${name} (estimates; no model has been called)`);
        expect(r.stdout).toMatch(/\d+ calls to m, ≈ [\d,]+ prompt tokens, ≤ [\d,]+ completion tokens/);
        expect(r.stdout).toMatch(/cost: at most ≈ \d+\.\d{4}/);
        expect(r.stdout).toContain(`endpoint ${stub.url}: model m listed by its /models`);
      }
      const json = await ieopt(...c.predict, "--dry-run", "--json");
      const plan = JSON.parse(json.stdout);
      expect(plan.calls[0]).toMatchObject({ model: "m", calls: 56, simulated: false });
      expect(stub.count()).toBe(0);
      expect(existsSync(out)).toBe(false);
    } finally {
      await stub.close();
    }
  });

  it("--dry-run with a default-cot prompt counts Θ's exemplar thoughts in the plan without calling Θ (eval and predict)", async () => {
    const stub = await startStubServer({ models: ["m"] });
    try {
      const out = join(work, "dry-cot");
      const c = commands("m", stub.url, out);
      for (const name of ["eval", "predict"] as const) {
        const args = c[name].map((a) => (a === "default:NER" ? "default-cot:NER" : a));
        const r = await ieopt(...args, "--dry-run");
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/Θ thoughts for the default-cot exemplars: 3 calls to m/);
      }
      expect(stub.count()).toBe(0);
      expect(existsSync(out)).toBe(false);
    } finally {
      await stub.close();
    }
  });

  it("--budget-cost without --prices is refused", async () => {
    const r = await ieopt("predict", "--prompt", "default:NER", "--data", join(NER, "test.jsonl"), "--out", join(work, "b.jsonl"), "--budget-cost", "5");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--budget-cost needs --prices FILE");
  });
});
