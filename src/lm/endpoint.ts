/**
 * Endpoint identity without secrets. The normalized base URL keys the limiter, the
 * structured-output fallback memory and (with the model) the cache, so it must be stable
 * across spellings and must never carry credentials.
 */

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
    return raw.trim().replace(/\/+$/, "").replace(/^[^@/]*@/, "");
  }
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  const path = url.pathname.replace(/\/+$/, "");
  // URL already lower-cases scheme and host and drops the default port.
  return `${url.protocol}//${url.host}${path}`;
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
