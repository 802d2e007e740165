/**
 * A zero- or fixed-latency OpenAI-compatible stub (test/helpers/stub-server.ts) in a
 * worker thread, so the benchmarked client does not share its event loop with the server.
 * It keeps no request history (long runs would otherwise measure the stub's memory).
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

export interface StubWorkerOptions {
  latencyMs: number;
  /** "default": the stub's echo JSON; "ner-records": a NER record list built from the query text. */
  answers?: "default" | "ner-records";
}

export async function startStubWorker(options: StubWorkerOptions): Promise<{ url: string; stop: () => Promise<void> }> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once("message", (m: { url: string }) => resolve(m.url));
    worker.once("error", reject);
  });
  return {
    url,
    stop: async () => {
      const exited = new Promise((r) => worker.once("exit", r));
      worker.postMessage("close");
      await exited;
    },
  };
}

/** A plausible NER answer: the query text's first two words as a person. */
function nerRecords(body: { messages?: { role: string; content: string }[] }): string[] {
  const last = body.messages?.at(-1)?.content ?? "";
  const text = last.split("\nText: ").pop() ?? "";
  const words = text.split(/\s+/).filter(Boolean);
  return [JSON.stringify(words.length >= 2 ? [{ entity: `${words[0]} ${words[1]}`, entity_type: "person" }] : [])];
}

if (!isMainThread && parentPort) {
  const options = workerData as StubWorkerOptions;
  const { startStubServer } = await import("../test/helpers/stub-server.ts");
  const server = await startStubServer({
    latencyMs: options.latencyMs,
    keepRequests: false,
    ...(options.answers === "ner-records" ? { answers: nerRecords } : {}),
  });
  parentPort.postMessage({ url: server.url });
  parentPort.once("message", async () => {
    await server.close();
    process.exit(0);
  });
}
