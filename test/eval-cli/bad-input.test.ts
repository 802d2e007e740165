import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freezePrompt } from "../../src/runs/frozen.ts";
import { getProgram } from "../../programs/index.ts";
import { EXAMPLES, ieopt, ieoptProcess, tempDir } from "./helpers.ts";

const NER_TEST = join(EXAMPLES, "ner/test.jsonl");
const SF_TEST = join(EXAMPLES, "sf/test.jsonl");

function frozenFile(dir: string, name: string, edit: (f: Record<string, unknown>) => void = () => {}): string {
  const program = getProgram("NER");
  const frozen = freezePrompt(program, { instruction: program.defaultInstruction, demos: program.defaultDemos, reasoning: false }, { run_id: "run-1", optimizer: "test", settings: {}, data: {}, scores: {} }) as unknown as Record<string, unknown>;
  edit(frozen);
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(frozen));
  return path;
}

describe("ieopt eval: bad input is a clear error (exit 2), nothing is written", () => {
  const dir = tempDir();

  it("frozen prompt of a wrong format or program version (real CLI)", () => {
    const wrongFormat = frozenFile(dir, "wrong-format.json", (f) => {
      f["format"] = "ieopt.frozen-prompt/v0";
    });
    const r = ieoptProcess("eval", "--prompt", wrongFormat, "--data", NER_TEST, "--out", join(dir, "o1"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${wrongFormat} field 'format'`);
    expect(r.stderr).toContain('must be "ieopt.frozen-prompt/v1"');

    const wrongVersion = frozenFile(dir, "wrong-version.json", (f) => {
      f["program_version"] = "ner-0000";
    });
    const v = ieoptProcess("eval", "--prompt", wrongVersion, "--data", NER_TEST, "--out", join(dir, "o2"));
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(`${wrongVersion} field 'program_version'`);
  });

  it("a data file of another task names the file (real CLI)", () => {
    const r = ieoptProcess("eval", "--prompt", "default:NER", "--data", NER_TEST, SF_TEST, "--out", join(dir, "o3"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${SF_TEST}: holds SF samples, but no --prompt is for SF`);
  });

  it("a missing data file names the path (real CLI)", () => {
    const missing = join(dir, "nope.jsonl");
    const r = ieoptProcess("eval", "--prompt", "default:NER", "--data", missing, "--out", join(dir, "o4"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${missing}: file not found`);
  });

  it("other mistakes: unknown prompt kind, prompt without data, mixed-task file, duplicate model", async () => {
    const unknown = await ieopt("eval", "--prompt", "fancy:NER", "--data", NER_TEST, "--out", join(dir, "o5"));
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown prompt kind 'fancy'");

    const noData = await ieopt("eval", "--prompt", "default:NER", "--prompt", "default:RE", "--data", NER_TEST, "--out", join(dir, "o6"));
    expect(noData.code).toBe(2);
    expect(noData.stderr).toContain("no --data file holds RE samples");

    const mixed = join(dir, "mixed.jsonl");
    const { readFileSync } = await import("node:fs");
    const ner = readFileSync(NER_TEST, "utf8").trim().split("\n").slice(0, 2);
    const sf = readFileSync(SF_TEST, "utf8").trim().split("\n").slice(0, 1);
    writeFileSync(mixed, [...ner, ...sf].join("\n") + "\n");
    const m = await ieopt("eval", "--prompt", "default:NER", "--data", mixed, "--out", join(dir, "o7"));
    expect(m.code).toBe(2);
    expect(m.stderr).toContain(`${mixed}:3 field 'task'`);

    const dup = await ieopt("eval", "--prompt", "default:NER", "--data", NER_TEST, "--model", "sim", "--model", "sim");
    expect(dup.code).toBe(2);
    expect(dup.stderr).toContain("--model sim is given twice");
  });

  it("a valid frozen prompt runs, labelled by its run id or an explicit name", async () => {
    const ok = frozenFile(dir, "ok.json");
    const out = join(dir, "o8");
    const r = await ieopt("eval", "--prompt", ok, "--prompt", `mine=${ok}`, "--data", NER_TEST, "--out", out, "--quiet", "--json", "--bootstrap", "50");
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { results: { prompt: string; overall: unknown }[]; comparisons: { kind: string; mean_diff: number }[] };
    expect(report.results.map((x) => x.prompt)).toEqual(["run-1", "mine"]);
    // The same prompt twice: identical scores, a paired difference of exactly 0.
    expect(report.results[0]!.overall).toEqual(report.results[1]!.overall);
    expect(report.comparisons.filter((c) => c.kind === "prompts").every((c) => c.mean_diff === 0)).toBe(true);
  });
});
