/**
 * Endpoint identity without secrets. The normalized base URL keys the limiter, the
 * structured-output fallback memory and (with the model) the cache, so it must be stable
 * across spellings and must never carry credentials.
 */

import { UserInputError } from "../errors.ts";

export const DEFAULT_BASE_URL = "https://api.openai.com/v1";

/**
 * Lower-cased scheme and host, default port dropped, no userinfo, no query or fragment
 * (either may hold a key, e.g. `?api-key=`), no trailing slash.
 */
export function normalizeBaseURL(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    // Not a URL: keep only a credential-free, whitespace-free form so it is still usable as a key.
    return redactURL(raw).replace(/\/+$/, "");
  }
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  // URL already lower-cases scheme and host and drops the default port.
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * A URL as it may be shown or written, parseable or not: no userinfo, no query or
 * fragment (either may hold a key). Conservative for malformed text: everything between
 * the scheme and the last "@" goes (a password may hold "/", "?" or "#").
 */
export function redactURL(raw: string): string {
  const text = raw.trim();
  const scheme = /^[a-z][a-z0-9+.-]*:\/+/i.exec(text)?.[0] ?? "";
  let rest = text.slice(scheme.length);
  if (rest.includes("@")) rest = rest.slice(rest.lastIndexOf("@") + 1);
  return scheme + rest.replace(/[?#].*$/s, "");
}

export interface EndpointURL {
  /** The base URL to send requests to, without credentials. */
  url: string;
  /** `user:password` from the URL, decoded, if it had any. */
  basicAuth?: string;
}

/**
 * Parses a base URL before any call. One that does not parse, or is not http(s), is bad
 * input (the message shows it without credentials). Credentials in it are taken apart so
 * they can be sent as HTTP Basic auth instead of being silently dropped.
 */
export function parseBaseURL(raw: string, what: string): EndpointURL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UserInputError(`${what} '${redactURL(raw)}' is not a valid URL (expected e.g. http://127.0.0.1:8000/v1)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserInputError(`${what} '${redactURL(raw)}' must be an http:// or https:// URL`);
  }
  const basicAuth = url.username || url.password ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  url.username = "";
  url.password = "";
  return { url: url.toString(), ...(basicAuth !== undefined ? { basicAuth } : {}) };
}

/** The LM id: endpoint + model. Part of every cache key. */
export function endpointModelId(baseURL: string, model: string): string {
  return `${normalizeBaseURL(baseURL)}#${model}`;
}

/** Replaces every occurrence of each secret (and any bearer token) with "***". */
export function makeRedactor(secrets: ReadonlyArray<string | undefined>): (text: string) => string {
  const live = secrets.filter((s): s is string => typeof s === "string" && s.length >= 4);
  return (text: string) => {
    let out = text;
    for (const s of live) out = out.split(s).join("***");
    return out.replace(/(Bearer\s+)[^\s"',]+/gi, "$1***");
  };
}
