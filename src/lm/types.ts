/**
 * The one LM interface. Everything that calls a language model — the sim, the
 * OpenAI-compatible client, the cache and budget wrappers — implements `LM`, so the
 * optimizer and the eval CLI never know which one they talk to.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | { type: "json_schema"; json_schema: { name: string; schema: Record<string, unknown>; strict?: boolean } };

export interface LMRequest {
  messages: ChatMessage[];
  /** 0 = greedy (the default for extraction). */
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  /** Number of completions wanted. */
  n?: number;
  stop?: string[];
  response_format?: ResponseFormat;
  /**
   * Which draw this is when the caller wants distinct samples of the same request
   * (temperature > 0). Part of the cache key; never sent to the endpoint.
   */
  draw?: number;
}

export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
}

export interface LMResponse {
  /** One text per completion (length n). */
  choices: string[];
  usage: TokenUsage;
  /** True when served from the cache (no call was paid). */
  cached: boolean;
}

/**
 * The roles of design.md: Φ prompt teacher, Θ thought teacher, θ inference model; and the
 * translator of the translate-test and TransFusion pipelines (src/pipelines).
 */
export type LMRole = "prompt" | "thought" | "inference" | "translate";

export interface LM {
  /** Identity of endpoint + model, without secrets; part of the cache key. */
  readonly id: string;
  /** The model name as the endpoint knows it. */
  readonly model: string;
  complete(request: LMRequest, options?: CompleteOptions): Promise<LMResponse>;
}

export interface CompleteOptions {
  signal?: AbortSignal;
  /**
   * Place in the endpoint's queue (src/lm/limiter.ts PRIORITY; higher goes first, default
   * 0). Not part of the request: it changes when a call is sent, never what it returns.
   */
  priority?: number;
}

/** Raised after the last retry (or on a non-retryable fault); callers record it as a failure. */
export class LMCallError extends Error {
  readonly kind: "http" | "timeout" | "connection" | "malformed" | "budget" | "aborted";
  readonly status: number | undefined;
  readonly attempts: number;

  constructor(message: string, kind: LMCallError["kind"], attempts: number, status?: number) {
    super(message);
    this.name = "LMCallError";
    this.kind = kind;
    this.attempts = attempts;
    this.status = status;
  }
}
