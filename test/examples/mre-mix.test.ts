/**
 * The open-programs proof: a user task (examples/programs/mre-mix.ts, written only against
 * the public API) runs optimize → frozen → eval → score, offline with the sim — through the
 * library with a custom metric, custom tips and a custom sampler, and through the CLI
 * with --program / --metric / --tips. All scores here are sim numbers.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildRoleModels, evaluatePrompts, optimize, parseFrozenPrompt, promptFromFrozen, RandomSampler, readSamples, registerProgram,
  scoreSample, type Metric, type Sampler,
} from "ieopt";
import { simModels } from "../../sim/index.ts";
import { scoreFiles } from "../../src/eval/score-files.ts";
import { classAccuracy, mreMixMetric, program } from "../../examples/programs/mre-mix.ts";
import { ROOT, runIeopt, testTemp } from "../helpers/cli.ts";
import { lf1AssertionCode } from "../../src/export/lf1-assertion.ts";

const DATA = join(ROOT, "examples/data/mre");
const TIP = "Remind the model that the sentence class is one record at the very end of the list.";

describe("mre-mix metric", () => {
  const gold = [{ entity: "Paris", entity_type: "location" }, { sentence_class: "sports" }];
  it("averages LF1 on the entities and accuracy on the class (hand-computed)", () => {
    expect(mreMixMetric.score(program.definition, gold, gold, ["location"])).toBe(1);
    // Entities right, class wrong: ½·1 + ½·0.
    expect(mreMixMetric.score(program.definition, [gold[0]!, { sentence_class: "weather" }], gold, ["location"])).toBe(0.5);
    // Class right, "Pari" for "Paris" (sim 4/5 both ways): ½·0.8 + ½·1.
    expect(mreMixMetric.score(program.definition, [{ entity: "Pari", entity_type: "location" }, { sentence_class: "SPORTS" }], gold, ["location"])).toBeCloseTo(0.9, 12);
    expect(classAccuracy(null, gold)).toBe(0);
  });

  it("the promptfoo LF1 assertion skips the class record like ieopt's routing", () => {
    const assertion = new Function("output", "context", lf1AssertionCode(program.definition)) as (o: string, c: unknown) => { score: number };
    const pred = [{ entity: "Pari", entity_type: "location" }, { sentence_class: "weather" }];
    const vars = { ieopt_query: { gold: JSON.stringify(JSON.stringify(gold)), schema: JSON.stringify(JSON.stringify(["location"])), instance: "x", queries: 1 } };
    expect(assertion(JSON.stringify(pred), { vars }).score).toBeCloseTo(scoreSample(program.definition, pred, gold, ["location"]).lf1, 12);
  });

  it("LF1 ignores the text-level class record; the program parses both record kinds", () => {
    expect(scoreSample(program.definition, [gold[0]!], gold, ["location"]).lf1).toBe(1);
    const parsed = program.parse('[{"entity": "Paris", "entity_type": "Location"}, {"class": "sports"}]', { schema: ["location"] });
    expect(parsed.ok && parsed.records).toEqual([{ entity: "Paris", entity_type: "location" }, { sentence_class: "sports" }]);
  });
});

describe("mre-mix end to end (sim)", () => {
  it("through the library: optimize in memory with a custom metric, tips and sampler → frozen → evaluatePrompts → score", async () => {
    registerProgram(program);
    const train = await readSamples(join(DATA, "train.jsonl"));
    const val = await readSamples(join(DATA, "dev.jsonl"));
    let metricCalls = 0;
    const metric: Metric = { name: "mre-mix-counted", score: (...args) => (metricCalls++, mreMixMetric.score(...args)) };
    const random = new RandomSampler({ seed: 7 });
    let asked = 0;
    const sampler: Sampler = { sample: (space, trials, n) => (asked++, random.sample(space, trials, n)) };
    const runsDir = join(testTemp(), "runs");
    const models = buildRoleModels({ model: "sim", cache: false }, { local: simModels });

    const outcome = await optimize({
      program, train, val, models, metric, sampler, inMemory: true, runsDir,
      tips: [{ id: "class-last", text: TIP }],
      settings: { trials: 6, minibatch: 6, fullEvalEvery: 3, demoSets: 2, demos: 2, instructions: 3, seed: 1 },
    });
    expect(existsSync(runsDir)).toBe(false); // in memory: nothing on disk
    expect(outcome.frozenPath).toBeUndefined();
    expect(asked).toBe(6);
    expect(metricCalls).toBeGreaterThan(0);
    expect(outcome.settings.metric).toBe("mre-mix-counted");
    const candidates = outcome.run.readJson<{ exchanges: { messages: { content: string }[] }[] }>("candidates.json");
    expect(candidates.exchanges.some((e) => e.messages.some((m) => m.content.includes(TIP)))).toBe(true);

    // The frozen prompt round-trips through the contract (task + program_version).
    const frozen = parseFrozenPrompt(JSON.parse(JSON.stringify(outcome.frozen)), "frozen.json");
    expect(frozen.task).toBe("MRE-MIX");
    expect(frozen.program_version).toBe(program.version);

    const outDir = testTemp();
    const { report } = await evaluatePrompts({
      prompts: [{ name: "optimized", kind: "frozen", task: frozen.task, prompt: promptFromFrozen(frozen), source: { spec: "memory" } }],
      models: [{ name: "sim", simulated: true, endpoint: undefined, roles: models }],
      data: [join(DATA, "test.jsonl")],
      outDir,
      iterations: 50,
    });
    const [result] = report.results;
    expect(result!.simulated).toBe(true);
    expect(Object.keys(result!.by_lang).sort()).toEqual(["deu", "eng", "fra", "spa"]);

    // Scoring the kept predictions file gives the report's overall LF1.
    const predictions = readdirSync(join(outDir, "predictions")).find((f) => /^optimized--sim\.jsonl$/.test(f))!;
    const scored = await scoreFiles({ gold: join(DATA, "test.jsonl"), pred: join(outDir, "predictions", predictions) });
    expect(scored.summary.overall.lf1).toBeCloseTo(result!.overall.lf1.value!, 9);
  });

  it("from the CLI: optimize --program --metric --tips → eval --program → score --program --json", async () => {
    const dir = testTemp();
    const tips = join(dir, "tips");
    mkdirSync(tips);
    writeFileSync(join(tips, "class-last.txt"), TIP);
    const runsDir = join(dir, "runs");
    const file = "examples/programs/mre-mix.ts";
    const validate = await runIeopt(["data", "validate", "--program", file, join(DATA, "train.jsonl"), join(DATA, "test.jsonl")]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain("MRE-MIX 24; eng 6, deu 6, spa 6, fra 6");
    const opt = await runIeopt([
      "optimize", "--program", file, "--metric", file, "--tips", tips, "--train", join(DATA, "train.jsonl"), "--val", join(DATA, "dev.jsonl"),
      "--trials", "4", "--minibatch", "6", "--full-eval-every", "2", "--demo-sets", "2", "--demos", "2", "--instructions", "3",
      "--runs-dir", runsDir, "--no-cache", "--quiet",
    ]);
    expect(opt.code, opt.stderr).toBe(0);
    expect(opt.stdout).toContain("(sim)");
    const [runId] = readdirSync(runsDir);
    const frozenFile = join(runsDir, runId!, "frozen.json");
    const frozen = JSON.parse(readFileSync(frozenFile, "utf8"));
    expect(frozen).toMatchObject({ task: "MRE-MIX", program_version: program.version, provenance: { scores: { metric: "mre-mix" } } });
    const candidates = JSON.parse(readFileSync(join(runsDir, runId!, "candidates.json"), "utf8"));
    expect(JSON.stringify(candidates.exchanges)).toContain(TIP);

    const out = join(dir, "eval");
    const ev = await runIeopt(["eval", "--program", file, "--prompt", `optimized=${frozenFile}`, "--data", join(DATA, "test.jsonl"), "--model", "sim", "--out", out, "--no-cache", "--quiet", "--bootstrap", "50"]);
    expect(ev.code, ev.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));

    const score = await runIeopt(["score", "--program", file, "--gold", join(DATA, "test.jsonl"), "--pred", join(out, "predictions", "optimized--sim.jsonl"), "--json"]);
    expect(score.code, score.stderr).toBe(0);
    expect(JSON.parse(score.stdout).overall.lf1).toBeCloseTo(report.results[0].overall.lf1.value, 9);

    // Without --program the task is unknown: a clear input error.
    const bare = await runIeopt(["score", "--gold", join(DATA, "test.jsonl"), "--pred", join(out, "predictions", "optimized--sim.jsonl")]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("unknown task 'MRE-MIX'");
  });
});
