/**
 * The sim as an OpenAI-compatible HTTP server, so any OpenAI client (the `openai`
 * package, curl, other tools) can talk to the offline model:
 *
 *   POST /v1/chat/completions   model picks the profile; n, temperature, seed, max_tokens
 *                               (or max_completion_tokens), stop, response_format
 *   GET  /v1/models             the profiles served
 *
 * Errors use OpenAI's shape, {"error": {"message", "type", "param", "code"}}: 400 for bad
 * requests, 404 for unknown models and routes. Streaming is not offered (400).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChatMessage, LMRequest, ResponseFormat } from "../src/lm/types.ts";
import { fingerprint } from "../src/util/hash.ts";
import { PROFILES, resolveProfile, type SimProfile } from "./profiles.ts";
import { simAnswer } from "./engine.ts";

export interface SimServerOptions {
  port?: number;
  host?: string;
  /** Profiles to serve (default: all). */
  profiles?: readonly string[];
}

export interface SimServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | null;
  readonly code: string | null;
  constructor(status: number, message: string, param: string | null = null, code: string | null = null) {
    super(message);
    this.status = status;
    this.type = status === 404 ? "not_found_error" : status >= 500 ? "server_error" : "invalid_request_error";
    this.param = param;
    this.code = code;
  }
}

const MAX_BODY = 8 * 1024 * 1024;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(400, "request body too large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function messageContent(content: unknown, i: number): string {
  if (typeof content === "string") return content;
  // OpenAI's content parts: [{type: "text", text: "..."}]
  if (Array.isArray(content)) {
    return content.map((part, j) => {
      if (part && typeof part === "object" && (part as { type?: unknown }).type === "text" && typeof (part as { text?: unknown }).text === "string") return (part as { text: string }).text;
      throw new HttpError(400, `messages[${i}].content[${j}]: only text parts are supported`, `messages[${i}].content`);
    }).join("");
  }
  if (content === null || content === undefined) return "";
  throw new HttpError(400, `messages[${i}].content must be a string or a list of text parts`, `messages[${i}].content`);
}

function parseRequest(raw: unknown, served: ReadonlyMap<string, SimProfile>): { profile: SimProfile; model: string; request: LMRequest } {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) throw new HttpError(400, "the request body must be a JSON object");
  const body = raw as Record<string, unknown>;
  if (typeof body.model !== "string" || body.model === "") throw new HttpError(400, "you must provide a model parameter", "model");
  let profile: SimProfile | undefined;
  try {
    profile = served.get(resolveProfile(body.model).name);
  } catch {
    profile = undefined;
  }
  if (!profile) throw new HttpError(404, `The model '${body.model}' does not exist; this sim server serves ${[...served.keys()].join(", ")}`, "model", "model_not_found");
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpError(400, "'messages' must be a non-empty array", "messages");
  const messages: ChatMessage[] = body.messages.map((m, i) => {
    if (!m || typeof m !== "object") throw new HttpError(400, `messages[${i}] must be an object`, `messages[${i}]`);
    const role = (m as { role?: unknown }).role;
    const r = role === "developer" ? "system" : role;
    if (r !== "system" && r !== "user" && r !== "assistant") throw new HttpError(400, `messages[${i}].role must be system, user or assistant`, `messages[${i}].role`);
    return { role: r, content: messageContent((m as { content?: unknown }).content, i) };
  });
  if (body.stream === true) throw new HttpError(400, "streaming is not supported by the sim server", "stream");
  const num = (name: string, lo: number, hi: number, integer: boolean): number | undefined => {
    const v = body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi || (integer && !Number.isInteger(v))) {
      throw new HttpError(400, `'${name}' must be ${integer ? "an integer" : "a number"} between ${lo} and ${hi}`, name);
    }
    return v;
  };
  const temperature = num("temperature", 0, 2, false);
  const maxTokens = num("max_completion_tokens", 1, 1_000_000, true) ?? num("max_tokens", 1, 1_000_000, true);
  const seed = num("seed", -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, true);
  const n = num("n", 1, 128, true);
  let stop: string[] | undefined;
  if (typeof body.stop === "string") stop = [body.stop];
  else if (Array.isArray(body.stop) && body.stop.every((s) => typeof s === "string")) stop = body.stop as string[];
  else if (body.stop !== undefined && body.stop !== null) throw new HttpError(400, "'stop' must be a string or a list of strings", "stop");
  let responseFormat: ResponseFormat | undefined;
  const rf = body.response_format as { type?: unknown } | undefined;
  if (rf !== undefined && rf !== null) {
    if (typeof rf !== "object" || !["text", "json_object", "json_schema"].includes(String(rf.type))) {
      throw new HttpError(400, "'response_format.type' must be text, json_object or json_schema", "response_format");
    }
    responseFormat = rf as ResponseFormat;
  }
  const request: LMRequest = { messages };
  if (temperature !== undefined) request.temperature = temperature;
  if (maxTokens !== undefined) request.max_tokens = maxTokens;
  if (seed !== undefined) request.seed = seed;
  if (n !== undefined) request.n = n;
  if (stop) request.stop = stop;
  if (responseFormat) request.response_format = responseFormat;
  return { profile, model: body.model, request };
}

export async function startSimServer(options: SimServerOptions = {}): Promise<SimServer> {
  const host = options.host ?? "127.0.0.1";
  const served = new Map<string, SimProfile>();
  for (const name of options.profiles ?? Object.keys(PROFILES)) {
    const p = resolveProfile(name);
    served.set(p.name, p);
  }
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, `sim server error: ${err instanceof Error ? err.message : String(err)}`);
      send(res, e.status, { error: { message: e.message, type: e.type, param: e.param, code: e.code } });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      send(res, 200, { object: "list", data: [...served.keys()].map((id) => ({ id, object: "model", created: 0, owned_by: "ieopt-sim" })) });
      return;
    }
    if (path === "/v1/chat/completions" || path === "/chat/completions") {
      if (req.method !== "POST") throw new HttpError(405, "use POST for /v1/chat/completions");
      const text = await readBody(req);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new HttpError(400, "the request body is not valid JSON");
      }
      const { profile, model, request } = parseRequest(raw, served);
      const result = simAnswer(profile, request);
      send(res, 200, {
        id: `chatcmpl-sim-${fingerprint([model, request], 24)}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: profile.name,
        system_fingerprint: `sim-${profile.name}`,
        choices: result.choices.map((c, index) => ({ index, message: { role: "assistant", content: c.text, refusal: null }, finish_reason: c.finish_reason, logprobs: null })),
        usage: { ...result.usage, total_tokens: result.usage.prompt_tokens + result.usage.completion_tokens },
      });
      return;
    }
    throw new HttpError(404, `unknown route ${req.method ?? "?"} ${path}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
