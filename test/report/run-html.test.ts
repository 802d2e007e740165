/**
 * runs/<id>/report.html in a real headless Chromium: loads from file:// with no console
 * errors and no network requests, shows the run's numbers (history, comparison, test),
 * and shows hostile candidate text as text. Skipped, saying why, without chromium.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { hasChromium, launchChromium, openWatched, warnIfNoChromium } from "../helpers/browser.ts";
import { ScriptedLM, lastUser, systemOf, queryText } from "../helpers/scripted-lm.ts";
import { toySamples } from "../helpers/toy-data.ts";
import { HEADINGS } from "../../optimizers/prompts.ts";
import { optimize, type OptimizeOutcome } from "../../optimizers/optimize.ts";
import { renderRunHtml } from "../../optimizers/run-report-html.ts";
import type { HeldOutScores } from "../../optimizers/held-out.ts";
import { UsageMeter } from "../../src/lm/usage.ts";
import { createRng } from "../../src/util/random.ts";
import { fingerprint } from "../../src/util/hash.ts";
import { createSimLM } from "../../sim/index.ts";
import { readExamples } from "../../src/cli/examples.ts";
import type { RoleModels } from "../../src/lm/roles.ts";
import type { LM } from "../../src/lm/types.ts";

warnIfNoChromium("the run report.html browser test");

/** An instruction that would fetch an image and break the table if it were not escaped. */
const HOSTILE = `Extract slots </td></tr><img src="http://127.0.0.1:9/x.png"> & <script>alert(1)</script> GOOD`;
const train = toySamples("train", 24);
const val = toySamples("dev", 30, 100);
const test = toySamples("test", 20, 300);
const gold = new Map([...train, ...val, ...test].map((s) => [s.text, s]));

function models(lm: LM, name: string): RoleModels {
  return { inference: lm, prompt: lm, thought: lm, meter: new UsageMeter(), budget: undefined, cache: null, describe: () => ({ inference: { model: name } }) };
}

const scripted = () =>
  new ScriptedLM((r) => {
    const user = lastUser(r);
    if (user.startsWith(HEADINGS.proposal)) return r.draw! % 2 === 0 ? `Proposed instruction: ${HOSTILE}` : `Proposed instruction: Variant ${r.draw}.`;
    if (user.startsWith("#")) return "Short requests.";
    const quality = systemOf(r).includes("GOOD") ? 0.8 : 0.4;
    return createRng(fingerprint([r.messages])).next() < quality ? JSON.stringify(gold.get(queryText(r))?.labels ?? []) : "[]";
  });

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "ieopt-run-html-"));
  dirs.push(d);
  return d;
};
// Minibatch 5 and 4 due points on 30 validation samples: the noise-aware rule's race has a
// first rung (the best 7 on 15 samples) before its 2 finalists (select.test.ts).
const SMALL = { trials: 8, minibatch: 5, fullEvalEvery: 2, demoSets: 3, demos: 2, instructions: 4, seed: 3, concurrency: 2 };

describe("renderRunHtml", () => {
  it("escapes candidate text (no tag from data survives)", async () => {
    const out = await optimize({ task: "SF", train, val, settings: SMALL, models: models(scripted(), "scripted"), runsDir: tmp(), runId: "e" });
    const html = renderRunHtml({ runId: "e<x>", task: "SF", optimizer: "mipro", metric: "lf1", selection: "noise-aware", sim: false, result: out.result });
    expect(out.result.candidates.instructions.some((i) => i.text.includes("<img"))).toBe(true);
    expect(html).not.toContain("<img");
    expect(html).not.toContain("<script");
    expect(html).toContain("&lt;img src=&quot;http://127.0.0.1:9/x.png&quot;&gt;");
    expect(html).toContain("ieopt run e&lt;x&gt;");
  });
});

describe.skipIf(!hasChromium)("runs/<id>/report.html in headless Chromium", () => {
  let browser: Browser;
  let hostile: OptimizeOutcome;
  let sim: OptimizeOutcome;

  beforeAll(async () => {
    hostile = await optimize({ task: "SF", train, val, test, settings: SMALL, models: models(scripted(), "scripted"), runsDir: tmp(), runId: "h" });
    const ex = await readExamples("NER");
    const s = createSimLM("sim");
    sim = await optimize({ task: "NER", train: ex.train, val: ex.val, test: ex.test, settings: SMALL, models: { ...models(s, "sim") }, runsDir: tmp(), runId: "s" });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  const open = (out: OptimizeOutcome) => openWatched(browser, out.run.path("report.html"));

  it("loads with no console errors or network requests and shows the run's numbers", async () => {
    const { page, problems } = await open(hostile);
    expect(problems).toEqual([]);
    const r = hostile.result;
    // History: a dot per trial, a square per full evaluation, with their scores.
    expect(await page.locator("svg.history circle.trial").count()).toBe(r.trials.length);
    expect(await page.locator("svg.history rect.full").count()).toBe(r.fullEvals.length);
    for (const t of r.trials) await expect(page.locator(`svg.history circle[data-trial="${t.number + 1}"]`).getAttribute("data-score")).resolves.toBe((100 * t.score).toFixed(2));
    // Default vs picked, with the paired CI.
    const comparison = (await page.locator("#comparison").textContent()) ?? "";
    expect(comparison).toContain((100 * r.baselineScore).toFixed(2));
    expect(comparison).toContain((100 * r.bestScore).toFixed(2));
    expect(comparison).toContain(`p = ${r.comparison.p_value.toFixed(3)}`);
    // Held-out test: overall row with both prompts' LF1.
    const t = hostile.frozen.provenance.scores.test as HeldOutScores;
    const overall = (await page.locator("#test tbody tr").first().textContent()) ?? "";
    expect(overall).toContain(`overall${t.instances}${t.default.lf1.toFixed(2)}${t.optimized.lf1.toFixed(2)}`);
    // Candidates: the hostile instruction is shown as text, in its own cell.
    expect(await page.locator("#instructions tbody tr").count()).toBe(r.candidates.instructions.length);
    await expect(page.locator("#instructions").textContent()).resolves.toContain('<img src="http://127.0.0.1:9/x.png">');
    expect(await page.locator("#instructions img, #instructions script").count()).toBe(0);
    expect(await page.locator("#demo-sets tbody tr").count()).toBe(r.candidates.demo_sets.length);
    // The final race: a row per first-rung evaluation, with what it added and its mean.
    expect(r.raceEvals.length).toBeGreaterThan(0);
    expect(await page.locator("#race tbody tr").count()).toBe(r.raceEvals.length);
    const firstRace = (await page.locator("#race tbody tr").first().textContent()) ?? "";
    const e = r.raceEvals[0]!;
    expect(firstRace).toBe(`${e.rung}${e.params.instruction}${e.params.demos}${e.sample_ids.length}${(100 * e.score).toFixed(2)}`);
    expect(await page.locator("#sim-banner").count()).toBe(0);
    await page.close();
  });

  it("marks sim numbers", async () => {
    const { page, problems } = await open(sim);
    expect(problems).toEqual([]);
    expect(await page.title()).toContain("(sim)");
    await expect(page.locator("#sim-banner").textContent()).resolves.toContain("sim model");
    expect(await page.locator("#test tbody tr").count()).toBe(2 + Object.keys((sim.frozen.provenance.scores.test as HeldOutScores).by_lang).length);
    expect(readFileSync(sim.run.path("report.html"), "utf8")).toContain("(sim)");
    await page.close();
  });
});
