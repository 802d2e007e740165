/**
 * Offline batch files in the OpenAI Batch format, which OpenAI's Batch API and vLLM's
 * offline runner (`python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o
 * results.jsonl --model M`) both read and write:
 *
 *   request  {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}
 *   result   {"id", "custom_id", "response": {"status_code", "request_id", "body": <chat
 *            completion>}, "error": null | {"code", "message"}}
 *
 * The request body is what the online client would send (model, messages, temperature,
 * max_tokens, …), so a batch run and an online run of the same eval ask the same thing.
 * A file holds one model's requests (both services require that) and at most 50,000
 * lines (OpenAI's per-file limit); larger sets are split into numbered files.
 */
import { createWriteStream, renameSync, rmSync, mkdirSync, type WriteStream } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { z } from "zod";
import { readJsonl } from "../data/jsonl.ts";
import { UserInputError } from "../errors.ts";
import type { LMRequest, TokenUsage } from "../lm/types.ts";
import { decodeCustomId, type CustomIdParts } from "./custom-id.ts";
import { slug } from "./predictions-file.ts";

export const BATCH_URL = "/v1/chat/completions";
export const MAX_REQUESTS_PER_FILE = 50_000;

export interface BatchRequestLine {
  custom_id: string;
  method: "POST";
  url: typeof BATCH_URL;
  body: Record<string, unknown>;
}

/** The chat completion body, exactly as the online OpenAI-compatible client builds it. */
export function requestBody(model: string, request: LMRequest): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model,
    messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    temperature: request.temperature ?? 0,
  };
  if (request.max_tokens !== undefined) body["max_tokens"] = request.max_tokens;
  if (request.seed !== undefined) body["seed"] = request.seed;
  if (request.n !== undefined && request.n !== 1) body["n"] = request.n;
  if (request.stop && request.stop.length > 0) body["stop"] = request.stop;
  if (request.response_format) body["response_format"] = request.response_format;
  return body;
}

/** File names for a model's requests: the given path when it is the only file. */
export function batchFileNames(basePath: string, models: readonly { model: string; requests: number }[], maxPerFile = MAX_REQUESTS_PER_FILE): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const single = models.length === 1 && models[0]!.requests <= maxPerFile;
  const ext = extname(basePath) || ".jsonl";
  const stem = join(dirname(basePath), basename(basePath, extname(basePath)));
  for (const { model, requests } of models) {
    if (single) {
      out.set(model, [basePath]);
      continue;
    }
    const parts = Math.max(1, Math.ceil(requests / maxPerFile));
    out.set(model, Array.from({ length: parts }, (_, k) => `${stem}.${slug(model)}${parts > 1 ? `.${k + 1}` : ""}${ext}`));
  }
  return out;
}

/**
 * Writes lines across a fixed list of files, `maxPerFile` each, into temporary files that
 * are renamed into place only by `commit()` — an interrupted export leaves nothing behind.
 */
export class ChunkedJsonlWriter {
  readonly #paths: string[];
  readonly #max: number;
  readonly #temps: string[] = [];
  #stream: WriteStream | undefined;
  #inFile = 0;
  #count = 0;

  constructor(paths: string[], maxPerFile = MAX_REQUESTS_PER_FILE) {
    this.#paths = paths;
    this.#max = maxPerFile;
  }

  async write(value: unknown): Promise<void> {
    if (!this.#stream || this.#inFile >= this.#max) await this.#next();
    this.#inFile++;
    this.#count++;
    if (!this.#stream!.write(JSON.stringify(value) + "\n")) await new Promise<void>((resolve) => this.#stream!.once("drain", () => resolve()));
  }

  async #next(): Promise<void> {
    await this.#close();
    const path = this.#paths[this.#temps.length];
    if (path === undefined) throw new Error("internal: more batch requests than planned");
    mkdirSync(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    this.#temps.push(tmp);
    this.#stream = createWriteStream(tmp);
    this.#inFile = 0;
  }

  async #close(): Promise<void> {
    const s = this.#stream;
    this.#stream = undefined;
    if (s) await new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }

  get count(): number {
    return this.#count;
  }

  /** Files written, renamed into place. */
  async commit(): Promise<string[]> {
    await this.#close();
    return this.#temps.map((tmp, i) => {
      renameSync(tmp, this.#paths[i]!);
      return this.#paths[i]!;
    });
  }

  async abort(): Promise<void> {
    await this.#close().catch(() => undefined);
    for (const tmp of this.#temps) rmSync(tmp, { force: true });
  }
}

const BatchResultSchema = z.looseObject({
  custom_id: z.string().min(1, "must be a non-empty string"),
  response: z
    .looseObject({
      status_code: z.number().int(),
      body: z.unknown(),
    })
    .nullable()
    .optional(),
  error: z
    .looseObject({
      code: z.string().nullish(),
      message: z.string().nullish(),
    })
    .nullable()
    .optional(),
});

export type BatchResult = { ok: true; text: string; usage: TokenUsage | undefined } | { ok: false; reason: string };

export interface BatchResults {
  /** By custom_id. */
  byId: Map<string, BatchResult>;
  lines: number;
}

/**
 * Reads result files. `check` says whether a decoded custom_id belongs to this eval
 * (undefined = yes, else why not); a custom_id that does not, or that appears twice, is
 * an error naming the file and line.
 */
export async function readBatchResults(files: readonly string[], check: (parts: CustomIdParts) => string | undefined): Promise<BatchResults> {
  const byId = new Map<string, BatchResult>();
  const where = new Map<string, string>();
  let lines = 0;
  for (const file of files) {
    for await (const { value, line } of readJsonl(file, BatchResultSchema)) {
      lines++;
      const parts = decodeCustomId(value.custom_id);
      const why = parts === undefined ? "it is not an ieopt custom_id (ieopt1|prompt|model|sample id)" : check(parts);
      if (why !== undefined) {
        throw new UserInputError(`unknown custom_id '${value.custom_id}': ${why}; is this the result file of this eval (same --prompt/--model/--data)?`, {
          file,
          line,
          field: "custom_id",
        });
      }
      const seen = where.get(value.custom_id);
      if (seen !== undefined) throw new UserInputError(`custom_id '${value.custom_id}' appears twice (first at ${seen})`, { file, line, field: "custom_id" });
      where.set(value.custom_id, `${file}:${line}`);
      byId.set(value.custom_id, resultOf(value));
    }
  }
  return { byId, lines };
}

function resultOf(value: z.infer<typeof BatchResultSchema>): BatchResult {
  if (value.error) return { ok: false, reason: `batch error${value.error.code ? ` ${value.error.code}` : ""}: ${value.error.message ?? "no message"}` };
  const response = value.response;
  if (!response) return { ok: false, reason: "batch result without a response" };
  const body = response.body as { choices?: { message?: { content?: unknown } }[]; usage?: Partial<TokenUsage>; error?: { message?: string } } | undefined;
  if (response.status_code !== 200) {
    return { ok: false, reason: `batch request failed (status ${response.status_code})${body?.error?.message ? `: ${body.error.message}` : ""}` };
  }
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== "string") return { ok: false, reason: "batch response without a text completion" };
  const usage =
    typeof body?.usage?.prompt_tokens === "number" && typeof body.usage.completion_tokens === "number"
      ? { prompt_tokens: body.usage.prompt_tokens, completion_tokens: body.usage.completion_tokens }
      : undefined;
  return { ok: true, text: content, usage };
}
