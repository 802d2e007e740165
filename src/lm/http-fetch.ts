/**
 * A minimal `fetch` over node:http / node:https with keep-alive agents, for the openai SDK.
 *
 * Why not the global fetch: undici's WHATWG-stream machinery costs noticeably more CPU per
 * request, and at high concurrency on a small machine the client's CPU is what keeps it
 * from saturating the endpoint (bench/client.ts measures both). Chat completions are small
 * non-streaming JSON bodies, so this buffers the whole response and hands the SDK a
 * ready-made Response; anything it cannot handle (streams, form data) goes to the global
 * fetch unchanged.
 *
 * Errors keep their Node codes (ECONNRESET, ECONNREFUSED, …) so faults.ts classifies them;
 * a body cut short is an ECONNRESET, as with undici.
 */
import http from "node:http";
import https from "node:https";
import { brotliDecompressSync, gunzipSync, inflateSync } from "node:zlib";

const agents = {
  "http:": new http.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: "lifo" }),
  "https:": new https.Agent({ keepAlive: true, maxSockets: Infinity, scheduling: "lifo" }),
};

function headerRecord(headers: RequestInit["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers ?? {}).forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

/** Servers should not compress (we send no Accept-Encoding), but some proxies do anyway. */
function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      return gunzipSync(body);
    case "deflate":
      return inflateSync(body);
    case "br":
      return brotliDecompressSync(body);
    default:
      return body;
  }
}

function cutShort(message: string): Error {
  return Object.assign(new Error(message), { code: "ECONNRESET" });
}

export const httpFetch: typeof globalThis.fetch = (input, init = {}) => {
  // The SDK passes a URL string; a Request carries its own body and headers, so it and
  // every other input go to the global fetch.
  if (typeof input !== "string") return globalThis.fetch(input, init);
  const url = new URL(input);
  const body = init.body;
  const simpleBody = body === undefined || body === null || typeof body === "string" || body instanceof Uint8Array;
  const protocol = url.protocol === "https:" || url.protocol === "http:" ? url.protocol : undefined;
  if (!simpleBody || !protocol) return globalThis.fetch(input, init);

  return new Promise<Response>((resolve, reject) => {
    const transport = protocol === "https:" ? https : http;
    const req = transport.request(
      url,
      {
        method: init.method ?? "GET",
        headers: headerRecord(init.headers),
        agent: agents[protocol],
        ...(init.signal ? { signal: init.signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let ended = false;
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          ended = true;
          const encoding = res.headers["content-encoding"];
          const headers = new Headers();
          for (const [key, value] of Object.entries(res.headers)) {
            // The body handed on is decoded, so its encoding and length headers no longer apply.
            if (encoding && (key === "content-encoding" || key === "content-length")) continue;
            if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
          }
          const status = res.statusCode ?? 0;
          try {
            const payload = status === 204 || status === 205 || status === 304 ? null : decode(Buffer.concat(chunks), encoding);
            resolve(new Response(payload, { status, statusText: res.statusMessage ?? "", headers }));
          } catch (err) {
            reject(err);
          }
        });
        res.on("error", reject);
        res.on("close", () => {
          if (!ended) reject(init.signal?.aborted ? init.signal.reason : cutShort("response ended before its body was complete"));
        });
      },
    );
    req.on("error", reject);
    req.end(body ?? undefined);
  });
};
