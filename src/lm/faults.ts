/**
 * What went wrong with one attempt at an LM call, and whether trying again can help.
 *
 * Classification is duck-typed (status / headers / code / name) rather than tied to the
 * openai package's classes, so the retry loop works for any transport and the tests can
 * throw plain objects.
 */
import { LMCallError } from "./types.ts";

export type FaultKind = LMCallError["kind"];

export interface Fault {
  kind: FaultKind;
  status?: number;
  retryable: boolean;
  /** Server-requested wait (Retry-After / retry-after-ms), uncapped. */
  retryAfterMs?: number;
  /** Short human detail; may carry server text, so callers redact it before showing. */
  detail: string;
}

/** The caller gave up (its signal fired): never retried. */
export const CALLER_ABORT: Readonly<Fault> = Object.freeze({ kind: "aborted", retryable: false, detail: "aborted by the caller" });

/** A 200 whose body cannot be used (not JSON, no choices, null content, not the JSON asked for). */
export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MalformedResponseError";
  }
}

/** Our own per-attempt deadline fired (covers the whole response, body included). */
export class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`no complete response within ${ms} ms`);
    this.name = "AttemptTimeoutError";
  }
}

const CONNECTION_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_CONNECT_TIMEOUT",
]);
const CONNECTION_TEXT = /socket hang up|fetch failed|terminated|other side closed|connection error|ECONNRESET|ECONNREFUSED/i;

type Loose = Record<string, unknown>;

function asObject(value: unknown): Loose | undefined {
  return value !== null && typeof value === "object" ? (value as Loose) : undefined;
}

/** Walks err, err.cause, err.cause.cause … (bounded) looking for a transport error code. */
function connectionCode(err: unknown): string | undefined {
  let cur = asObject(err);
  for (let depth = 0; cur && depth < 6; depth++) {
    const code = cur["code"];
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return code;
    const msg = cur["message"];
    if (typeof msg === "string" && CONNECTION_TEXT.test(msg)) return msg.slice(0, 80);
    cur = asObject(cur["cause"]);
  }
  return undefined;
}

function headerValue(headers: unknown, name: string): string | undefined {
  const h = asObject(headers);
  if (!h) return undefined;
  if (typeof h["get"] === "function") {
    const v = (h["get"] as (n: string) => string | null).call(h, name);
    return v ?? undefined;
  }
  for (const [k, v] of Object.entries(h)) {
    if (k.toLowerCase() === name && typeof v === "string") return v;
  }
  return undefined;
}

/**
 * Server-requested delay in ms from `retry-after-ms` (OpenAI) or `Retry-After` (seconds or
 * an HTTP date). Undefined when absent or unparseable; never negative.
 */
export function parseRetryAfter(headers: unknown, now: number = Date.now()): number | undefined {
  const ms = headerValue(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const n = Number(ms);
    if (Number.isFinite(n) && n >= 0) return n;
  }
  const ra = headerValue(headers, "retry-after");
  if (ra === undefined || ra.trim() === "") return undefined;
  const seconds = Number(ra);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(ra);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function messageOf(err: unknown): string {
  const o = asObject(err);
  const m = o?.["message"];
  return typeof m === "string" ? m : String(err);
}

export function classifyError(err: unknown): Fault {
  if (err instanceof LMCallError) {
    return { kind: err.kind, ...(err.status !== undefined ? { status: err.status } : {}), retryable: false, detail: err.message };
  }
  const o = asObject(err);
  // The openai package's error classes leave `name` as "Error"; their constructor names
  // (APIConnectionTimeoutError, APIUserAbortError, …) are what tells them apart.
  const ownName = o?.["name"];
  const ctorName = (o?.["constructor"] as { name?: unknown } | undefined)?.name;
  const name = typeof ownName === "string" && ownName !== "" && ownName !== "Error" ? ownName : typeof ctorName === "string" ? ctorName : "";
  if (err instanceof MalformedResponseError || err instanceof SyntaxError) {
    return { kind: "malformed", retryable: true, detail: `malformed response: ${messageOf(err)}` };
  }
  if (err instanceof AttemptTimeoutError || name === "APIConnectionTimeoutError" || name === "TimeoutError") {
    return { kind: "timeout", retryable: true, detail: messageOf(err) };
  }
  const status = o?.["status"];
  if (typeof status === "number" && status > 0) {
    const retryAfterMs = parseRetryAfter(o?.["headers"]);
    return {
      kind: "http",
      status,
      retryable: isRetryableStatus(status),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      detail: messageOf(err),
    };
  }
  if (name === "APIUserAbortError" || name === "AbortError") {
    return CALLER_ABORT;
  }
  const code = connectionCode(err);
  if (code !== undefined || name === "APIConnectionError") {
    return { kind: "connection", retryable: true, detail: `connection failed (${code ?? messageOf(err)})` };
  }
  // Unknown errors are most likely bugs on our side: do not hammer the endpoint with them.
  return { kind: "connection", retryable: false, detail: `unexpected error: ${messageOf(err)}` };
}
