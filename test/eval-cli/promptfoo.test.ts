import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSamples } from "../../src/data/jsonl.ts";
import { TASKS, type IERecord } from "../../src/data/sample.ts";
import { freezePrompt, promptFromFrozen, type FrozenPrompt } from "../../src/runs/frozen.ts";
import { buildRequest, outcomeFromText } from "../../src/eval/runner.ts";
import { createSimLM } from "../../sim/index.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { lf1AssertionCode } from "../../src/export/lf1-assertion.ts";
import { literal, POOLED_METRIC, type PromptfooConfig } from "../../src/export/promptfoo.ts";
import { getProgram, type Demo } from "../../programs/index.ts";
import { EXAMPLES, ieopt, tempDir } from "./helpers.ts";

/** What promptfoo's `{{ var.field | load }}` placeholders render to: JSON.parse of the value. */
function renderPlaceholders(template: string, vars: Record<string, Record<string, string | number>>): string {
  return template.replace(/^\{\{ (\w+)\.(\w+) \| load \}\}$/, (_, v: string, f: string) => JSON.parse(String(vars[v]![f])) as string);
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
  return { ieopt_query: { gold: literal(JSON.stringify(sample.labels)), schema: literal(JSON.stringify(sample.schema)), instance: literal(sample.id), queries: 1 } };
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
    for (const v of Object.values(config.defaultTest.vars.ieopt_prompt)) expect(v).not.toMatch(/[{}]/);
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
      const vars = { ieopt_prompt: config.defaultTest.vars.ieopt_prompt, ieopt_query: q };
      const rendered = template.map((m) => ({ role: m.role, content: renderPlaceholders(m.content, vars) }));
      expect(rendered).toEqual(buildRequest(prompt, sample).messages);
    });
    expect(renderPlaceholders("{{ ieopt_prompt.m5 | load }}", { ieopt_prompt: config.defaultTest.vars.ieopt_prompt })).toContain(TRICKY_TEXT);
    expect(config.derivedMetrics).toEqual([{ name: POOLED_METRIC, value: `100 * ieopt_instance_lf1_sum / ${new Set(samples.map((s) => s.instance_id)).size}` }]);

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
