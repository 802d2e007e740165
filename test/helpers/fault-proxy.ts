/**
 * A loopback HTTP proxy in front of an OpenAI-compatible server (e.g. the served sim) that
 * counts what it receives and can fail requests on demand, for tests of what ieopt does
 * under failure: how many calls really reached the endpoint, and what a dead or flaky
 * endpoint does to a run. 127.0.0.1 only; nothing is written to disk.
 */
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll } from "vitest";
import { startSimServer, type SimServer } from "../../sim/server.ts";

export interface FaultProxy {
  /** Base URL for the client, e.g. http://127.0.0.1:41234/v1 */
  readonly url: string;
  /** Requests received (every attempt, retries included). */
  received(): number;
  /** Requests answered 200 by the upstream and passed on. */
  answered(): number;
  /** Bodies of the requests received, parsed. */
  readonly bodies: unknown[];
  /** Answer requests with this status instead of forwarding them (undefined: forward). */
  failWith: number | undefined;
  /** Per request (arrival index from 0): a status to answer with instead of forwarding. */
  failIf: ((index: number) => number | undefined) | undefined;
  /** Hold the requests from this arrival index on until open() (undefined: none). */
  holdFrom: number | undefined;
  /** Hold every request until open() (a process stays mid-run for as long as a test needs). */
  hold(): void;
  open(): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** `upstream` is the upstream base URL (…/v1); `failWith` can be changed at any time. */
export async function startFaultProxy(upstream: string, options: { failWith?: number } = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  let received = 0;
  let answered = 0;
  const bodies: unknown[] = [];
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  const proxy: FaultProxy = {
    url: "",
    received: () => received,
    answered: () => answered,
    bodies,
    failWith: options.failWith,
    failIf: undefined,
    holdFrom: undefined,
    hold: () => {
      if (gate) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    open: () => {
      proxy.holdFrom = undefined;
      gate?.open();
      gate = undefined;
    },
    close: () => new Promise<void>((resolve) => {
      gate?.open();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      // GET /models (ieopt's preflight) passes straight through: counts, holds and faults
      // are about completion calls.
      const listing = req.method === "GET";
      const index = listing ? -1 : received++;
      if (!listing) {
        try {
          bodies.push(JSON.parse(body.toString("utf8")));
        } catch {
          bodies.push(undefined);
        }
      }
      if (!listing && !gate && proxy.holdFrom !== undefined && index >= proxy.holdFrom) proxy.hold();
      if (gate && !listing) await gate.promise;
      const status = listing ? undefined : (proxy.failWith ?? proxy.failIf?.(index));
      if (status !== undefined) {
        const text = JSON.stringify({ error: { message: "injected failure", type: "server_error", param: null, code: null } });
        res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const path = target.pathname.replace(/\/+$/, "") + (req.url ?? "").replace(/^\/v1/, "");
      const up = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path, headers: { "content-type": "application/json", "content-length": body.length } },
        (upRes) => {
          if (upRes.statusCode === 200 && !listing) answered++;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", () => res.destroy());
      up.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  (proxy as { url: string }).url = `http://127.0.0.1:${port}/v1`;
  return proxy;
}

/**
 * The served sim behind a fault proxy for every test of the calling file: started before
 * the first test, closed after the last. Read `server` and `proxy` inside tests.
 */
export function simBehindProxy(): { readonly server: SimServer; readonly proxy: FaultProxy } {
  let server: SimServer | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    server = await startSimServer({ port: 0 });
    proxy = await startFaultProxy(server.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });
  return { get server() { return server!; }, get proxy() { return proxy!; } };
}
