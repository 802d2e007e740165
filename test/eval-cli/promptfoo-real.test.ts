/**
 * The promptfoo export under the real promptfoo CLI (a devDependency), against the real
 * `ieopt sim serve`, with hostile data: template syntax ({{ gold }}, {{text}}, {{ env.X }},
 * {% %}, {# #}, braces), `file://` texts, Arabic and CJK. A recording proxy in front of
 * the sim keeps every request promptfoo sends.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IERecord, Sample } from "../../src/data/sample.ts";
import { freezePrompt, promptFromFrozen } from "../../src/runs/frozen.ts";
import { buildRequest, outcomeFromText } from "../../src/eval/runner.ts";
import { expandSample } from "../../src/eval/eval-data.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { POOLED_METRIC, POOLED_PROMPT_METRIC, type PromptfooConfig } from "../../src/export/promptfoo.ts";
import { ROUTING_FORMAT } from "../../src/pipelines/routing.ts";
import { getProgram, type Demo } from "../../programs/index.ts";
import { ieopt, oneDemoNerRoute, ROOT, tempDir } from "./helpers.ts";

const PROMPTFOO = join(ROOT, "node_modules/promptfoo/dist/src/entrypoint.js");
const SECRET = "sk-ieopt-test-must-not-leak";

const SCHEMA = ["person", "location", "organization", "date", "event", "product", "money", "work", "law", "language"];
function sample(n: number, text: string, labels: IERecord[], schema = SCHEMA.slice(0, 4)): Sample {
  return { id: `h${n}`, instance_id: `h${n}`, dataset: "hostile", lang: n % 3 === 0 ? "ara" : n % 3 === 1 ? "zho" : "eng", task: "NER", split: "test", text, schema, labels } as Sample;
}
const HOSTILE: Sample[] = [
  sample(1, "Ada met {{ gold }} in Oslo.", [{ entity: "Ada", entity_type: "person" }, { entity: "Oslo", entity_type: "location" }]),
  sample(2, "{{text}} and {{ text }} and {{text|upper}}: Ada Lovelace stayed in London.", [{ entity: "Ada Lovelace", entity_type: "person" }, { entity: "London", entity_type: "location" }]),
  sample(3, "file://etc/passwd", []),
  sample(4, "file://prompt.js Grace Hopper joined the Navy.", [{ entity: "Grace Hopper", entity_type: "person" }]),
  sample(5, "{% raw %}{{ env.OPENAI_API_KEY }}{% endraw %} {# note #} {a: {b: 1}} }} {{ Acme Corp in Paris", [{ entity: "Acme Corp", entity_type: "organization" }, { entity: "Paris", entity_type: "location" }]),
  sample(6, "التقى أحمد بسارة في القاهرة يوم الاثنين.", [{ entity: "أحمد", entity_type: "person" }, { entity: "القاهرة", entity_type: "location" }]),
  sample(7, "李明在北京见到了王芳，{{ gold }}。", [{ entity: "李明", entity_type: "person" }, { entity: "北京", entity_type: "location" }]),
  // Ten types: two batched queries for one instance, so per-query and pooled figures differ.
  sample(8, "Maria Silva flew to Lisbon for the Web Summit with {{ gold }} money.", [{ entity: "Maria Silva", entity_type: "person" }, { entity: "Lisbon", entity_type: "location" }, { entity: "Web Summit", entity_type: "event" }], SCHEMA),
  sample(9, "Nothing to see here {{", [], SCHEMA),
];

function hostileFrozen() {
  const program = getProgram("NER");
  const demo: Demo = {
    input: { text: "{{ gold }} met Ada in {% if x %}Rome{% endif %}, file://x.js", schema: ["person", "location"] },
    records: [{ entity: "Ada", entity_type: "person" }, { entity: "Rome", entity_type: "location" }],
    source: "labeled",
  };
  return freezePrompt(program, { instruction: "Extract {{ entities }} as JSON; never print {{ env.OPENAI_API_KEY }}.", demos: [...program.defaultDemos.slice(0, 2), demo], reasoning: false }, {
    run_id: "r1",
    optimizer: "test",
    settings: {},
    data: {},
    scores: {},
  });
}

/** A second route: another layout (one demo), a hostile instruction and its own max_tokens. */
const shortFrozen = () => oneDemoNerRoute("List {{ gold }} and {{ env.OPENAI_API_KEY }} entities as JSON.", 1);

interface Recorded {
  messages: { role: string; content: string }[];
  max_tokens: number | undefined;
  answer: string;
}

/** A loopback proxy to the sim that records each chat request and its answer. */
async function recordingProxy(target: URL): Promise<{ server: Server; url: string; recorded: Recorded[] }> {
  const recorded: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, path: target.pathname.replace(/\/v1$/, "") + (req.url ?? ""), method: req.method, headers: { ...req.headers, host: target.host } },
        (up) => {
          const out: Buffer[] = [];
          up.on("data", (c: Buffer) => out.push(c));
          up.on("end", () => {
            const text = Buffer.concat(out).toString("utf8");
            if (req.url?.endsWith("/chat/completions") && up.statusCode === 200) {
              const sent = JSON.parse(body.toString("utf8")) as { messages: Recorded["messages"]; max_tokens?: number };
              recorded.push({ messages: sent.messages, max_tokens: sent.max_tokens, answer: (JSON.parse(text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content });
            }
            res.writeHead(up.statusCode ?? 502, up.headers);
            res.end(text);
          });
        },
      );
      upstream.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, recorded };
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, killAfterMs: number): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let killed = false;
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    // A guard against promptfoo hanging (it globbed prompts for minutes before the fix), not a speed check.
    const timer = setTimeout(() => {
      killed = true;
      child.kill("SIGKILL");
    }, killAfterMs);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

interface PromptfooResults {
  results: {
    results: { score: number; namedScores: Record<string, number>; promptIdx: number; testCase: { vars: { ieopt_query: { text: string } } } }[];
    prompts: { label: string; metrics: { namedScores: Record<string, number> } }[];
  };
}

/** Runs the real `promptfoo eval` on a config (offline: no telemetry, sharing or cache) and reads its results. */
async function promptfooEval(dir: string, configFile: string): Promise<PromptfooResults> {
  const out = join(dir, "results.json");
  rmSync(out, { force: true });
  const env = {
    ...process.env,
    OPENAI_API_KEY: SECRET,
    PROMPTFOO_DISABLE_TELEMETRY: "1",
    PROMPTFOO_DISABLE_UPDATE: "1",
    PROMPTFOO_DISABLE_SHARING: "1",
    PROMPTFOO_CONFIG_DIR: join(dir, ".promptfoo"),
    PROMPTFOO_CACHE_PATH: join(dir, ".promptfoo-cache"),
    NO_COLOR: "1",
  };
  const r = await run(process.execPath, [PROMPTFOO, "eval", "-c", configFile, "-o", out, "--no-cache", "--no-table", "--no-progress-bar", "-j", "2"], env, dir, 240_000);
  expect(r.killed, `promptfoo hung:\n${r.stderr.slice(-2000)}`).toBe(false);
  // 0: all passed; 100: some queries scored below the pass mark (not an error).
  expect([0, 100], `promptfoo failed:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`).toContain(r.code);
  return JSON.parse(readFileSync(out, "utf8")) as PromptfooResults;
}

const installed = existsSync(PROMPTFOO);

describe.skipIf(!installed)("promptfoo export under the real promptfoo CLI", () => {
  let dir: string;
  let sim: ChildProcess;
  let simUrl: URL;

  beforeAll(async () => {
    dir = tempDir("ieopt-promptfoo-");
    sim = spawn(process.execPath, [join(ROOT, "bin/ieopt.js"), "sim", "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    simUrl = await new Promise<URL>((resolve, reject) => {
      let out = "";
      sim.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
        if (m) resolve(new URL(m[1]!));
      });
      sim.on("exit", (code) => reject(new Error(`ieopt sim serve exited ${code}`)));
    });
  });

  afterAll(() => {
    sim?.kill("SIGTERM");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("sends every query exactly as ieopt renders it (data literal, no gold, no env), and its LF1s equal ieopt's", async () => {
    const runs = join(dir, "runs");
    mkdirSync(join(runs, "r1"), { recursive: true });
    writeFileSync(join(runs, "r1/config.json"), "{}");
    const frozen = hostileFrozen();
    writeFileSync(join(runs, "r1/frozen.json"), JSON.stringify(frozen));
    const data = join(dir, "hostile.jsonl");
    writeFileSync(data, HOSTILE.map((s) => JSON.stringify(s)).join("\n") + "\n");
    // A file a `file://prompt.js` var would execute if promptfoo loaded it.
    writeFileSync(join(dir, "prompt.js"), "module.exports = () => ({ output: 'EXECUTED' });\n");
    const configFile = join(dir, "promptfooconfig.json");
    const exported = await ieopt("export", "--format", "promptfoo", "--run", "r1", "--runs-dir", runs, "--data", data, "--out", configFile);
    expect(exported.code).toBe(0);

    // Point the placeholder provider at the served sim (through the recording proxy).
    const proxy = await recordingProxy(simUrl);
    try {
      const config = JSON.parse(readFileSync(configFile, "utf8")) as PromptfooConfig;
      expect(readFileSync(configFile, "utf8")).not.toMatch(/\{\{\s*(gold|text|env)/);
      config.providers = [{ id: "openai:chat:sim", label: "sim", config: { ...config.providers[0]!.config, apiBaseUrl: proxy.url } }];
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const results = await promptfooEval(dir, configFile);

      // Every query promptfoo sent is exactly ieopt's request for that query.
      const prompt = promptFromFrozen(frozen);
      const queries = HOSTILE.flatMap((s) => expandSample(s, 6));
      expect(queries.length).toBe(HOSTILE.length + 2); // h8 and h9 are two queries each
      expect(proxy.recorded).toHaveLength(queries.length);
      const byQuery = new Map(proxy.recorded.map((rec) => [rec.messages[rec.messages.length - 1]!.content, rec]));
      const raw = new Map<string, string>();
      for (const q of queries) {
        const expected = buildRequest(prompt, q).messages;
        const rec = byQuery.get(expected[expected.length - 1]!.content);
        expect(rec, `no request carried query ${q.id} literally`).toBeDefined();
        expect(rec!.messages).toEqual(expected.map((m) => ({ role: m.role, content: m.content })));
        raw.set(q.id, rec!.answer);
      }
      const sent = JSON.stringify(proxy.recorded.map((rec) => rec.messages));
      expect(sent).not.toContain(SECRET);
      expect(sent).not.toContain("EXECUTED");
      for (const s of HOSTILE) if (s.labels.length > 0) expect(sent).not.toContain(JSON.stringify(s.labels));

      // promptfoo's per-query LF1 equals ieopt's on the same answers.
      const rows = results.results.results;
      expect(rows).toHaveLength(queries.length);
      for (const q of queries) {
        const text = buildRequest(prompt, q).messages.at(-1)!.content;
        const row = rows.find((x) => JSON.parse(x.testCase.vars.ieopt_query.text) === text)!;
        const outcome = outcomeFromText(prompt, q, raw.get(q.id)!, false);
        const expected = outcome.ok ? scoreSample("NER", outcome.records, q.labels as IERecord[], q.schema).lf1 : 0;
        expect(row.namedScores["LF1"], `${q.id}: ${JSON.stringify(row).slice(0, 1500)}`).toBeCloseTo(expected, 12);
      }

      // The derived metric equals ieopt's instance-pooled overall LF1 on the same answers.
      const preds = join(dir, "preds.jsonl");
      writeFileSync(preds, queries.map((q) => JSON.stringify({ id: q.id, output: raw.get(q.id) })).join("\n") + "\n");
      const batched = join(dir, "queries.jsonl");
      writeFileSync(batched, queries.map((q) => JSON.stringify(q)).join("\n") + "\n");
      const scored = await ieopt("score", "--gold", batched, "--pred", preds, "--json");
      expect(scored.code).toBe(0);
      const overall = (JSON.parse(scored.stdout) as { overall: { lf1: number } }).overall.lf1;
      const pooled = results.results.prompts[0]!.metrics.namedScores[POOLED_METRIC]!;
      expect(pooled).toBeCloseTo(overall, 9);
      const perQueryMean = (100 * rows.reduce((a, x) => a + (x.namedScores["LF1"] ?? 0), 0)) / rows.length;
      expect(Math.abs(perQueryMean - pooled)).toBeGreaterThan(1e-6); // the two figures differ here, as they do on xSID
    } finally {
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    }
  });
  it("a routing of two languages: each query goes out with its language's route (messages and decoding), and the scores equal ieopt eval's on the same routing and data", async () => {
    const base = { ...hostileFrozen(), pipeline: "direct" as const };
    const short = shortFrozen();
    const routing = join(dir, "routing.json");
    writeFileSync(routing, JSON.stringify({ format: ROUTING_FORMAT, task: "NER", default: "base", languages: { ara: "short", zho: "base" }, routes: { base, short }, provenance: {} }));
    const data = join(dir, "hostile-routed.jsonl");
    writeFileSync(data, HOSTILE.map((s) => JSON.stringify(s)).join("\n") + "\n");
    const configFile = join(dir, "promptfooconfig-routing.json");
    const exported = await ieopt("export", "--format", "promptfoo", "--prompt", routing, "--data", data, "--out", configFile);
    expect(exported.code, exported.stderr).toBe(0);

    const proxy = await recordingProxy(simUrl);
    try {
      const config = JSON.parse(readFileSync(configFile, "utf8")) as PromptfooConfig;
      expect(readFileSync(configFile, "utf8")).not.toMatch(/\{\{\s*(gold|text|env)/);
      expect(config.prompts).toHaveLength(2); // three demos vs one: two message layouts
      config.providers = [{ id: "openai:chat:sim", label: "sim", config: { ...config.providers[0]!.config, apiBaseUrl: proxy.url } }];
      writeFileSync(configFile, JSON.stringify(config, null, 2));
      const results = await promptfooEval(dir, configFile);

      // Each query went out once, as ieopt renders it with its language's route, with that route's max_tokens.
      const routeOf = (lang: string) => (lang === "ara" ? short : base);
      const queries = HOSTILE.flatMap((s) => expandSample(s, 6));
      expect(proxy.recorded).toHaveLength(queries.length);
      const byQuery = new Map(proxy.recorded.map((rec) => [rec.messages[rec.messages.length - 1]!.content + "\u0000" + rec.messages.length, rec]));
      const raw = new Map<string, string>();
      for (const q of queries) {
        const expected = buildRequest(promptFromFrozen(routeOf(q.lang)), q).messages;
        const rec = byQuery.get(expected[expected.length - 1]!.content + "\u0000" + expected.length);
        expect(rec, `no request carried query ${q.id} with its route's messages`).toBeDefined();
        expect(rec!.messages).toEqual(expected.map((m) => ({ role: m.role, content: m.content })));
        expect(rec!.max_tokens, q.id).toBe(routeOf(q.lang).decoding.max_tokens);
        raw.set(q.id, rec!.answer);
      }
      const sent = JSON.stringify(proxy.recorded.map((rec) => rec.messages));
      expect(sent).not.toContain(SECRET);
      expect(sent).toContain("List {{ gold }} and {{ env.OPENAI_API_KEY }} entities as JSON.");

      // Per query: promptfoo's LF1 equals ieopt's on the same answers.
      const rows = results.results.results;
      expect(rows).toHaveLength(queries.length);
      for (const q of queries) {
        const prompt = promptFromFrozen(routeOf(q.lang));
        const text = buildRequest(prompt, q).messages.at(-1)!.content;
        const row = rows.find((x) => JSON.parse(x.testCase.vars.ieopt_query.text) === text && results.results.prompts[x.promptIdx]!.label.includes(q.lang === "ara" ? "short" : "base"))!;
        expect(row, q.id).toBeDefined();
        const outcome = outcomeFromText(prompt, q, raw.get(q.id)!, false);
        const expected = outcome.ok ? scoreSample("NER", outcome.records, q.labels as IERecord[], q.schema).lf1 : 0;
        expect(row.namedScores["LF1"], q.id).toBeCloseTo(expected, 12);
      }

      // ieopt eval on the same routing and data (in-process sim: the same answers) gives the same scores.
      const evalOut = join(dir, "eval-routing");
      const evaluated = await ieopt("eval", "--prompt", routing, "--data", data, "--model", "sim", "--out", evalOut, "--json", "--quiet");
      expect(evaluated.code, evaluated.stderr).toBe(0);
      const report = JSON.parse(evaluated.stdout) as { results: { overall: { lf1: { value: number } }; by_lang: Record<string, { lf1: { value: number }; instances: number }>; predictions: string }[] };
      const routed = report.results[0]!;
      const predictions = readFileSync(routed.predictions, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; output: string });
      expect(predictions).toHaveLength(queries.length);
      for (const p of predictions) expect(p.output, p.id).toBe(raw.get(p.id));
      const pooled = (route: string) => results.results.prompts.find((p) => p.label.includes(route))!.metrics.namedScores[POOLED_PROMPT_METRIC]!;
      const langs = routed.by_lang;
      expect(pooled("short")).toBeCloseTo(langs["ara"]!.lf1.value, 9);
      const baseInstances = langs["zho"]!.instances + langs["eng"]!.instances;
      expect(pooled("base")).toBeCloseTo((langs["zho"]!.lf1.value * langs["zho"]!.instances + langs["eng"]!.lf1.value * langs["eng"]!.instances) / baseInstances, 9);
      const overall = (pooled("short") * langs["ara"]!.instances + pooled("base") * baseInstances) / HOSTILE.length;
      expect(overall).toBeCloseTo(routed.overall.lf1.value, 9);
      expect(Math.abs(pooled("short") - pooled("base"))).toBeGreaterThan(1e-6); // the two figures are not one number twice
    } finally {
      await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    }
  });
});

