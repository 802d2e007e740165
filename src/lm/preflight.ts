/**
 * Preflight: before the first paid call, check that every endpoint a run will use answers
 * and serves the model, and that a key is there where one is needed. A typo in a model
 * name, a dead server or a missing key then fails in seconds with the reason (a
 * UserInputError: exit 2), instead of retrying for minutes or running to the end.
 *
 * Per endpoint and model: GET <base>/models where the server lists its models (OpenAI,
 * vLLM, Ollama, llama.cpp, `ieopt sim serve`); where it does not, one probe call
 * (max_tokens 1) — unless `probe` is off (--dry-run makes no completion call at all).
 * In-process sim models need no check.
 */
import { UserInputError } from "../errors.ts";
import { DEFAULT_BASE_URL, normalizeBaseURL } from "./endpoint.ts";
import { httpFetch } from "./http-fetch.ts";

export interface EndpointTarget {
  /** Which roles use it (for messages), e.g. "θ --model". */
  roles: string[];
  model: string;
  /** The base URL as given (may carry credentials in a query; never printed). */
  baseURL: string;
  apiKey: string | undefined;
}

export interface PreflightOptions {
  /** Make one tiny completion call where /models is not served. Default true. */
  probe?: boolean;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

export interface PreflightCheck {
  endpoint: string;
  model: string;
  /** How the model was confirmed: listed by /models, answered a probe, or not checked. */
  verified: "models-list" | "probe" | "unchecked";
}

const OPENAI_HOST = new URL(DEFAULT_BASE_URL).host;

function networkReason(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return "no answer before the timeout";
  const code = e?.cause?.code ?? e?.code;
  if (code === "ECONNREFUSED") return "connection refused (nothing listens there)";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "the host name does not resolve";
  if (code) return code;
  return e?.cause?.message ?? (err instanceof Error ? err.message : String(err));
}

function simHint(model: string): string {
  return /^sim\b/i.test(model) ? " (the offline sim models are sim, sim-small and sim-large)" : "";
}

function who(target: EndpointTarget): string {
  return `--model ${target.model}${target.roles.length > 0 ? ` (${target.roles.join(", ")})` : ""}`;
}

async function errorText(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string } | string; message?: string };
    const message = typeof parsed.error === "string" ? parsed.error : (parsed.error?.message ?? parsed.message);
    if (message) return message.slice(0, 200);
  } catch {
    // not JSON: fall through
  }
  return text.trim().slice(0, 200);
}

/** Checks one endpoint + model; throws a UserInputError saying what is wrong. */
export async function preflightTarget(target: EndpointTarget, options: PreflightOptions = {}): Promise<PreflightCheck> {
  // The client's own fetch: it accepts credentials in the URL, as the client does. A reset
  // socket is tried once more: a kept-alive connection the server already closed is not a
  // dead endpoint.
  const baseFetch = options.fetch ?? httpFetch;
  const doFetch: typeof globalThis.fetch = async (input, init) => {
    try {
      return await baseFetch(input, init);
    } catch (err) {
      const code = (err as { code?: string; cause?: { code?: string } })?.cause?.code ?? (err as { code?: string })?.code;
      if (code !== "ECONNRESET" && code !== "EPIPE") throw err;
      return baseFetch(input, init);
    }
  };
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = normalizeBaseURL(target.baseURL);
  const base = target.baseURL.replace(/\/+$/, "");
  const headers: Record<string, string> = target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {};
  let host = "";
  try {
    host = new URL(base).host;
  } catch {
    throw new UserInputError(`the base URL for ${who(target)} is not a URL: ${endpoint}`);
  }
  if (!target.apiKey && host === OPENAI_HOST) {
    throw new UserInputError(
      `${who(target)} is not an offline sim model${simHint(target.model)} and no --base-url or OPENAI_BASE_URL is set, so it would go to ${endpoint}, ` +
        "but OPENAI_API_KEY is not set; set the key, or point --base-url at your server",
    );
  }
  const dead = (err: unknown) =>
    new UserInputError(`the endpoint ${endpoint} for ${who(target)} does not answer: ${networkReason(err)}; is the server running, and is --base-url (or OPENAI_BASE_URL) right?`);
  const keyProblem = (status: number) =>
    new UserInputError(
      target.apiKey
        ? `the endpoint ${endpoint} rejected the API key for ${who(target)} (HTTP ${status}); check OPENAI_API_KEY`
        : `the endpoint ${endpoint} needs an API key for ${who(target)} (HTTP ${status}); set OPENAI_API_KEY`,
    );
  const unknownModel = (detail: string) =>
    new UserInputError(`the endpoint ${endpoint} does not serve the model '${target.model}'${simHint(target.model)}: ${detail}; check --model`);

  let listed: Response;
  try {
    listed = await doFetch(`${base}/models`, { headers, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw dead(err);
  }
  if (listed.status === 401 || listed.status === 403) throw keyProblem(listed.status);
  if (listed.ok) {
    const body = (await listed.json().catch(() => undefined)) as { data?: { id?: unknown }[] } | undefined;
    const ids = Array.isArray(body?.data) ? body.data.map((m) => m?.id).filter((id): id is string => typeof id === "string") : undefined;
    if (ids) {
      if (ids.includes(target.model)) return { endpoint, model: target.model, verified: "models-list" };
      const shown = ids.slice(0, 12).join(", ") + (ids.length > 12 ? `, … (${ids.length} in all)` : "");
      throw unknownModel(`it lists ${ids.length === 0 ? "no models" : shown}`);
    }
  } else {
    await listed.body?.cancel().catch(() => undefined);
  }
  if (options.probe === false) return { endpoint, model: target.model, verified: "unchecked" };

  let probe: Response;
  try {
    probe = await doFetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ model: target.model, messages: [{ role: "user", content: "Reply with OK." }], max_tokens: 1, temperature: 0 }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw dead(err);
  }
  if (probe.status === 401 || probe.status === 403) throw keyProblem(probe.status);
  const detail = probe.ok ? "" : await errorText(probe);
  if (probe.ok) await probe.body?.cancel().catch(() => undefined);
  if (probe.status === 404 || (probe.status === 400 && /model/i.test(detail) && /not (found|exist|serv)|unknown|invalid/i.test(detail))) {
    throw unknownModel(`HTTP ${probe.status}${detail ? ` ${detail}` : ""}`);
  }
  // Any other answer (200, 429, 5xx...) means the endpoint is alive; the client retries faults.
  return { endpoint, model: target.model, verified: "probe" };
}

/** Checks every distinct endpoint + model, in order; the first problem is thrown. */
export async function preflight(targets: readonly EndpointTarget[], options: PreflightOptions = {}): Promise<PreflightCheck[]> {
  const merged = new Map<string, EndpointTarget>();
  for (const t of targets) {
    const key = `${normalizeBaseURL(t.baseURL)}#${t.model}`;
    const seen = merged.get(key);
    if (seen) seen.roles.push(...t.roles.filter((r) => !seen.roles.includes(r)));
    else merged.set(key, { ...t, roles: [...t.roles] });
  }
  const checks: PreflightCheck[] = [];
  for (const target of merged.values()) checks.push(await preflightTarget(target, options));
  return checks;
}
