import { afterEach, describe, expect, it, vi } from "vitest";
import { buildRoleModels } from "../../src/lm/roles.ts";
import { endpointBaseURL } from "../../src/lm/factory.ts";
import { simModels } from "../../sim/index.ts";

const KEY = "sk-test-SECRET-123";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("endpointBaseURL", () => {
  it("runs a sim name in-process unless a base URL is given; everything else goes to an endpoint", () => {
    const env = { OPENAI_BASE_URL: "http://env-host:9/v1" };
    expect(endpointBaseURL("sim-large", undefined, env, simModels)).toBeUndefined();
    expect(endpointBaseURL("sim", "http://127.0.0.1:8787/v1", env, simModels)).toBe("http://127.0.0.1:8787/v1");
    expect(endpointBaseURL("gpt-4o-mini", undefined, env, simModels)).toBe("http://env-host:9/v1");
    expect(endpointBaseURL("gpt-4o-mini", undefined, {}, simModels)).toBe("https://api.openai.com/v1");
    // The LM layer knows no sim of its own: without local models a sim name is an endpoint model.
    expect(endpointBaseURL("sim", undefined, env)).toBe("http://env-host:9/v1");
  });
});

describe("buildRoleModels", () => {
  it("lets the teachers inherit model and endpoint, and describes them without keys", () => {
    vi.stubEnv("OPENAI_BASE_URL", "http://env-host:9/v1/");
    const models = buildRoleModels({ model: "qwen", baseUrl: "http://vllm:8000/v1?api-key=x", thoughtModel: "sim-large", apiKey: KEY, cache: false }, { local: simModels });
    const described = models.describe();
    expect(described).toEqual({
      inference: { model: "qwen", base_url: "http://vllm:8000/v1" },
      prompt: { model: "qwen", base_url: "http://vllm:8000/v1" },
      thought: { model: "sim-large" },
    });
    expect(JSON.stringify(described)).not.toContain("SECRET");
    expect(models.prompt.id).toBe(models.inference.id);
    expect(models.thought.id).toBe("sim://sim-large");
    // Credentials in the URL and a key: one Authorization header cannot carry both.
    expect(() => buildRoleModels({ model: "qwen", baseUrl: "http://user:pw@vllm:8000/v1", apiKey: KEY, cache: false }, { local: simModels })).toThrow(/carries credentials/);
  });

  it("records the endpoint each role really talks to", () => {
    vi.stubEnv("OPENAI_BASE_URL", "http://env-host:9/v1/");
    // A teacher with a model of its own does not inherit the inference endpoint; an empty
    // base URL counts as none.
    const models = buildRoleModels({ model: "sim", promptModel: "gpt-4o-mini", thoughtModel: "m", thoughtBaseUrl: "", cache: false }, { local: simModels });
    expect(models.describe()).toEqual({
      inference: { model: "sim" },
      prompt: { model: "gpt-4o-mini", base_url: "http://env-host:9/v1" },
      thought: { model: "m", base_url: "http://env-host:9/v1" },
    });
    expect(models.prompt.id).toBe("http://env-host:9/v1#gpt-4o-mini");
    expect(models.thought.id).toBe("http://env-host:9/v1#m");
  });
});
