/**
 * OpenAI reasoning models (o-series, gpt-5 family) reject max_tokens, temperature and stop:
 * ieopt sends max_completion_tokens and omits them, by model name or --reasoning-model,
 * and a model that rejects a parameter is said so (once per sample, never retried, the
 * eval exits 3 naming the cause) instead of failing every sample quietly.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import { startStubServer, type StubServer } from "../helpers/stub-server.ts";
import { ROOT, runIeopt, testTemp } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";
import { isReasoningModel, REASONING_MIN_COMPLETION_TOKENS } from "../../src/lm/openai-client.ts";

const SF_TEST = join(ROOT, "examples/data/sf/test.jsonl");
const MODELS = ["o3-mini", "my-reasoner"];

describe("reasoning-model parameters", () => {
  let stub: StubServer;
  beforeAll(async () => {
    // Behaves like OpenAI for a reasoning model.
    stub = await startStubServer({
      models: MODELS,
      faults: ({ body }) =>
        body && ("max_tokens" in body || "temperature" in body || "stop" in body)
          ? { kind: "status", status: 400, message: "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." }
          : undefined,
    });
  });
  afterAll(async () => {
    await stub.close();
  });

  const evalArgs = (model: string, out: string) => ["eval", "--prompt", "default:SF", "--data", SF_TEST, "--model", model, "--base-url", stub.url,
    "--out", out, "--no-cache", "--bootstrap", "20", "--quiet"];

  it("detects reasoning models by name", () => {
    for (const m of ["o1", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3", "o1-preview"]) expect(isReasoningModel(m), m).toBe(true);
    for (const m of ["gpt-4o", "gpt-4o-mini", "qwen2.5", "llama-3-8b", "sim", "olmo-7b"]) expect(isReasoningModel(m), m).toBe(false);
  });

  it("sends max_completion_tokens and no temperature or stop to an o-series model", async () => {
    const before = stub.count();
    const r = await runIeopt(evalArgs("o3-mini", join(testTemp(), "out")));
    expect(r.code, r.stderr).toBe(EXIT.ok);
    const sent = stub.requests.slice(before).filter((q) => q.method === "POST");
    expect(sent.length).toBeGreaterThan(0);
    for (const q of sent) {
      expect(q.fault).toBeUndefined();
      expect(q.body).not.toHaveProperty("temperature");
      expect(q.body).not.toHaveProperty("max_tokens");
      expect(q.body!["max_completion_tokens"]).toBeGreaterThanOrEqual(REASONING_MIN_COMPLETION_TOKENS);
    }
  });

  it("a model that rejects a parameter fails loudly (exit 3, the cause and the fix named, no retries); --reasoning-model fixes it", async () => {
    const before = stub.count();
    const r = await runIeopt(evalArgs("my-reasoner", join(testTemp(), "out")));
    expect(r.code, r.stderr).toBe(EXIT.failed);
    expect(r.stderr).toContain("model my-reasoner rejects a parameter ieopt sends");
    expect(r.stderr).toContain("pass --reasoning-model");
    const posts = stub.requests.slice(before).filter((q) => q.method === "POST");
    const samples = Number(/(\d+) of \1 samples got no answer/.exec(r.stderr)![1]);
    expect(posts.length).toBe(samples);

    const fixed = await runIeopt([...evalArgs("my-reasoner", join(testTemp(), "out")), "--reasoning-model"]);
    expect(fixed.code, fixed.stderr).toBe(EXIT.ok);
  });
});
