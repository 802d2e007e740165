/** preflightTarget with a scripted fetch: what counts as a dead endpoint, what is retried. */
import { describe, expect, it } from "vitest";
import { preflightTarget } from "../../src/lm/preflight.ts";

const target = { roles: ["θ --model"], model: "m", baseURL: "http://127.0.0.1:9/v1", apiKey: undefined };
const netError = (code: string) => Object.assign(new TypeError("fetch failed"), { cause: { code } });
const models = () => new Response(JSON.stringify({ data: [{ id: "m" }] }), { status: 200 });

describe("preflightTarget", () => {
  it("tries a reset socket once more (a closed keep-alive connection is not a dead endpoint)", async () => {
    let calls = 0;
    const fetch = (async () => {
      if (calls++ === 0) throw netError("ECONNRESET");
      return models();
    }) as typeof globalThis.fetch;
    await expect(preflightTarget(target, { fetch })).resolves.toMatchObject({ verified: "models-list" });
    expect(calls).toBe(2);
  });

  it("a refused connection is a dead endpoint at once, named with the reason", async () => {
    let calls = 0;
    const fetch = (async () => {
      calls++;
      throw netError("ECONNREFUSED");
    }) as typeof globalThis.fetch;
    await expect(preflightTarget(target, { fetch })).rejects.toThrow("the endpoint http://127.0.0.1:9/v1 for --model m (θ --model) does not answer: connection refused");
    expect(calls).toBe(1);
  });

  it("a 401 from /models says the key was missing or rejected", async () => {
    const fetch = (async () => new Response("{}", { status: 401 })) as typeof globalThis.fetch;
    await expect(preflightTarget(target, { fetch })).rejects.toThrow("needs an API key for --model m (θ --model) (HTTP 401); set OPENAI_API_KEY");
    await expect(preflightTarget({ ...target, apiKey: "k" }, { fetch })).rejects.toThrow("rejected the API key");
  });
});
