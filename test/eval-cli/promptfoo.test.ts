import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSamples } from "../../src/data/jsonl.ts";
import { TASKS, type IERecord } from "../../src/data/sample.ts";
import { freezePrompt, promptFromFrozen, type FrozenPrompt } from "../../src/runs/frozen.ts";
import { buildRequest, outcomeFromText } from "../../src/eval/runner.ts";
import { createSimLM } from "../../sim/index.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { lf1AssertionCode } from "../../src/export/lf1-assertion.ts";
import { literal, POOLED_METRIC, POOLED_PROMPT_METRIC, type PromptfooConfig } from "../../src/export/promptfoo.ts";
import { ROUTING_FORMAT } from "../../src/pipelines/routing.ts";
import { getProgram, type Demo } from "../../programs/index.ts";
import { EXAMPLES, ieopt, oneDemoNerRoute, tempDir } from "./helpers.ts";

type Vars = Record<string, Record<string, unknown>>;
/**
 * What promptfoo's placeholders render to: `{{ var.field | load }}` and a routing's
 * `{{ var[other.key].field | load }}` are JSON.parse of the value they name.
 */
function renderPlaceholders(template: string, vars: Vars): string {
  const m = /^\{\{ (\w+)(?:\[(\w+)\.(\w+)\])?\.(\w+) \| load \}\}$/.exec(template);
  if (!m) throw new Error(`not a placeholder: ${template}`);
  const [, v, keyVar, keyField, field] = m;
  const holder = (keyVar ? (vars[v!]![String(vars[keyVar]![keyField!])] as Record<string, unknown>) : vars[v!])!;
  return JSON.parse(String(holder[field!])) as string;
}

const TRICKY_TEXT = "Template {{user}} met Ada in {% if x %}Paris{% endif %} {# note #} and wrote {% endraw %} twice.";

function frozenWithTrickyDemo(): FrozenPrompt {
  const program = getProgram("NER");
  const tricky: Demo = {
    input: { text: TRICKY_TEXT, schema: ["person", "location"] },
    records: [
      { entity: "Ada", entity_type: "person" },
      { entity: "Paris", entity_type: "location" },
    ],
    source: "labeled",
  };
  return freezePrompt(program, { instruction: "Extract {{entities}} exactly.", demos: [...program.defaultDemos.slice(0, 2), tricky], reasoning: false }, {
    run_id: "r1",
    optimizer: "test",
    settings: {},
    data: {},
    scores: {},
  });
}

/** A query's promptfoo vars as the export writes them (one query per instance here). */
function varsOf(sample: { id: string; labels: unknown; schema: unknown }) {
  return { ieopt_query: { gold: literal(JSON.stringify(sample.labels)), schema: literal(JSON.stringify(sample.schema)), instance: literal(sample.id), queries: 1, instances: 1 } };
}

describe("ieopt export --format promptfoo", () => {
  it("writes a promptfoo config: chat prompt with variables, decoding settings, tests with gold, an LF1 assertion", async () => {
    const runs = tempDir();
    mkdirSync(join(runs, "r1"));
    writeFileSync(join(runs, "r1/config.json"), "{}");
    const frozen = frozenWithTrickyDemo();
    writeFileSync(join(runs, "r1/frozen.json"), JSON.stringify(frozen));
    const data = join(EXAMPLES, "ner/test.jsonl");
    const outFile = join(runs, "promptfooconfig.json");
    const r = await ieopt("export", "--format", "promptfoo", "--run", "r1", "--runs-dir", runs, "--data", data, "--out", outFile);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(outFile, "utf8")) as PromptfooConfig;

    expect(config.providers).toHaveLength(1);
    expect(config.providers[0]!.config).toEqual({ temperature: 0, max_tokens: 256 });
    expect(JSON.stringify(config)).not.toMatch(/api[_-]?key/i);
    // The prompt is multi-line JSON (promptfoo never takes it for a path) of placeholders
    // only; no data-derived text appears in the config with a brace left in it.
    const raw = config.prompts[0]!.raw;
    expect(raw).toContain("\n");
    const template = JSON.parse(raw) as { role: string; content: string }[];
    expect(template.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    for (const m of template) expect(m.content).toMatch(/^\{\{ ieopt_(prompt\.m\d+|query\.text) \| load \}\}$/);
    const text = readFileSync(outFile, "utf8");
    expect(text).not.toContain("{{entities}}");
    expect(text).not.toContain("{% if x %}");
    for (const v of Object.values(config.defaultTest.vars.ieopt_prompt!)) expect(v).not.toMatch(/[{}]/);
    for (const t of config.tests) for (const v of [t.vars.ieopt_query.text, t.vars.ieopt_query.gold, t.vars.ieopt_query.schema]) expect(v).not.toMatch(/[{}]/);

    // Decoding the placeholders gives back exactly the messages ieopt sends, for every test.
    const samples = await readSamples(data);
    expect(config.tests).toHaveLength(samples.length);
    const prompt = promptFromFrozen(frozen);
    samples.forEach((sample, i) => {
      const test = config.tests[i]!;
      expect(test.metadata).toEqual({ id: sample.id, instance_id: sample.instance_id, lang: sample.lang, dataset: sample.dataset });
      const q = test.vars.ieopt_query;
      expect(JSON.parse(JSON.parse(q.gold) as string)).toEqual(sample.labels);
      expect(q.queries).toBe(samples.filter((s) => s.instance_id === sample.instance_id && s.lang === sample.lang && s.dataset === sample.dataset).length);
      expect(q.instances).toBe(new Set(samples.map((s) => s.instance_id)).size);
      expect(test.prompts).toBeUndefined();
      const vars = { ieopt_prompt: config.defaultTest.vars.ieopt_prompt!, ieopt_query: q };
      const rendered = template.map((m) => ({ role: m.role, content: renderPlaceholders(m.content, vars) }));
      expect(rendered).toEqual(buildRequest(prompt, sample).messages);
    });
    expect(renderPlaceholders("{{ ieopt_prompt.m5 | load }}", { ieopt_prompt: config.defaultTest.vars.ieopt_prompt! })).toContain(TRICKY_TEXT);
    expect(config.derivedMetrics).toEqual([{ name: POOLED_METRIC, value: "ieopt_instance_lf1_share" }]);

    const assertion = config.defaultTest.assert[0]!;
    expect(assertion).toMatchObject({ type: "javascript", metric: "LF1" });
    expect(assertion.value).toContain('const TASK = "NER"');
  });

  it("writes data as JSON string literals without braces, read back exactly", () => {
    for (const text of [TRICKY_TEXT, "{{", "a {%- endraw -%} b", "plain } text {", "{#x#}{{y}}{%z%}", "{{ env.HOME }}", "\u0000\\u007b"]) {
      const encoded = literal(text);
      expect(encoded).not.toMatch(/[{}]/);
      expect(JSON.parse(encoded)).toBe(text);
    }
  });

  it("the javascript LF1 assertion agrees with ieopt's LF1 on model outputs, for every task", async () => {
    for (const task of TASKS) {
      const code = lf1AssertionCode(task);
      const assertion = new Function("output", "context", code) as (o: unknown, c: { vars: ReturnType<typeof varsOf> }) => { pass: boolean; score: number; reason: string };
      const program = getProgram(task);
      const prompt = { program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false };
      const samples = (await readSamples(join(EXAMPLES, `${task.toLowerCase()}/test.jsonl`))).slice(0, 24);
      const lm = createSimLM("sim-large");
      let compared = 0;
      for (const sample of samples) {
        const raw = (await lm.complete(buildRequest(prompt, sample))).choices[0]!;
        const outcome = outcomeFromText(prompt, sample, raw, false);
        const got = assertion(raw, { vars: varsOf(sample) });
        if (!outcome.ok || !raw.trim().startsWith("[")) continue;
        expect(got.score).toBeCloseTo(scoreSample(task, outcome.records, sample.labels as IERecord[], sample.schema).lf1, 12);
        expect(got.pass).toBe(got.score >= 0.5);
        compared++;
      }
      expect(compared).toBeGreaterThan(10);
      // Gold itself scores 1; garbage scores 0.
      const s = samples.find((x) => x.labels.length > 0)!;
      const vars = varsOf(s);
      expect(assertion(JSON.stringify(s.labels), { vars }).score).toBe(1);
      expect(assertion("I could not find anything useful.", { vars })).toMatchObject({ pass: false, score: 0 });
    }
  });
});

/** A second NER prompt with another message layout (one demo) and its own max_tokens. */
const frozenShort = () => oneDemoNerRoute("List the {{ gold }} entities as JSON.", 0);

describe("ieopt export --format promptfoo with a frozen routing", () => {
  const data = join(EXAMPLES, "ner/test.jsonl");
  function writeRouting(dir: string, routes: Record<string, FrozenPrompt>, languages: Record<string, string>, name = "routing.json"): string {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify({ format: ROUTING_FORMAT, task: "NER", default: "base", languages, routes, provenance: {} }));
    return file;
  }

  it("renders each test with its language's route (default for the rest), one prompt per message layout, each test naming its prompt", async () => {
    const dir = tempDir();
    const base = { ...frozenWithTrickyDemo(), pipeline: "direct" as const };
    const short = frozenShort();
    const file = writeRouting(dir, { base, short }, { ara: "short", zho: "base" });
    const outFile = join(dir, "promptfooconfig.json");
    const r = await ieopt("export", "--format", "promptfoo", "--prompt", file, "--data", data, "--out", outFile);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(outFile, "utf8")) as PromptfooConfig;
    const text = readFileSync(outFile, "utf8");
    expect(text).not.toContain("{{ gold }} entities");
    expect(text).not.toContain("{{entities}}");

    // Two layouts (three demos, one demo): two prompts, each with its route's decoding.
    expect(config.prompts.map((p) => p.label)).toEqual(["ieopt:routing (prompt 1 of 2: base)", "ieopt:routing (prompt 2 of 2: short)"]);
    expect(config.prompts.map((p) => p.config)).toEqual([{ temperature: 0, max_tokens: 256 }, { temperature: 0, max_tokens: 300 }]);
    for (const p of config.prompts) for (const m of JSON.parse(p.raw) as { content: string }[]) expect(m.content).toMatch(/^\{\{ ieopt_(routes\[ieopt_query\.route\]\.m\d+|query\.text) \| load \}\}$/);
    const routes = config.defaultTest.vars.ieopt_routes!;
    expect(Object.keys(routes)).toEqual(["r1", "r2"]);
    for (const route of Object.values(routes)) for (const v of Object.values(route)) expect(v).not.toMatch(/[{}]/);
    expect(config.defaultTest.vars.ieopt_prompt).toBeUndefined();
    expect(config.derivedMetrics).toEqual([{ name: POOLED_PROMPT_METRIC, value: "ieopt_instance_lf1_share" }]);
    expect(config.description).toContain("r1 = 'base' (zho, every other language); r2 = 'short' (ara)");

    const samples = await readSamples(data);
    expect(config.tests).toHaveLength(samples.length);
    const araInstances = new Set(samples.filter((s) => s.lang === "ara").map((s) => s.instance_id)).size;
    const allInstances = new Set(samples.map((s) => `${s.lang}/${s.instance_id}`)).size;
    samples.forEach((sample, i) => {
      const test = config.tests[i]!;
      const isAra = sample.lang === "ara";
      expect(test.vars.ieopt_query.route).toBe(isAra ? "r2" : "r1");
      expect(test.metadata.route).toBe(isAra ? "short" : "base");
      expect(test.prompts).toEqual([config.prompts[isAra ? 1 : 0]!.label]);
      expect(test.vars.ieopt_query.instances).toBe(isAra ? araInstances : allInstances - araInstances);
      const template = JSON.parse(config.prompts[isAra ? 1 : 0]!.raw) as { role: string; content: string }[];
      const vars = { ieopt_routes: routes, ieopt_query: test.vars.ieopt_query };
      const rendered = template.map((m) => ({ role: m.role, content: renderPlaceholders(m.content, vars) }));
      expect(rendered).toEqual(buildRequest(promptFromFrozen(isAra ? short : base), sample).messages);
    });
  });

  it("routes with one layout share one prompt: no per-test selection, and the pooled figure is the overall one", async () => {
    const dir = tempDir();
    const base = frozenWithTrickyDemo();
    const other = { ...base, instruction: "Another instruction: extract the entities." };
    const file = writeRouting(dir, { base, other }, { deu: "other", spa: "other" }, "same-layout.json");
    const r = await ieopt("export", "--format", "promptfoo", "--prompt", file, "--data", data);
    expect(r.code, r.stderr).toBe(0);
    const config = JSON.parse(r.stdout) as PromptfooConfig;
    expect(config.prompts).toHaveLength(1);
    expect(config.prompts[0]!.label).toBe("ieopt:same-layout");
    expect(config.derivedMetrics[0]!.name).toBe(POOLED_METRIC);
    const template = JSON.parse(config.prompts[0]!.raw) as { role: string; content: string }[];
    const samples = await readSamples(data);
    samples.forEach((sample, i) => {
      const test = config.tests[i]!;
      expect(test.prompts).toBeUndefined();
      const vars = { ieopt_routes: config.defaultTest.vars.ieopt_routes!, ieopt_query: test.vars.ieopt_query };
      const rendered = template.map((m) => ({ role: m.role, content: renderPlaceholders(m.content, vars) }));
      expect(rendered[0]!.content, sample.id).toContain(["deu", "spa"].includes(sample.lang) ? "Another instruction" : "Extract {{entities}} exactly.");
      expect(rendered).toEqual(buildRequest(promptFromFrozen(["deu", "spa"].includes(sample.lang) ? other : base), sample).messages);
    });
  });

  it("refuses translate-test and transfusion routes, naming the languages that take them; a direct-only subset of the data exports", async () => {
    const dir = tempDir();
    const base = frozenWithTrickyDemo();
    const file = writeRouting(dir, { base, fused: { ...base, pipeline: "transfusion" }, tt: { ...base, pipeline: "translate-test" } }, { deu: "fused", rus: "fused", zho: "tt" });
    const out = join(dir, "never.json");
    const r = await ieopt("export", "--format", "promptfoo", "--prompt", file, "--data", data, "--out", out);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} field 'routes': cannot export deu, rus → route 'fused' (transfusion); zho → route 'tt' (translate-test)`);
    expect(r.stderr).toContain("promptfoo sends one request per test");
    expect(existsSync(out)).toBe(false);
    // Without data every routed language is checked, and the default route too.
    const defaultFused = writeRouting(dir, { base: { ...base, pipeline: "transfusion" }, d: base }, { deu: "d" }, "default-fused.json");
    const noData = await ieopt("export", "--format", "promptfoo", "--prompt", defaultFused);
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain("cannot export every other language (the default route) → route 'base' (transfusion)");
    // Data in languages whose routes are direct exports.
    const directOnly = join(dir, "eng-ara.jsonl");
    writeFileSync(directOnly, readFileSync(data, "utf8").split("\n").filter((l) => /"lang":\s*"(eng|ara)"/.test(l)).join("\n") + "\n");
    const ok = await ieopt("export", "--format", "promptfoo", "--prompt", file, "--data", directOnly);
    expect(ok.code, ok.stderr).toBe(0);
    expect((JSON.parse(ok.stdout) as PromptfooConfig).tests).toHaveLength(16);
  });

  it("--prompt takes a single frozen prompt too (an explicit direct pipeline is fine), --format frozen validates a routing, and --run/--prompt are one or the other", async () => {
    const dir = tempDir();
    const single = join(dir, "frozen.json");
    writeFileSync(single, JSON.stringify({ ...frozenWithTrickyDemo(), pipeline: "direct" }));
    const one = await ieopt("export", "--format", "promptfoo", "--prompt", single, "--data", data);
    expect(one.code, one.stderr).toBe(0);
    expect((JSON.parse(one.stdout) as PromptfooConfig).prompts.map((p) => p.label)).toEqual(["ieopt:r1"]);
    writeFileSync(single, JSON.stringify({ ...frozenWithTrickyDemo(), pipeline: "translate-test" }));
    const chained = await ieopt("export", "--format", "promptfoo", "--prompt", single);
    expect(chained.code).toBe(2);
    expect(chained.stderr).toContain("the translate-test pipeline, which chains several calls per sample");

    const file = writeRouting(dir, { base: frozenWithTrickyDemo() }, { deu: "base" });
    // No --data: the routes the routing names, no tests yet.
    const bare = await ieopt("export", "--format", "promptfoo", "--prompt", writeRouting(dir, { base: frozenWithTrickyDemo(), short: frozenShort(), unused: frozenShort() }, { ara: "short" }, "bare.json"));
    expect(bare.code, bare.stderr).toBe(0);
    const bareConfig = JSON.parse(bare.stdout) as PromptfooConfig;
    expect(bareConfig.tests).toEqual([]);
    expect(Object.keys(bareConfig.defaultTest.vars.ieopt_routes!)).toEqual(["r1", "r2"]);
    expect(bareConfig.prompts).toHaveLength(2);
    expect(bareConfig.description).toContain("add tests with --data FILE");
    // The provider is the routes' model when they share one, else the placeholder to edit.
    const tuned = (f: FrozenPrompt, model: string): FrozenPrompt => ({ ...f, provenance: { ...f.provenance, models: { inference: { model, base_url: "http://127.0.0.1:9/v1" } } } });
    const providerOf = async (models: [string, string]) => {
      const routing = writeRouting(dir, { base: tuned(frozenWithTrickyDemo(), models[0]), short: tuned(frozenShort(), models[1]) }, { ara: "short" }, "tuned.json");
      const r = await ieopt("export", "--format", "promptfoo", "--prompt", routing);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as PromptfooConfig).providers[0]!;
    };
    expect(await providerOf(["gpt-4o", "gpt-4o"])).toMatchObject({ id: "openai:chat:gpt-4o", config: { apiBaseUrl: "http://127.0.0.1:9/v1" } });
    expect((await providerOf(["gpt-4o", "gpt-4.1"])).label).toContain("the routes were tuned with different models");
    const frozen = await ieopt("export", "--prompt", file);
    expect(frozen.code, frozen.stderr).toBe(0);
    expect(JSON.parse(frozen.stdout)).toMatchObject({ format: ROUTING_FORMAT, default: "base", languages: { deu: "base" } });

    const both = await ieopt("export", "--run", "r1", "--prompt", file);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("either --run RUN or --prompt FILE, not both");
    const none = await ieopt("export", "--format", "promptfoo");
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("--run RUN (a run's frozen prompt) or --prompt FILE");
  });
});
