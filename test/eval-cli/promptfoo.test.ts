import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readSamples } from "../../src/data/jsonl.ts";
import { TASKS, type IERecord } from "../../src/data/sample.ts";
import { freezePrompt, promptFromFrozen, type FrozenPrompt } from "../../src/runs/frozen.ts";
import { buildRequest, outcomeFromText } from "../../src/eval/runner.ts";
import { createSimLM } from "../../sim/index.ts";
import { scoreSample } from "../../src/metrics/lf1.ts";
import { escapeNunjucks } from "../../src/export/nunjucks.ts";
import { lf1AssertionCode } from "../../src/export/lf1-assertion.ts";
import type { PromptfooConfig } from "../../src/export/promptfoo.ts";
import { getProgram, type Demo } from "../../programs/index.ts";
import { EXAMPLES, ieopt, tempDir } from "./helpers.ts";

/**
 * The subset of Nunjucks our exports use, rendered strictly: {% raw %}…{% endraw %},
 * {{ "literal" }} and {{var}}. Any other template syntax outside raw is an error, so a
 * demo that was not escaped fails here as it would mis-render in promptfoo.
 */
function renderNunjucksSubset(template: string, vars: Record<string, string>): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const next = template.slice(i).search(/\{[{%#]/);
    if (next === -1) {
      out += template.slice(i);
      break;
    }
    out += template.slice(i, i + next);
    i += next;
    const rest = template.slice(i);
    let m: RegExpExecArray | null;
    if ((m = /^\{% raw %\}([\s\S]*?)\{% endraw %\}/.exec(rest))) out += m[1];
    else if ((m = /^\{\{ "([^"]*)" \}\}/.exec(rest))) out += m[1];
    else if ((m = /^\{\{(\w+)\}\}/.exec(rest))) {
      if (!(m[1]! in vars)) throw new Error(`undefined variable ${m[1]}`);
      out += vars[m[1]!];
    } else throw new Error(`unescaped template syntax at: ${rest.slice(0, 30)}`);
    i += m[0].length;
  }
  return out;
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
    const messages = JSON.parse(config.prompts[0]!.raw) as { role: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "user", "assistant", "user", "assistant", "user"]);
    const query = messages[messages.length - 1]!.content;
    expect(query).toContain("{{schema}}");
    expect(query).toContain("{{text}}");

    // Template characters in the instruction and demos are escaped…
    expect(messages[0]!.content).toBe("{% raw %}Extract {{entities}} exactly.{% endraw %}");
    expect(messages[5]!.content).toContain("{% raw %}");
    // …so rendering gives back exactly the messages ieopt sends, for every test.
    const samples = await readSamples(data);
    expect(config.tests).toHaveLength(samples.length);
    const prompt = promptFromFrozen(frozen);
    samples.forEach((sample, i) => {
      const test = config.tests[i]!;
      expect(test.metadata).toEqual({ id: sample.id, instance_id: sample.instance_id, lang: sample.lang, dataset: sample.dataset });
      expect(JSON.parse(test.vars.gold)).toEqual(sample.labels);
      const rendered = messages.map((m) => ({ role: m.role, content: renderNunjucksSubset(m.content, test.vars) }));
      expect(rendered).toEqual(buildRequest(prompt, sample).messages);
    });
    expect(renderNunjucksSubset(messages[5]!.content, {})).toContain(TRICKY_TEXT);

    const assertion = config.defaultTest.assert[0]!;
    expect(assertion).toMatchObject({ type: "javascript", metric: "LF1" });
    expect(assertion.value).toContain('const TASK = "NER"');
  });

  it("escapes every kind of template syntax, including a literal endraw", () => {
    for (const text of [TRICKY_TEXT, "{{", "a {%- endraw -%} b", "plain } text {", "{#x#}{{y}}{%z%}"]) {
      expect(renderNunjucksSubset(escapeNunjucks(text), {})).toBe(text);
    }
    expect(escapeNunjucks("no templates here")).toBe("no templates here");
  });

  it("the javascript LF1 assertion agrees with ieopt's LF1 on model outputs, for every task", async () => {
    for (const task of TASKS) {
      const code = lf1AssertionCode(task);
      const assertion = new Function("output", "context", code) as (o: unknown, c: { vars: Record<string, string> }) => { pass: boolean; score: number; reason: string };
      const program = getProgram(task);
      const prompt = { program, instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false };
      const samples = (await readSamples(join(EXAMPLES, `${task.toLowerCase()}/test.jsonl`))).slice(0, 24);
      const lm = createSimLM("sim-large");
      let compared = 0;
      for (const sample of samples) {
        const raw = (await lm.complete(buildRequest(prompt, sample))).choices[0]!;
        const outcome = outcomeFromText(prompt, sample, raw, false);
        const vars = { gold: JSON.stringify(sample.labels), schema: JSON.stringify(sample.schema) };
        const got = assertion(raw, { vars });
        if (!outcome.ok || !raw.trim().startsWith("[")) continue;
        expect(got.score).toBeCloseTo(scoreSample(task, outcome.records, sample.labels as IERecord[], sample.schema).lf1, 12);
        expect(got.pass).toBe(got.score >= 0.5);
        compared++;
      }
      expect(compared).toBeGreaterThan(10);
      // Gold itself scores 1; garbage scores 0.
      const s = samples.find((x) => x.labels.length > 0)!;
      const vars = { gold: JSON.stringify(s.labels), schema: JSON.stringify(s.schema) };
      expect(assertion(JSON.stringify(s.labels), { vars }).score).toBe(1);
      expect(assertion("I could not find anything useful.", { vars })).toMatchObject({ pass: false, score: 0 });
    }
  });
});
