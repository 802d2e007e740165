/**
 * An OpenAI-compatible loopback server for tests and benches (127.0.0.1, port 0).
 *
 * POST /v1/chat/completions answers deterministically from the request (see
 * `stubAnswers`), after an optional latency, with scripted or seeded-random fault
 * injection. Random faults are decided from (seed, request body, how many times that
 * body was seen), never from arrival order, so a concurrent run meets the same faults
 * every time. Everything it received is kept in memory (`requests`) for assertions;
 * nothing is written to disk.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRng } from "../../src/util/random.ts";
import { sha256, stableStringify } from "../../src/util/hash.ts";

export type StubFault =
  /** 429 with Retry-After (seconds or HTTP date) and/or retry-after-ms. */
  | { kind: "rate-limit"; retryAfter?: string; retryAfterMs?: number }
  | { kind: "server-error"; status?: number }
  /** Never answer (until `ms` passes or the server closes): exceeds the client timeout. */
  | { kind: "stall"; ms?: number }
  /** Destroy the socket without a response. */
  | { kind: "reset" }
  /** 200, JSON content type, body that is not JSON. */
  | { kind: "invalid-json" }
  /** 200 whose body stops half-way (Content-Length promises more), then the socket closes. */
  | { kind: "truncated" }
  /** 200, well-formed envelope, content that is not what was asked for. */
  | { kind: "garbage" }
  | { kind: "no-choices" }
  | { kind: "null-content" }
  /** 400 rejecting response_format as unsupported. */
  | { kind: "reject-format" }
  | { kind: "status"; status: number; message?: string; headers?: Record<string, string> };

export interface StubRequestRecord {
  /** Arrival order, 0-based. */
  index: number;
  method: string;
  path: string;
  /** The Authorization header as received (tests check the key was sent). */
  authorization: string | undefined;
  /** Parsed JSON body (undefined if it did not parse). */
  body: ChatBody | undefined;
  /** The fault served, if any. */
  fault: StubFault["kind"] | undefined;
}

export interface ChatBody {
  model?: string;
  messages?: Array<{ role: string; content: string }>;
  temperature?: number;
  max_tokens?: number;
  seed?: number;
  n?: number;
  stop?: string[];
  response_format?: { type: string };
  [extra: string]: unknown;
}

export interface FaultContext {
  body: ChatBody | undefined;
  /** Arrival index of this request. */
  index: number;
  /** How many earlier requests had exactly this body (0 on the first try). */
  seen: number;
}

export interface StubOptions {
  /** Delay before every answer (and before faults), ms. */
  latencyMs?: number;
  /** Scripted faults: return one to inject it into this request. Checked before faultRate. */
  faults?: (ctx: FaultContext) => StubFault | undefined;
  /** Probability in [0, 1] that a request gets a fault drawn from faultKinds. */
  faultRate?: number;
  faultSeed?: string | number;
  faultKinds?: StubFault[];
  /** Behave like an endpoint without structured outputs: 400 on response_format json_schema. */
  rejectJsonSchema?: boolean;
  /** If set, requests whose bearer token differs get 401. */
  requireKey?: string;
  /** Default stall length when a stall fault gives none. 30 s; close() ends stalls early. */
  stallMs?: number;
  /** Token counts to report; default ≈ characters / 4. */
  usage?: (body: ChatBody, choices: string[]) => { prompt_tokens: number; completion_tokens: number };
  /** The answer texts; default `stubAnswers`. */
  answers?: (body: ChatBody) => string[];
  /**
   * Keep every request (and per-body retry counts) in memory for assertions. Default true;
   * benchmarks of long runs turn it off (then `requests` stays empty and `seen` is 0).
   */
  keepRequests?: boolean;
  /** Serve GET /v1/models listing these ids (default: no such route, 404, like some servers). */
  models?: readonly string[];
}

export interface StubServer {
  /** Base URL to give the client, e.g. http://127.0.0.1:41234/v1 */
  readonly url: string;
  readonly port: number;
  readonly requests: StubRequestRecord[];
  /** Number of chat completion requests received. */
  count(): number;
  close(): Promise<void>;
}

export const ALL_FAULT_KINDS: StubFault[] = [
  { kind: "rate-limit", retryAfter: "0" },
  { kind: "server-error", status: 500 },
  { kind: "server-error", status: 503 },
  { kind: "stall" },
  { kind: "reset" },
  { kind: "invalid-json" },
  { kind: "truncated" },
];

/**
 * The deterministic answer texts for a request body: what a fault-free stub returns.
 * JSON, so requests that ask for json_object/json_schema get valid JSON.
 */
export function stubAnswers(body: ChatBody): string[] {
  const messages = body.messages ?? [];
  const lastUser = [...messages].reverse().find((m) => m.role === "user")?.content ?? "";
  const n = body.n ?? 1;
  const digest = sha256(
    stableStringify({ m: body.model, messages, t: body.temperature, s: body.seed, x: body.max_tokens, stop: body.stop }),
  ).slice(0, 12);
  return Array.from({ length: n }, (_, i) => JSON.stringify({ echo: lastUser.slice(0, 200), choice: i, digest }));
}

function defaultUsage(body: ChatBody, choices: string[]): { prompt_tokens: number; completion_tokens: number } {
  const promptChars = (body.messages ?? []).reduce((a, m) => a + m.content.length, 0);
  const completionChars = choices.reduce((a, c) => a + c.length, 0);
  return { prompt_tokens: Math.ceil(promptChars / 4), completion_tokens: Math.ceil(completionChars / 4) };
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(value);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function completionEnvelope(body: ChatBody, contents: Array<string | null>, usage: { prompt_tokens: number; completion_tokens: number }): unknown {
  return {
    id: "chatcmpl-stub",
    object: "chat.completion",
    created: 0,
    model: body.model ?? "stub",
    choices: contents.map((content, index) => ({ index, message: { role: "assistant", content }, finish_reason: "stop" })),
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  };
}

export async function startStubServer(options: StubOptions = {}): Promise<StubServer> {
  const requests: StubRequestRecord[] = [];
  let received = 0;
  const seenBodies = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const wait = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const t = setTimeout(() => {
            timers.delete(t);
            resolve();
          }, ms);
          timers.add(t);
        });

  function pickFault(ctx: FaultContext, bodyText: string): StubFault | undefined {
    const scripted = options.faults?.(ctx);
    if (scripted) return scripted;
    const rate = options.faultRate ?? 0;
    if (rate <= 0) return undefined;
    const rng = createRng(`${options.faultSeed ?? 0}/${sha256(bodyText)}/${ctx.seen}`);
    if (rng.next() >= rate) return undefined;
    return rng.choice(options.faultKinds ?? ALL_FAULT_KINDS);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyText = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "GET" && /\/models$/.test(path) && options.models) {
      sendJson(res, 200, { object: "list", data: options.models.map((id) => ({ id, object: "model", owned_by: "stub" })) });
      return;
    }
    if (req.method !== "POST" || !/\/chat\/completions$/.test(path)) {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "not_found" } });
      return;
    }
    let body: ChatBody | undefined;
    try {
      body = JSON.parse(bodyText) as ChatBody;
    } catch {
      body = undefined;
    }
    const keep = options.keepRequests ?? true;
    const seen = keep ? (seenBodies.get(bodyText) ?? 0) : 0;
    if (keep) seenBodies.set(bodyText, seen + 1);
    const index = received++;
    const record: StubRequestRecord = {
      index,
      method: req.method ?? "",
      path,
      authorization: req.headers.authorization,
      body,
      fault: undefined,
    };
    if (keep) requests.push(record);

    await wait(options.latencyMs ?? 0);
    if (closing) {
      req.socket.destroy();
      return;
    }
    if (!body || !Array.isArray(body.messages)) {
      sendJson(res, 400, { error: { message: "body must be JSON with messages", type: "invalid_request_error" } });
      return;
    }
    if (options.requireKey !== undefined && req.headers.authorization !== `Bearer ${options.requireKey}`) {
      // Like real servers, do not echo the presented credential.
      sendJson(res, 401, { error: { message: "invalid api key", type: "invalid_request_error" } });
      return;
    }
    if (options.rejectJsonSchema && body.response_format?.type === "json_schema") {
      record.fault = "reject-format";
      sendJson(res, 400, { error: { message: "response_format of type json_schema is not supported by this server", type: "invalid_request_error" } });
      return;
    }

    const fault = pickFault({ body, index, seen }, bodyText);
    record.fault = fault?.kind;
    const answers = (options.answers ?? stubAnswers)(body);
    const usage = (options.usage ?? defaultUsage)(body, answers);
    switch (fault?.kind) {
      case undefined:
        sendJson(res, 200, completionEnvelope(body, answers, usage));
        return;
      case "rate-limit": {
        const headers: Record<string, string> = {};
        if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
        if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
        sendJson(res, 429, { error: { message: "rate limit reached", type: "rate_limit_error" } }, headers);
        return;
      }
      case "server-error":
        sendJson(res, fault.status ?? 500, { error: { message: "upstream failure", type: "server_error" } });
        return;
      case "status":
        sendJson(res, fault.status, { error: { message: fault.message ?? `status ${fault.status}`, type: "stub" } }, fault.headers);
        return;
      case "stall":
        await wait(fault.ms ?? options.stallMs ?? 30_000);
        if (!res.writableEnded && !res.destroyed) sendJson(res, 200, completionEnvelope(body, answers, usage));
        return;
      case "reset":
        req.socket.destroy();
        return;
      case "invalid-json": {
        const text = '{"choices": [ this is not json';
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      case "truncated": {
        const text = JSON.stringify(completionEnvelope(body, answers, usage));
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.write(text.slice(0, Math.floor(text.length / 2)));
        // Give the half body a moment on the wire, then cut the connection.
        setImmediate(() => req.socket.destroy());
        return;
      }
      case "garbage":
        sendJson(res, 200, completionEnvelope(body, answers.map(() => "\u00bf\u00bf garbage <<not the answer>>"), usage));
        return;
      case "no-choices":
        sendJson(res, 200, { id: "chatcmpl-stub", object: "chat.completion", usage });
        return;
      case "null-content":
        sendJson(res, 200, completionEnvelope(body, answers.map(() => null), usage));
        return;
      case "reject-format":
        sendJson(res, 400, { error: { message: "response_format is not supported", type: "invalid_request_error" } });
        return;
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: "stub bug" } });
      else res.destroy();
    });
  });
  // Clients keep connections alive; many parallel tests must not run out of sockets.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    count: () => received,
    close: async () => {
      closing = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
