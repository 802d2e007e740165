import { afterEach, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { httpFetch } from "../../src/lm/http-fetch.ts";

let server: Server | undefined;
afterEach(async () => {
  if (server) await new Promise((r) => server!.close(r));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("httpFetch", () => {
  it("sends method, headers and body, and returns status, headers and body", async () => {
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json", "x-echo": String(req.headers["x-test"]) });
        res.end(JSON.stringify({ method: req.method, body }));
      });
    });
    const res = await httpFetch(`${url}/p?q=1`, { method: "POST", headers: { "x-test": "yes" }, body: "hello" });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-echo")).toBe("yes");
    expect(await res.json()).toEqual({ method: "POST", body: "hello" });
  });

  it("decodes a gzip body even though it never asks for one", async () => {
    const url = await serve((_req, res) => {
      const zipped = gzipSync(Buffer.from('{"ok":true}'));
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": zipped.length });
      res.end(zipped);
    });
    const res = await httpFetch(url, {});
    expect(res.headers.get("content-encoding")).toBeNull();
    expect(await res.json()).toEqual({ ok: true });
  });

  it("handles bodiless statuses and reports a body cut short as ECONNRESET", async () => {
    const url = await serve((req, res) => {
      if (req.url === "/empty") {
        res.writeHead(204);
        res.end();
        return;
      }
      res.writeHead(200, { "content-length": 100 });
      res.write("partial");
      setImmediate(() => req.socket.destroy());
    });
    expect((await httpFetch(`${url}/empty`, {})).status).toBe(204);
    await expect(httpFetch(`${url}/cut`, {})).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("aborts with the signal's reason", async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const ctl = new AbortController();
    const p = httpFetch(url, { signal: ctl.signal });
    setTimeout(() => ctl.abort(), 20);
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
    server!.closeAllConnections();
  });
});
