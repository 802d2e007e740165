/**
 * An LM over any OpenAI-compatible chat endpoint (OpenAI, vLLM, Ollama, llama.cpp server)
 * via the openai package's chat.completions.create.
 *
 * One call = withRetries( endpoint limiter( one attempt ) ): the limiter slot is held only
 * while a request is on the wire, not during backoff, so one struggling request does not
 * starve the others. The SDK's own retries are off (ours are seeded, classified and
 * bounded), and its timeout only covers the response headers, so each attempt also has
 * its own deadline that covers the body.
 */
import OpenAI from "openai";
import type { CompleteOptions, LM, LMRequest, LMResponse, ResponseFormat } from "./types.ts";
import { AttemptTimeoutError, MalformedResponseError } from "./faults.ts";
import { withRetries, type RetryPolicy } from "./retry.ts";
import { defaultLimiters, DEFAULT_CONCURRENCY, type LimiterRegistry } from "./limiter.ts";
import { DEFAULT_BASE_URL, endpointModelId, makeRedactor, normalizeBaseURL, parseBaseURL } from "./endpoint.ts";
import { UserInputError } from "../errors.ts";
import { createRng } from "../util/random.ts";
import { httpFetch } from "./http-fetch.ts";

/** Sent when no key is configured: local servers ignore it, and the SDK insists on one. */
export const DUMMY_API_KEY = "not-needed";

export interface OpenAICompatibleOptions {
  model: string;
  baseURL?: string;
  apiKey?: string;
  /** Deadline for one attempt, body included. Default 120 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 4. */
  maxRetries?: number;
  /** In-flight requests allowed at this endpoint (shared by every LM pointing there). Default 8. */
  concurrency?: number;
  /** Backoff tuning and test hooks (sleep, random); maxRetries above wins. */
  retry?: Omit<RetryPolicy, "maxRetries" | "signal" | "label" | "redact" | "classify">;
  /** Seed for the backoff jitter. */
  seed?: string | number;
  limiters?: LimiterRegistry;
  /**
   * An OpenAI reasoning model (o-series, gpt-5 family): send max_completion_tokens, and no
   * temperature or stop, which they reject. Default: by model name (isReasoningModel).
   */
  reasoningModel?: boolean;
  /** Called just before each HTTP request is sent (retries too), for usage accounting. */
  onRequest?: () => void;
  /** Transport. Default: httpFetch (node:http keep-alive; see http-fetch.ts); pass globalThis.fetch for undici. */
  fetch?: typeof globalThis.fetch;
}

/**
 * Endpoints (by LM id) known to reject structured outputs. Process-wide, so every LM and
 * role talking to that endpoint skips the doomed first try after one rejection.
 */
const noStructuredOutput = new Set<string>();

/** Forget the structured-output fallback memory (tests). */
export function resetStructuredOutputMemory(): void {
  noStructuredOutput.clear();
}

const FORMAT_REJECTION = /response_format|json_schema|structured|guided|unsupported|not supported/i;

function isFormatRejection(err: unknown): boolean {
  if (!(err instanceof OpenAI.APIError) || err.status !== 400) return false;
  return FORMAT_REJECTION.test(`${err.message} ${JSON.stringify(err.error ?? "")}`);
}

function wantsJson(format: ResponseFormat | undefined): boolean {
  return format?.type === "json_object" || format?.type === "json_schema";
}

type ChatBody = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/** o1, o3-mini, o4-mini, gpt-5, gpt-5-mini, openai/o3 …: OpenAI's reasoning models by name. */
const REASONING_MODEL = /(^|\/)(o\d+|gpt-5)(?=$|[-.:_])/i;

export function isReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model.trim());
}

/**
 * Reasoning tokens count against max_completion_tokens: a budget sized for the visible
 * answer alone would often end in an empty reply, so it is raised to at least this.
 */
export const REASONING_MIN_COMPLETION_TOKENS = 4096;

/** A 400 saying a parameter (or its value) is not supported by this model. */
const PARAMETER_REJECTION = /unsupported (parameter|value)|not supported with this model|does not support|max_completion_tokens/i;

/** The server refused a parameter: never retried, and the message says what to do. */
export class ParameterRejectedError extends Error {
  readonly status = 400;
  constructor(message: string) {
    super(message);
    this.name = "ParameterRejectedError";
  }
}

export class OpenAICompatibleLM implements LM {
  readonly id: string;
  readonly model: string;
  readonly endpoint: string;
  readonly #client: OpenAI;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #limit: ReturnType<LimiterRegistry["forEndpoint"]>;
  readonly #retry: OpenAICompatibleOptions["retry"];
  readonly #random: () => number;
  readonly #redact: (text: string) => string;
  readonly #onRequest: (() => void) | undefined;
  readonly #reasoning: boolean;

  constructor(options: OpenAICompatibleOptions) {
    // Checked before any call: a URL that does not parse is bad input, never sent or written.
    const parsed = parseBaseURL(options.baseURL ?? DEFAULT_BASE_URL, `the base URL of model ${options.model}`);
    const baseURL = parsed.url;
    const hasKey = Boolean(options.apiKey && options.apiKey.length > 0);
    if (parsed.basicAuth !== undefined && hasKey) {
      throw new UserInputError(
        `the base URL of model ${options.model} carries credentials (user:password@) and an API key is set too; ` +
          "only one Authorization can be sent: drop the credentials from the URL or unset the key",
      );
    }
    const apiKey = hasKey ? options.apiKey! : DUMMY_API_KEY;
    // URL credentials are sent as HTTP Basic auth (a proxy in front of the endpoint), not dropped.
    const basic = parsed.basicAuth !== undefined ? Buffer.from(parsed.basicAuth, "utf8").toString("base64") : undefined;
    this.model = options.model;
    this.endpoint = normalizeBaseURL(baseURL);
    this.id = endpointModelId(baseURL, options.model);
    this.#onRequest = options.onRequest;
    this.#reasoning = options.reasoningModel ?? isReasoningModel(options.model);
    this.#timeoutMs = options.timeoutMs ?? 120_000;
    this.#maxRetries = options.maxRetries ?? 4;
    this.#retry = options.retry;
    this.#random = options.retry?.random ?? createRng(options.seed ?? `backoff/${this.id}`).next;
    const password = parsed.basicAuth?.slice(parsed.basicAuth.indexOf(":") + 1);
    this.#redact = makeRedactor([apiKey === DUMMY_API_KEY ? undefined : apiKey, password, basic]);
    this.#limit = (options.limiters ?? defaultLimiters).forEndpoint(this.endpoint, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#client = new OpenAI({
      baseURL,
      apiKey,
      timeout: this.#timeoutMs,
      maxRetries: 0,
      // The SDK's logger could print request details; ours never carries the key.
      logLevel: "off",
      ...(basic !== undefined ? { defaultHeaders: { Authorization: `Basic ${basic}` } } : {}),
      fetch: options.fetch ?? httpFetch,
    });
  }

  complete(request: LMRequest, options?: CompleteOptions): Promise<LMResponse> {
    const signal = options?.signal;
    return withRetries(() => this.#limit(() => this.#attempt(request, signal), options?.priority), {
      ...this.#retry,
      random: this.#random,
      maxRetries: this.#maxRetries,
      label: this.id,
      redact: this.#redact,
      ...(signal ? { signal } : {}),
    });
  }

  /** One attempt, plus at most one immediate re-send without a rejected response_format. */
  async #attempt(request: LMRequest, signal: AbortSignal | undefined): Promise<LMResponse> {
    const format = request.response_format;
    const skipFormat = format?.type === "json_schema" && noStructuredOutput.has(this.id);
    try {
      return await this.#send(request, skipFormat ? undefined : format, signal);
    } catch (err) {
      this.#throwIfParameterRejected(err);
      if (format?.type !== "json_schema" || skipFormat || !isFormatRejection(err)) throw err;
      const response = await this.#send(request, undefined, signal);
      // Remembered only once the plain request worked: if it is refused too, the format
      // was not what the endpoint objected to.
      noStructuredOutput.add(this.id);
      return response;
    }
  }

  #throwIfParameterRejected(err: unknown): void {
    if (!(err instanceof OpenAI.APIError) || err.status !== 400) return;
    const text = `${err.message} ${JSON.stringify(err.error ?? "")}`;
    if (!PARAMETER_REJECTION.test(text) || /response_format|json_schema/i.test(text)) return;
    const hint = this.#reasoning
      ? "ieopt already sends it as a reasoning model (max_completion_tokens, no temperature or stop)"
      : "if it is a reasoning model (o-series, gpt-5 family), pass --reasoning-model";
    throw new ParameterRejectedError(`model ${this.model} rejects a parameter ieopt sends (${err.message}); ${hint}`);
  }

  async #send(request: LMRequest, format: ResponseFormat | undefined, signal: AbortSignal | undefined): Promise<LMResponse> {
    const body: ChatBody = {
      model: this.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
    };
    if (this.#reasoning) {
      // Reasoning models take neither temperature nor stop, and max_completion_tokens only.
      if (request.max_tokens !== undefined) body.max_completion_tokens = Math.max(request.max_tokens, REASONING_MIN_COMPLETION_TOKENS);
    } else {
      // The LM layer's default is greedy; an unset temperature would get the server's (often 1).
      body.temperature = request.temperature ?? 0;
      if (request.max_tokens !== undefined) body.max_tokens = request.max_tokens;
      if (request.stop && request.stop.length > 0) body.stop = request.stop;
    }
    if (request.seed !== undefined) body.seed = request.seed;
    if (request.n !== undefined && request.n !== 1) body.n = request.n;
    if (format) body.response_format = format as ChatBody["response_format"];
    // `draw` is deliberately never sent: it only distinguishes cache entries.

    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new AttemptTimeoutError(this.#timeoutMs)), this.#timeoutMs);
    const attemptSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    try {
      this.#onRequest?.();
      const completion: unknown = await this.#client.chat.completions.create(body, { signal: attemptSignal, maxRetries: 0 });
      return parseCompletion(completion, wantsJson(format));
    } catch (err) {
      if (signal?.aborted) throw new DOMException("aborted by the caller", "AbortError");
      if (deadline.signal.aborted) throw new AttemptTimeoutError(this.#timeoutMs);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Validates a 200 body. Anything unusable is a MalformedResponseError (retryable): a
 * string body (not JSON), no choices, a choice without string content, or — when JSON
 * output was requested and accepted — content that does not parse as JSON although the
 * model stopped on its own (finish_reason other than "length").
 */
export function parseCompletion(completion: unknown, expectJson: boolean): LMResponse {
  if (completion === null || typeof completion !== "object") {
    throw new MalformedResponseError(`body is not a JSON object (${typeof completion})`);
  }
  const c = completion as { choices?: unknown; usage?: unknown };
  if (!Array.isArray(c.choices) || c.choices.length === 0) throw new MalformedResponseError("no choices");
  const indexed: Array<{ index: number; text: string }> = [];
  for (const [i, choice] of c.choices.entries()) {
    const content = (choice as { message?: { content?: unknown } } | null)?.message?.content;
    if (typeof content !== "string") throw new MalformedResponseError(`choice ${i} has no text content`);
    // A completion cut by max_tokens is legitimately incomplete JSON: retrying the same
    // request would cut it again, so it goes to the caller's parser as it is.
    const finish = (choice as { finish_reason?: unknown } | null)?.finish_reason;
    if (expectJson && finish !== "length") {
      try {
        JSON.parse(content);
      } catch {
        throw new MalformedResponseError(`choice ${i} is not the JSON that response_format asked for`);
      }
    }
    const index = (choice as { index?: unknown }).index;
    indexed.push({ index: typeof index === "number" ? index : i, text: content });
  }
  indexed.sort((a, b) => a.index - b.index);
  const usage = (c.usage ?? {}) as { prompt_tokens?: unknown; completion_tokens?: unknown };
  return {
    choices: indexed.map((x) => x.text),
    usage: {
      prompt_tokens: typeof usage.prompt_tokens === "number" ? usage.prompt_tokens : 0,
      completion_tokens: typeof usage.completion_tokens === "number" ? usage.completion_tokens : 0,
    },
    cached: false,
  };
}
