/**
 * `ieopt guidelines induce` / `apply` through the CLI, with a loopback teacher that
 * answers from what it is shown (the type's name and how many spans it saw), so the draft
 * → refine chain, the stored exchanges and the descriptions landing in the data are
 * checkable.
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROGRAMS } from "../../programs/index.ts";
import { codeStyle } from "../../programs/code-style.ts";
import { startStubServer, type ChatBody, type StubServer } from "../helpers/stub-server.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

function teacher(body: ChatBody): string[] {
  const user = body.messages?.find((m) => m.role === "user")?.content ?? "";
  const type = /guideline for "([^"]+)"/.exec(user)?.[1] ?? "?";
  const seen = (user.match(/^Example \d+$/gm) ?? []).length;
  const refining = user.startsWith("# Refine a type description");
  return [refining ? `Guideline: ${type} spans, refined after ${seen} more examples.` : `${type} spans, drafted from ${seen} examples.`];
}

describe("guideline induction", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("ieopt-guidelines-");
  });
  let server: StubServer;
  beforeAll(async () => {
    server = await startStubServer({ answers: teacher });
  });
  afterAll(async () => {
    await server.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("drafts from one batch, refines over the next, stores every exchange, and apply puts the descriptions in the schema", async () => {
    const out = join(dir, "guidelines.json");
    const r = await ieopt("guidelines", "induce", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--types", "datetime,location",
      "--batch-size", "3", "--batches", "2", "--out", out, "--prompt-model", "teacher", "--prompt-base-url", server.url, "--api-key", "k", "--no-cache");
    expect(r.code, r.stderr).toBe(0);
    const g = JSON.parse(readFileSync(out, "utf8"));
    expect(g.format).toBe("ieopt.guidelines/v1");
    expect(g.descriptions).toEqual({ datetime: "datetime spans, refined after 3 more examples.", location: "location spans, refined after 3 more examples." });
    expect(g.exchanges.map((e: { type: string; batch: number; purpose: string }) => [e.type, e.batch, e.purpose])).toEqual([["datetime", 0, "describe"], ["datetime", 1, "refine"], ["location", 0, "describe"], ["location", 1, "refine"]]);
    // The refinement request carries the draft.
    expect(g.exchanges[1].messages[1].content).toContain("The current guideline for \"datetime\" is:\ndatetime spans, drafted from 3 examples.");
    expect(server.count()).toBe(4);

    const data = join(dir, "test.jsonl");
    const a = await ieopt("guidelines", "apply", "--guidelines", out, "--in", join(EXAMPLES, "sf/test.jsonl"), "--out", data);
    expect(a.code, a.stderr).toBe(0);
    const samples = readFileSync(data, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const withDatetime = samples.find((s) => s.schema.includes("datetime"))!;
    expect(withDatetime.schema_descriptions.datetime).toBe(g.descriptions.datetime);
    for (const s of samples) if (!s.schema.includes("location")) expect(s.schema_descriptions?.location).toBeUndefined();
    // The code-style renderer's docstring shows the induced guideline.
    const query = codeStyle(PROGRAMS.SF).renderQuery(withDatetime);
    expect(query).toContain(`class Datetime(Slot):\n    """${g.descriptions.datetime}"""`);
  });

  it("refuses a guidelines file of the wrong shape, naming the field", async () => {
    const bad = join(dir, "bad.json");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(bad, JSON.stringify({ format: "ieopt.guidelines/v1", task: "SF", descriptions: { datetime: 3 } }));
    const r = await ieopt("guidelines", "apply", "--guidelines", bad, "--in", join(EXAMPLES, "sf/test.jsonl"), "--out", join(dir, "x.jsonl"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad} field 'descriptions.datetime'`);
  });
});

describe("optimize --guidelines", () => {
  let dir = "";
  beforeAll(() => {
    dir = tempDir("ieopt-guided-opt-");
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("searches with vs without the induced descriptions and records the choice per trial; a frozen guided prompt shows them", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(dir, "g.json");
    writeFileSync(file, JSON.stringify({ format: "ieopt.guidelines/v1", task: "SF", descriptions: { datetime: "a date or time expression, with its preposition" }, exchanges: [] }));
    const runs = join(dir, "runs");
    const r = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/dev.jsonl"), "--guidelines", file,
      "--trials", "8", "--demo-sets", "2", "--instructions", "2", "--minibatch", "5", "--full-eval-every", "2", "--runs-dir", runs, "--quiet");
    expect(r.code, r.stderr).toBe(0);
    const { readdirSync } = await import("node:fs");
    const [runId] = readdirSync(runs);
    const config = JSON.parse(readFileSync(join(runs, runId!, "config.json"), "utf8"));
    expect(config.settings.guidelines).toEqual({ datetime: "a date or time expression, with its preposition" });
    const trials = readFileSync(join(runs, runId!, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l)).filter((l) => l.kind === "trial");
    expect(new Set(trials.map((t) => t.params.guidelines))).toEqual(new Set(["with", "without"]));
    const frozen = JSON.parse(readFileSync(join(runs, runId!, "frozen.json"), "utf8"));
    const chose = frozen.provenance.scores.chosen === "search" && frozen.provenance.scores.combination.guidelines === "with";
    expect(frozen.guidelines).toEqual(chose ? config.settings.guidelines : undefined);

    const { freezePrompt, loadFrozenPrompt, promptFromFrozen, writeFrozenPrompt } = await import("../../src/runs/frozen.ts");
    const sf = PROGRAMS.SF;
    const guided = join(dir, "guided.json");
    writeFrozenPrompt(guided, freezePrompt(sf, { instruction: sf.defaultInstruction, demos: sf.defaultDemos, reasoning: false, guidelines: config.settings.guidelines }, { optimizer: "test", settings: {}, data: {}, scores: {} }));
    const prompt = promptFromFrozen(loadFrozenPrompt(guided));
    const query = prompt.program.renderQuery({ text: "wake me at 7", schema: ["datetime", "location"] });
    expect(query).toContain("Type descriptions:\n- datetime: a date or time expression, with its preposition");
    expect(prompt.program.version).toMatch(/\+guided\./);
  });

  it("refuses guidelines of another task", async () => {
    const { writeFileSync } = await import("node:fs");
    const file = join(dir, "ner.json");
    writeFileSync(file, JSON.stringify({ format: "ieopt.guidelines/v1", task: "NER", descriptions: {}, exchanges: [] }));
    const r = await ieopt("optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/dev.jsonl"), "--guidelines", file, "--runs-dir", join(dir, "runs2"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("field 'task': the guidelines are for NER, the run is SF");
  });
});
