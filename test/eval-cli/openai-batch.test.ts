/**
 * `ieopt eval --batch openai` against a loopback fake of OpenAI's Files and Batches
 * endpoints (started here; it answers each request with the sim when a batch completes).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import type { LMRequest } from "../../src/lm/types.ts";
import type { EvalReport } from "../../src/report/eval-report.ts";
import { STATE_FILE } from "../../src/eval/openai-batch.ts";
import { EXAMPLES, ieopt, ROOT, tempDir } from "./helpers.ts";

const SF_TEST = join(EXAMPLES, "sf/test.jsonl");

interface FakeBatch {
  id: string;
  status: string;
  input_file_id: string;
  output_file_id?: string;
  error_file_id?: string;
  polls: number;
  request_counts: { total: number; completed: number; failed: number };
}

/** Files + Batches endpoints, in memory. `hold` keeps batches in progress until set false. */
async function fakeOpenAI(options: { failEvery?: number } = {}): Promise<{ url: string; server: Server; calls: string[]; files: Map<string, string>; batches: Map<string, FakeBatch>; setHold(v: boolean): void }> {
  const calls: string[] = [];
  const files = new Map<string, string>();
  const batches = new Map<string, FakeBatch>();
  let hold = false;
  const send = (res: import("node:http").ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  const batchBody = (b: FakeBatch) => ({ object: "batch", endpoint: "/v1/chat/completions", completion_window: "24h", created_at: 1, ...b, polls: undefined });
  async function complete(b: FakeBatch): Promise<void> {
    const lines = files.get(b.input_file_id)!.trim().split("\n");
    const out: string[] = [];
    const errors: string[] = [];
    for (const [i, line] of lines.entries()) {
      const req = JSON.parse(line) as { custom_id: string; body: { model: string } & LMRequest };
      // OpenAI puts the requests that failed in a separate error file.
      if (options.failEvery && i % options.failEvery === 0) {
        errors.push(JSON.stringify({ id: `batch_req_${i}`, custom_id: req.custom_id, response: { status_code: 500, request_id: `req_${i}`, body: { error: { message: "The server had an error", type: "server_error" } } }, error: null }));
        continue;
      }
      const { model, ...rest } = req.body;
      const answer = await createSimLM(model).complete(rest);
      out.push(JSON.stringify({ id: `batch_req_${i}`, custom_id: req.custom_id, response: { status_code: 200, request_id: `req_${i}`, body: { object: "chat.completion", model, choices: [{ index: 0, message: { role: "assistant", content: answer.choices[0] }, finish_reason: "stop" }], usage: { ...answer.usage, total_tokens: answer.usage.prompt_tokens + answer.usage.completion_tokens } } }, error: null }));
    }
    const id = `file-out-${b.id}`;
    files.set(id, out.reverse().join("\n") + "\n");
    b.output_file_id = id;
    if (errors.length > 0) {
      files.set(`file-err-${b.id}`, errors.join("\n") + "\n");
      b.error_file_id = `file-err-${b.id}`;
    }
    b.status = "completed";
    b.request_counts = { total: lines.length, completed: lines.length - errors.length, failed: errors.length };
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const path = (req.url ?? "").replace(/\?.*$/, "");
        calls.push(`${req.method} ${path}`);
        if (req.method === "POST" && path === "/v1/files") {
          const boundary = /boundary=(.+)$/.exec(req.headers["content-type"] ?? "")![1]!;
          const part = body.toString("utf8").split(`--${boundary}`).find((p) => p.includes('name="file"'))!;
          const content = part.slice(part.indexOf("\r\n\r\n") + 4).replace(/\r\n$/, "");
          const id = `file-${files.size + 1}`;
          files.set(id, content);
          return send(res, 200, { id, object: "file", bytes: content.length, created_at: 1, filename: "requests.jsonl", purpose: "batch", status: "processed" });
        }
        if (req.method === "POST" && path === "/v1/batches") {
          const params = JSON.parse(body.toString("utf8")) as { input_file_id: string; endpoint: string; completion_window: string };
          expect(params).toMatchObject({ endpoint: "/v1/chat/completions", completion_window: "24h" });
          const total = files.get(params.input_file_id)!.trim().split("\n").length;
          const b: FakeBatch = { id: `batch_${batches.size + 1}`, status: "validating", input_file_id: params.input_file_id, polls: 0, request_counts: { total, completed: 0, failed: 0 } };
          batches.set(b.id, b);
          return send(res, 200, batchBody(b));
        }
        const m = /^\/v1\/batches\/([^/]+)(\/cancel)?$/.exec(path);
        if (m && batches.has(m[1]!)) {
          const b = batches.get(m[1]!)!;
          if (m[2]) {
            b.status = "cancelling";
            return send(res, 200, batchBody(b));
          }
          b.polls++;
          if (b.status === "cancelling") b.status = "cancelled";
          else if (b.status === "validating") b.status = "in_progress";
          else if (b.status === "in_progress" && !hold && b.polls >= 3) await complete(b);
          else if (b.status === "in_progress") b.request_counts.completed = Math.min(b.request_counts.total, b.request_counts.completed + 7);
          return send(res, 200, batchBody(b));
        }
        const f = /^\/v1\/files\/([^/]+)\/content$/.exec(path);
        if (f && files.has(f[1]!)) {
          res.writeHead(200, { "content-type": "application/octet-stream" });
          return res.end(files.get(f[1]!));
        }
        send(res, 404, { error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error" } });
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server, calls, files, batches, setHold: (v) => (hold = v) };
}

function stripRun(report: EvalReport) {
  return report.results.map((r) => ({ prompt: r.prompt, model: r.model, overall: r.overall, non_english: r.non_english, by_lang: r.by_lang, outcomes: { ...r.outcomes, resumed: 0 } }));
}

/** The CLI as a child process, interrupted with SIGINT once its batch id is recorded. */
function interruptAfterSubmit(args: string[], stateFile: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, "bin/ieopt.js"), "eval", ...args], { cwd: ROOT, env: { ...process.env, OPENAI_API_KEY: "sk-fake" }, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.resume();
    const timer = setInterval(() => {
      if (existsSync(stateFile) && readFileSync(stateFile, "utf8").includes('"batch_id"')) {
        clearInterval(timer);
        child.kill("SIGINT");
      }
    }, 20);
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ code, stderr });
    });
  });
}

describe("ieopt eval --batch openai", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0)) await f();
  });

  it("submits, polls and downloads through the Files/Batches API; the scores equal the online run's", async () => {
    const dir = tempDir();
    const fake = await fakeOpenAI();
    cleanup.push(() => new Promise<void>((r) => fake.server.close(() => r())), () => rmSync(dir, { recursive: true, force: true }));
    const common = ["--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--quiet", "--bootstrap", "200"];
    const online = await ieopt("eval", ...common, "--out", join(dir, "online"));
    expect(online.code).toBe(0);
    const batch = await ieopt("eval", ...common, "--base-url", fake.url, "--batch", "openai", "--batch-poll", "0.01", "--out", join(dir, "batch"));
    expect(batch.stderr).toBe("");
    expect(batch.code).toBe(0);
    expect(fake.calls.filter((c) => c === "POST /v1/files")).toHaveLength(1);
    expect(fake.calls.filter((c) => c === "POST /v1/batches")).toHaveLength(1);
    expect(fake.calls.some((c) => /^GET \/v1\/files\/file-out-batch_1\/content$/.test(c))).toBe(true);
    const state = JSON.parse(readFileSync(join(dir, "batch/batch", STATE_FILE), "utf8")) as { batches: { batch_id: string; status: string; results: string[] }[] };
    expect(state.batches).toEqual([expect.objectContaining({ batch_id: "batch_1", status: "completed", results: ["requests.results.jsonl"] })]);

    const a = JSON.parse(readFileSync(join(dir, "online/report.json"), "utf8")) as EvalReport;
    const b = JSON.parse(readFileSync(join(dir, "batch/report.json"), "utf8")) as EvalReport;
    expect(b.mode).toBe("batch");
    expect(stripRun(b)).toEqual(stripRun(a));
  });

  it("downloads the error file too: its requests are recorded failures with the server's reason, not missing", async () => {
    const dir = tempDir();
    const fake = await fakeOpenAI({ failEvery: 5 });
    cleanup.push(() => new Promise<void>((r) => fake.server.close(() => r())), () => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, "batch");
    const r = await ieopt("eval", "--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--quiet", "--bootstrap", "20", "--base-url", fake.url, "--batch", "openai", "--batch-poll", "0.01", "--out", out);
    expect(fake.calls).toContain("GET /v1/files/file-err-batch_1/content");
    const state = JSON.parse(readFileSync(join(out, "batch", STATE_FILE), "utf8")) as { batches: { results: string[] }[] };
    expect(state.batches[0]!.results).toEqual(["requests.results.jsonl", "requests.errors.jsonl"]);
    const failed = fake.files.get("file-err-batch_1")!.trim().split("\n").length;
    expect(failed).toBeGreaterThan(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport;
    expect(report.results[0]!.outcomes).toMatchObject({ lm_failures: failed, missing: 0 });
    const failures = readFileSync(report.results[0]!.predictions.replace(/\.jsonl$/, ".failures.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; reason: string });
    expect(failures).toHaveLength(failed);
    expect(failures.every((f) => f.kind === "lm" && f.reason === "batch error (status 500): server_error: The server had an error")).toBe(true);
    // A fifth of the samples got no answer: the eval is degraded, and says so in its exit code.
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain("got no answer");
  });

  it("resumes polling the recorded batch after an interruption, and cancels on Ctrl-C when asked", async () => {
    const dir = tempDir();
    const fake = await fakeOpenAI();
    cleanup.push(() => new Promise<void>((r) => fake.server.close(() => r())), () => rmSync(dir, { recursive: true, force: true }));
    fake.setHold(true);
    const common = ["--prompt", "default:SF", "--data", SF_TEST, "--model", "sim", "--quiet", "--bootstrap", "50", "--base-url", fake.url, "--batch", "openai", "--batch-poll", "0.02"];

    const out = join(dir, "run");
    const stopped = await interruptAfterSubmit([...common, "--out", out], join(out, "batch", STATE_FILE));
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("keep running");
    expect(fake.batches.get("batch_1")!.status).toBe("in_progress"); // not cancelled

    fake.setHold(false);
    const resumed = await ieopt("eval", ...common, "--out", out);
    expect(resumed.code).toBe(0);
    // The rerun polled the recorded batch: nothing uploaded or created again.
    expect(fake.calls.filter((c) => c === "POST /v1/files")).toHaveLength(1);
    expect(fake.calls.filter((c) => c === "POST /v1/batches")).toHaveLength(1);
    expect((JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport).results[0]!.outcomes).toMatchObject({ missing: 0, lm_failures: 0 });

    fake.setHold(true);
    const out2 = join(dir, "cancel");
    const cancelled = await interruptAfterSubmit([...common, "--batch-cancel", "--out", out2], join(out2, "batch", STATE_FILE));
    expect(cancelled.code).toBe(130);
    expect(fake.calls).toContain("POST /v1/batches/batch_2/cancel");
    expect(fake.batches.get("batch_2")!.status).toBe("cancelling");
  });
});
