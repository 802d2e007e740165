/**
 * The renderer as a searched dimension: `ieopt optimize --renderers json,code` adds a third
 * categorical dimension to the TPE search (trials.jsonl records each trial's renderer), and a
 * frozen prompt that records the code renderer is rendered code-style by `ieopt eval`.
 * The sim answers code-style prompts in JSON (it cannot write calls): sim numbers, plumbing.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAMS } from "../../programs/index.ts";
import { freezePrompt, loadFrozenPrompt, promptFromFrozen, writeFrozenPrompt } from "../../src/runs/frozen.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

let dir = "";
beforeAll(() => {
  dir = tempDir("ieopt-renderers-");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("optimize --renderers", () => {
  it("searches the renderer as a third dimension and records it per trial", async () => {
    const runs = join(dir, "runs");
    const r = await ieopt("optimize", "--task", "NER", "--train", join(EXAMPLES, "ner/train.jsonl"), "--val", join(EXAMPLES, "ner/dev.jsonl"),
      "--trials", "8", "--demo-sets", "2", "--instructions", "2", "--minibatch", "5", "--full-eval-every", "2", "--renderers", "json,code", "--runs-dir", runs, "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const [runId] = readdirSync(runs);
    const config = JSON.parse(readFileSync(join(runs, runId!, "config.json"), "utf8"));
    expect(config.settings.renderers).toEqual(["json", "code"]);
    const log = readFileSync(join(runs, runId!, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const trials = log.filter((l) => l.kind === "trial");
    expect(trials).toHaveLength(8);
    expect(new Set(trials.map((t) => t.params.renderer))).toEqual(new Set(["json", "code"]));
    for (const f of log.filter((l) => l.kind === "full_eval")) expect(["json", "code"]).toContain(f.params.renderer);
    const frozen = JSON.parse(readFileSync(join(runs, runId!, "frozen.json"), "utf8"));
    // The frozen prompt records the renderer unless it is the programs' own (or the default prompt was kept).
    if (frozen.provenance.scores.chosen === "search" && frozen.provenance.scores.combination.renderer === "code") expect(frozen.renderer.name).toBe("code");
    else expect(frozen.renderer).toBeUndefined();
  });

  it("refuses an unknown renderer", async () => {
    const r = await ieopt("optimize", "--task", "NER", "--train", join(EXAMPLES, "ner/train.jsonl"), "--val", join(EXAMPLES, "ner/dev.jsonl"), "--renderers", "json,yaml", "--runs-dir", join(dir, "runs2"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown renderer 'yaml'; expected json, code");
  });
});

describe("a frozen code-style prompt", () => {
  it("loads with its renderer and examples, and eval renders it code-style", async () => {
    const program = PROGRAMS.NER;
    const file = join(dir, "code-frozen.json");
    writeFrozenPrompt(file, freezePrompt(program, { instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false, renderer: { name: "code", examples: { person: ["Ada Lovelace"] } } }, { optimizer: "test", settings: {}, data: {}, scores: {} }));
    const prompt = promptFromFrozen(loadFrozenPrompt(file));
    expect(prompt.program.version).toMatch(new RegExp(`^${program.version.replace(/\./g, "\\.")}\\+code\\.`));
    const messages = prompt.program.render(program.defaultDemos[0]!.input, prompt);
    expect(messages[1]!.content).toContain('"""A person (the mention, copied exactly from the text). Examples: "Ada Lovelace"."""');
    const e = await ieopt("eval", "--prompt", file, "--data", join(EXAMPLES, "ner/test.jsonl"), "--out", join(dir, "eval"), "--json");
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.prompts[0].source.program_version).toBe(prompt.program.version);
    expect(report.results[0].outcomes.samples).toBeGreaterThan(0);
  });
});
