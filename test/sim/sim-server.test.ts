/**
 * The sim's OpenAI-compatible server, end to end through the `openai` package.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import OpenAI from "openai";
import { startSimServer, type SimServer } from "../../sim/server.ts";
import { createSimLM } from "../../sim/index.ts";
import { PROGRAMS } from "../../programs/index.ts";

const ner = PROGRAMS.NER;
const messages = ner.render({ text: "Angela Merkel flew from Berlin to Tokyo.", schema: ["person", "location"] }, { instruction: ner.defaultInstruction, demos: [...ner.defaultDemos] });

let server: SimServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startSimServer({ port: 0 });
  client = new OpenAI({ baseURL: server.url, apiKey: "x", maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
});

describe("sim server", () => {
  it("serves chat completions to the openai client, matching the in-process sim", async () => {
    const res = await client.chat.completions.create({ model: "sim-large", messages, temperature: 0 });
    expect(res.object).toBe("chat.completion");
    expect(res.model).toBe("sim-large");
    expect(typeof res.id).toBe("string");
    expect(typeof res.created).toBe("number");
    expect(res.choices[0]!.finish_reason).toBe("stop");
    const local = await createSimLM("sim-large").complete({ messages, temperature: 0 });
    expect(res.choices[0]!.message.content).toBe(local.choices[0]);
    expect(res.usage).toMatchObject({ prompt_tokens: local.usage.prompt_tokens, completion_tokens: local.usage.completion_tokens });
    expect(ner.parse(res.choices[0]!.message.content!).ok).toBe(true);
  });

  it("supports n, seed, temperature, max_tokens (finish_reason length) and response_format", async () => {
    const many = await client.chat.completions.create({ model: "sim:small", messages, temperature: 1, seed: 5, n: 3 });
    expect(many.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    const again = await client.chat.completions.create({ model: "sim:small", messages, temperature: 1, seed: 5, n: 3 });
    expect(again.choices.map((c) => c.message.content)).toEqual(many.choices.map((c) => c.message.content));

    const cut = await client.chat.completions.create({ model: "sim", messages, max_tokens: 4 });
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.choices[0]!.message.content!.length).toBeLessThanOrEqual(16);

    const structured = await client.chat.completions.create({
      model: "sim",
      messages,
      response_format: { type: "json_schema", json_schema: { name: "records", schema: ner.outputJsonSchema(false), strict: true } },
    });
    expect(Array.isArray((JSON.parse(structured.choices[0]!.message.content!) as { records: unknown }).records)).toBe(true);
  });

  it("lists its models", async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(["sim-small", "sim", "sim-large"]);
  });

  it("answers 404 in OpenAI's error shape for an unknown model", async () => {
    const err = await client.chat.completions.create({ model: "gpt-5", messages }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
  });

  it("answers 400 for bad requests", async () => {
    const err = await client.chat.completions.create({ model: "sim", messages: [] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const raw = await fetch(`${server.url}/chat/completions`, { method: "POST", body: "{not json", headers: { "content-type": "application/json" } });
    expect(raw.status).toBe(400);
    const body = (await raw.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("invalid_request_error");
    const badTemp = await fetch(`${server.url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "sim", messages, temperature: "hot" }) });
    expect(badTemp.status).toBe(400);
  });

  it("serves only the profiles it was started with", async () => {
    const small = await startSimServer({ port: 0, profiles: ["sim-small"] });
    try {
      const c = new OpenAI({ baseURL: small.url, apiKey: "x", maxRetries: 0 });
      await expect(c.chat.completions.create({ model: "sim-large", messages })).rejects.toBeInstanceOf(OpenAI.NotFoundError);
      expect((await c.chat.completions.create({ model: "sim-small", messages })).model).toBe("sim-small");
    } finally {
      await small.close();
    }
  });
});
