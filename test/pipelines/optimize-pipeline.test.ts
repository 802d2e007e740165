/**
 * `ieopt optimize --pipeline`: the search scores validation samples through the pipeline,
 * the run records the translator and the pipeline, the frozen prompt carries it, and
 * `ieopt eval` runs a frozen prompt under its own pipeline unless --pipeline says otherwise.
 * θ and the translator are the sim (an untranslated copy): sim numbers, plumbing only.
 */
import { readFileSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

describe("optimize --pipeline", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("ieopt-opt-pipeline-");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const runsDir = () => join(dir, "runs");
  const small = () => ["--trials", "3", "--demo-sets", "2", "--instructions", "2", "--minibatch", "5", "--full-eval-every", "2", "--runs-dir", runsDir(), "--quiet"];

  it("records the pipeline and its translator, freezes it, and eval runs the frozen prompt under it", async () => {
    const r = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/test.jsonl"), "--pipeline", "translate-test", ...small());
    expect(r.code, r.stderr).toBe(0);
    const runs = runsDir();
    const [runId] = readdirSync(runs);
    const config = JSON.parse(readFileSync(join(runs, runId!, "config.json"), "utf8"));
    expect(config.settings.pipeline).toBe("translate-test");
    expect(config.models.translate).toEqual({ model: "sim" });
    const frozen = JSON.parse(readFileSync(join(runs, runId!, "frozen.json"), "utf8"));
    expect(frozen.pipeline).toBe("translate-test");

    const e = await ieopt("eval", "--prompt", join(runs, runId!, "frozen.json"), "--data", join(EXAMPLES, "sf/test.jsonl"), "--out", join(dir, "eval"), "--json", "--runs-dir", runs);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.results.map((p: { prompt: string }) => p.prompt)).toEqual([`${runId}@translate-test`]);
    expect(report.results[0].pipeline.translated).toBeGreaterThan(0);

    const both = await ieopt("eval", "--prompt", join(runs, runId!, "frozen.json"), "--pipeline", "direct,transfusion", "--data", join(EXAMPLES, "sf/test.jsonl"), "--out", join(dir, "eval2"), "--json", "--runs-dir", runs);
    expect(both.code, both.stderr).toBe(0);
    expect(JSON.parse(both.stdout).results.map((p: { prompt: string }) => p.prompt)).toEqual([runId, `${runId}@transfusion`]);
  });

  it("refuses an unknown pipeline or several, naming the choices", async () => {
    const bad = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/test.jsonl"), "--pipeline", "translate", ...small());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown pipeline 'translate'; expected direct, translate-test, transfusion");
    const two = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/test.jsonl"), "--pipeline", "direct,transfusion", ...small());
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("optimize runs one pipeline");
  });
});

describe("export of a pipeline prompt", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("ieopt-export-pipeline-");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  it("promptfoo refuses a frozen prompt that runs under translate-test, naming the field", async () => {
    const runs = join(dir, "runs");
    const r = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/test.jsonl"), "--pipeline", "transfusion", "--trials", "2", "--demo-sets", "1", "--instructions", "1", "--minibatch", "5", "--full-eval-every", "2", "--runs-dir", runs, "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const [runId] = readdirSync(runs);
    const e = await ieopt("export", "--run", runId!, "--format", "promptfoo", "--runs-dir", runs, "--data", join(EXAMPLES, "sf/test.jsonl"));
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("field 'pipeline': the prompt runs under the transfusion pipeline");
  });
});
