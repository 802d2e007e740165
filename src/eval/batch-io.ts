/**
 * Offline batch files in the OpenAI Batch format, which OpenAI's Batch API and vLLM's
 * offline runner (`python -m vllm.entrypoints.openai.run_batch -i requests.jsonl -o
 * results.jsonl --model M`) both read and write:
 *
 *   request  {"custom_id", "method": "POST", "url": "/v1/chat/completions", "body": {...}}
 *   result   {"id", "custom_id", "response": {"status_code", "request_id", "body"} | null,
 *            "error": null | …}
 *
 * Result shapes met in the wild (each failure is recorded with its message):
 *   success                 response.status_code 200, body = chat completion, error null
 *   OpenAI request error    response.status_code 4xx/5xx, body = {"error": {"message", …}}
 *   OpenAI error file line  response null, error {"code": "batch_expired", "message"}
 *   vLLM exception          response {status_code 400, body null}, error "<message>"
 *   vLLM ErrorResponse      response {status_code <code>, body null}, error = the
 *                           ErrorResponse: older flat {"object": "error", "message", "type",
 *                           "code": <number>}, newer nested {"error": {"message", "type",
 *                           "code": <number>}}
 *   no response, no error   recorded as such; a request with no line at all is "missing"
 *
 * The request body is what the online client would send (model, messages, temperature,
 * max_tokens, …), so a batch run and an online run of the same eval ask the same thing.
 * A file holds one model's requests (both services require that), at most 50,000 lines
 * and 200 MB (OpenAI's per-file limits); larger sets are split into numbered files.
 */
import { createWriteStream, renameSync, rmSync, mkdirSync, type WriteStream } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { z } from "zod";
import { readJsonl } from "../data/jsonl.ts";
import { UserInputError } from "../errors.ts";
import type { LMRequest, TokenUsage } from "../lm/types.ts";
import { lookupPath } from "./custom-id.ts";
import { slug } from "./predictions-file.ts";

export const BATCH_URL = "/v1/chat/completions";
export const MAX_REQUESTS_PER_FILE = 50_000;
/** OpenAI's 200 MB per input file, in bytes (decimal megabytes: the stricter reading). */
export const MAX_BYTES_PER_FILE = 200_000_000;

export interface FileLimits {
  lines: number;
  bytes: number;
}
const DEFAULT_LIMITS: FileLimits = { lines: MAX_REQUESTS_PER_FILE, bytes: MAX_BYTES_PER_FILE };

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

/** Names a part file: `part` is undefined when a model's requests fit one file. */
export type PartNamer = (part: number | undefined) => string;

/**
 * File names per model: the given path when there is one model and its requests fit one
 * file, else `<stem>.<model>[.<part>]<ext>`.
 */
export function batchFileNamers(basePath: string, models: readonly string[]): Map<string, PartNamer> {
  const ext = extname(basePath) || ".jsonl";
  const stem = join(dirname(basePath), basename(basePath, extname(basePath)));
  return new Map(
    models.map((model) => [
      model,
      (part: number | undefined) => (models.length === 1 && part === undefined ? basePath : `${stem}.${slug(model)}${part === undefined ? "" : `.${part}`}${ext}`),
    ]),
  );
}

interface Part {
  tmp: string;
  lookupTmp: string;
  stream: WriteStream;
  lookup: WriteStream;
}

/**
 * Writes request lines (and their custom_id lookup lines) into part files of at most
 * `limits.lines` lines and `limits.bytes` bytes, as temporary files renamed into place only
 * by `commit()` — an interrupted export leaves nothing behind.
 */
export class ChunkedJsonlWriter {
  readonly #name: PartNamer;
  readonly #limits: FileLimits;
  readonly #parts: Part[] = [];
  #lines = 0;
  #bytes = 0;
  #count = 0;

  constructor(name: PartNamer, limits: FileLimits = DEFAULT_LIMITS) {
    this.#name = name;
    this.#limits = limits;
  }

  async write(value: unknown, lookup: unknown): Promise<void> {
    const line = JSON.stringify(value) + "\n";
    const bytes = Buffer.byteLength(line);
    if (bytes > this.#limits.bytes) throw new UserInputError(`a batch request of ${bytes} bytes exceeds the ${this.#limits.bytes}-byte file limit`);
    const part = this.#parts.at(-1);
    if (!part || this.#lines >= this.#limits.lines || this.#bytes + bytes > this.#limits.bytes) await this.#next();
    this.#lines++;
    this.#bytes += bytes;
    this.#count++;
    const current = this.#parts.at(-1)!;
    const a = current.stream.write(line);
    const b = current.lookup.write(JSON.stringify(lookup) + "\n");
    if (!a) await new Promise<void>((resolve) => current.stream.once("drain", () => resolve()));
    if (!b) await new Promise<void>((resolve) => current.lookup.once("drain", () => resolve()));
  }

  async #next(): Promise<void> {
    await this.#closeLast();
    const path = this.#name(this.#parts.length + 1);
    mkdirSync(dirname(path), { recursive: true });
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    const lookupTmp = join(dirname(path), `.${basename(path)}.custom_ids.${process.pid}.tmp`);
    this.#parts.push({ tmp, lookupTmp, stream: createWriteStream(tmp), lookup: createWriteStream(lookupTmp) });
    this.#lines = 0;
    this.#bytes = 0;
  }

  async #closeLast(): Promise<void> {
    const part = this.#parts.at(-1);
    if (!part) return;
    await Promise.all([part.stream, part.lookup].map((s) => (s.closed ? Promise.resolve() : new Promise<void>((resolve, reject) => s.end((err?: Error | null) => (err ? reject(err) : resolve()))))));
  }

  get count(): number {
    return this.#count;
  }

  /** Files written, renamed into place (each with its lookup file beside it). */
  async commit(): Promise<string[]> {
    await this.#closeLast();
    const single = this.#parts.length === 1;
    return this.#parts.map((part, i) => {
      const path = this.#name(single ? undefined : i + 1);
      renameSync(part.tmp, path);
      renameSync(part.lookupTmp, lookupPath(path));
      return path;
    });
  }

  async abort(): Promise<void> {
    await this.#closeLast().catch(() => undefined);
    for (const part of this.#parts) {
      rmSync(part.tmp, { force: true });
      rmSync(part.lookupTmp, { force: true });
    }
  }
}

const BatchResultSchema = z.looseObject({
  custom_id: z.string().min(1, "must be a non-empty string"),
  response: z
    .looseObject({
      // vLLM's BatchResponseData defaults it to 200.
      status_code: z.number().int().optional(),
      body: z.unknown(),
    })
    .nullable()
    .optional(),
  // A string (vLLM), {code, message} (OpenAI), or a vLLM ErrorResponse (flat or nested).
  error: z.unknown(),
});

export type BatchResult = { ok: true; text: string; usage: TokenUsage | undefined } | { ok: false; reason: string };

export interface BatchResults {
  /** By (current-format) custom_id. */
  byId: Map<string, BatchResult>;
  lines: number;
}

/** What a result line's custom_id stands for: this eval's id for it, or why it is not one of ours. */
export type IdentifyCustomId = (customId: string) => { id: string } | { why: string };

/**
 * Reads result files. `identify` maps a custom_id to this eval's id (or says why it is
 * not one); an id that is not, or that appears twice, is an error naming the file and line.
 */
export async function readBatchResults(files: readonly string[], identify: IdentifyCustomId): Promise<BatchResults> {
  const byId = new Map<string, BatchResult>();
  const where = new Map<string, string>();
  let lines = 0;
  for (const file of files) {
    for await (const { value, line } of readJsonl(file, BatchResultSchema)) {
      lines++;
      const known = identify(value.custom_id);
      if ("why" in known) {
        throw new UserInputError(`unknown custom_id '${value.custom_id}': ${known.why}; is this the result file of this eval (same --prompt/--model/--data)?`, {
          file,
          line,
          field: "custom_id",
        });
      }
      const seen = where.get(known.id);
      if (seen !== undefined) throw new UserInputError(`custom_id '${value.custom_id}' appears twice (first at ${seen})`, { file, line, field: "custom_id" });
      where.set(known.id, `${file}:${line}`);
      byId.set(known.id, batchResultOf(value));
    }
  }
  return { byId, lines };
}

const MESSAGE_LIMIT = 500;

/** The message of a batch error in any of its shapes (see the file comment). */
export function batchErrorMessage(error: unknown): string | undefined {
  if (error === null || error === undefined) return undefined;
  if (typeof error === "string") return error.trim() === "" ? "(empty error message)" : error.slice(0, MESSAGE_LIMIT);
  if (typeof error !== "object") return String(error).slice(0, MESSAGE_LIMIT);
  const e = error as { error?: unknown; message?: unknown; code?: unknown; type?: unknown };
  // The newer vLLM ErrorResponse (and OpenAI's response bodies) nest the details.
  if (e.error !== undefined && e.error !== null && typeof e.error === "object") return batchErrorMessage(e.error);
  if (typeof e.error === "string") return batchErrorMessage(e.error);
  const code = typeof e.code === "string" || typeof e.code === "number" ? String(e.code) : typeof e.type === "string" ? e.type : undefined;
  const message = typeof e.message === "string" && e.message.trim() !== "" ? e.message.slice(0, MESSAGE_LIMIT) : undefined;
  if (code === undefined && message === undefined) return JSON.stringify(error).slice(0, MESSAGE_LIMIT);
  return code === undefined ? message : message === undefined ? `code ${code}` : `${code}: ${message}`;
}

/** One result line as a completion or a failure with its reason. */
export function batchResultOf(value: { response?: { status_code?: number | undefined; body?: unknown } | null | undefined; error?: unknown }): BatchResult {
  const response = value.response ?? undefined;
  const status = response?.status_code ?? 200;
  const body = response?.body as { choices?: { message?: { content?: unknown } }[]; usage?: Partial<TokenUsage>; error?: unknown } | null | undefined;
  const errorText = batchErrorMessage(value.error) ?? (status !== 200 ? batchErrorMessage(body?.error) : undefined);
  if (errorText !== undefined) return { ok: false, reason: `batch error${response ? ` (status ${status})` : ""}: ${errorText}` };
  if (!response) return { ok: false, reason: "batch result without a response or an error" };
  if (status !== 200) return { ok: false, reason: `batch request failed (status ${status}) without a message` };
  const content = body?.choices?.[0]?.message?.content;
  if (typeof content !== "string") return { ok: false, reason: "batch response without a text completion" };
  const usage =
    typeof body?.usage?.prompt_tokens === "number" && typeof body.usage.completion_tokens === "number"
      ? { prompt_tokens: body.usage.prompt_tokens, completion_tokens: body.usage.completion_tokens }
      : undefined;
  return { ok: true, text: content, usage };
}
