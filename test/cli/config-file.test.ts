/**
 * `--config FILE` through the real CLI: a YAML or JSON file with the flags' names, flags on
 * the command line override it, the run records it, and a bad file names file and key.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, ieopt } from "../eval-cli/helpers.ts";

const work = mkdtempSync(join(tmpdir(), "ieopt-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const SF = join(EXAMPLES, "sf");
const trialsOf = (runDir: string) => readFileSync(join(runDir, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((r) => r.kind === "trial").map(({ params, minibatch, score_0_1 }) => ({ params, minibatch, score_0_1 }));
const onlyRun = (dir: string) => join(dir, readdirSync(dir)[0]!);

describe("--config FILE", () => {
  it("a YAML study file runs the same study as its flags, is recorded in the run, and flags override it", async () => {
    const yaml = join(work, "study.yaml");
    writeFileSync(yaml, [
      "# one file, one study",
      "task: SF",
      `train: ${join(SF, "train.jsonl")}`,
      `val: ${join(SF, "dev.jsonl")}`,
      "trials: 4",
      "minibatch: 8",
      "full-eval-every: 2",
      "demoSets: 2",
      "instructions: 2",
      "seed: 11",
      "quiet: true",
    ].join("\n") + "\n");
    const fromFile = join(work, "from-file");
    const a = await ieopt("optimize", "--config", yaml, "--runs-dir", fromFile);
    expect(a.code, a.stderr).toBe(0);
    const fromFlags = join(work, "from-flags");
    const b = await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--trials", "4", "--minibatch", "8",
      "--full-eval-every", "2", "--demo-sets", "2", "--instructions", "2", "--seed", "11", "--quiet", "--runs-dir", fromFlags);
    expect(b.code, b.stderr).toBe(0);
    expect(trialsOf(onlyRun(fromFile))).toEqual(trialsOf(onlyRun(fromFlags)));
    const config = JSON.parse(readFileSync(join(onlyRun(fromFile), "config.json"), "utf8"));
    expect(config.config_file).toEqual({ path: yaml, values: expect.objectContaining({ task: "SF", trials: "4", fullEvalEvery: "2", seed: "11" }) });
    expect(config.config_file.values.runsDir).toBeUndefined(); // given on the command line
    expect(config.settings).toMatchObject({ trials: 4, minibatch: 8, fullEvalEvery: 2, demoSets: 2, instructions: 2, seed: "11" });

    const overridden = join(work, "overridden");
    expect((await ieopt("optimize", "--config", yaml, "--trials", "3", "--runs-dir", overridden)).code).toBe(0);
    expect(trialsOf(onlyRun(overridden))).toHaveLength(3);
  });

  it("a JSON file works for predict (lists for repeatable flags)", async () => {
    const data = join(work, "u.jsonl");
    writeFileSync(data, `${JSON.stringify({ id: "u1", text: "wake me at 7 am", schema: ["datetime"] })}\n`);
    const out = join(work, "records.jsonl");
    const json = join(work, "predict.json");
    writeFileSync(json, JSON.stringify({ prompt: "default:SF", data: [data], out, quiet: true }));
    const r = await ieopt("predict", "--config", json, "--json");
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ instances: 1, out });
  });

  it("names the file and the key of what is wrong, and refuses keys in files", async () => {
    const cases: [string, string][] = [
      ["trails: 4\n", "field 'trails': not a flag of ieopt optimize (keys are its flags: task,"],
      ["trials: four\n", "field 'trials': must be a whole number"],
      ["quiet: 3\n", "field 'quiet':"],
      ["api-key: sk-secret\n", "field 'api-key': API keys do not belong in files; set OPENAI_API_KEY"],
      ["- trials\n", "a config file holds one mapping of flag names to values"],
      ["trials: [1\n", "not valid YAML"],
    ];
    for (const [text, message] of cases) {
      const path = join(work, "bad.yaml");
      writeFileSync(path, text);
      const r = await ieopt("optimize", "--config", path, "--runs-dir", join(work, "never"));
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toContain(`${path}`);
      expect(r.stderr, text).toContain(message);
    }
    const missing = await ieopt("optimize", "--config", join(work, "nope.yaml"));
    expect(missing.stderr).toContain("nope.yaml: no such config file");
  });
});
