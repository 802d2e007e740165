/**
 * report.html in a real headless Chromium (playwright-core + the system's chromium):
 * loads from file:// with no console errors and no network requests, shows the report's
 * numbers, and the metric toggle switches the charts. Skipped, saying why, when no
 * chromium is installed (.ci/run installs Debian's).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { hasChromium, launchChromium, openWatched, warnIfNoChromium } from "../helpers/browser.ts";
import type { EvalReport } from "../../src/report/eval-report.ts";
import { fmtScore } from "../../src/report/format.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

warnIfNoChromium("the report.html browser test");

describe.skipIf(!hasChromium)("report.html in headless Chromium", () => {
  let browser: Browser;
  let out: string;
  let report: EvalReport;

  beforeAll(async () => {
    out = tempDir("ieopt-html-");
    const r = await ieopt("eval", "--prompt", "default:ED", "--prompt", `again=default:ED`, "--data", join(EXAMPLES, "ed/test.jsonl"), "--model", "sim", "--model", "sim-small", "--out", out, "--quiet", "--bootstrap", "100");
    expect(r.code).toBe(0);
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it("loads with no console errors or network requests and shows the expected numbers", async () => {
    const { page, problems } = await openWatched(browser, join(out, "report.html"));
    expect(problems).toEqual([]);

    await expect(page.locator("#sim-banner").textContent()).resolves.toContain("sim model");
    expect(await page.title()).toContain("(sim)");
    // Overall table: one row per prompt × model, with its LF1.
    const rows = page.locator("#overall tbody tr");
    expect(await rows.count()).toBe(report.results.length);
    for (const [i, r] of report.results.entries()) {
      const text = (await rows.nth(i).textContent()) ?? "";
      expect(text).toContain(`${r.prompt} × ${r.model} (sim)`);
      expect(text).toContain(fmtScore(r.overall.lf1.value));
    }
    // Charts: a bar per (prompt, model, language) and a heat map cell per language + non-eng.
    const langs = Object.keys(report.results[0]!.by_lang);
    const lf1View = page.locator('[data-metric-view="lf1"]');
    expect(await lf1View.isVisible()).toBe(true);
    expect(await lf1View.locator("svg.bars rect[data-series]").count()).toBe(report.results.length * langs.length);
    const deu = report.results[1]!.by_lang["deu"]!.lf1.value!;
    await expect(lf1View.locator('svg.bars rect[data-series="1"][data-lang="deu"]').getAttribute("data-value")).resolves.toBe(deu.toFixed(1));
    const cell = lf1View.locator('svg.heat g[data-row="1"][data-lang="deu"] text');
    await expect(cell.textContent()).resolves.toBe(fmtScore(deu));
    expect(await lf1View.locator("svg.heat g[data-row]").count()).toBe(report.results.length * (langs.length + 1));

    // The toggle shows exact F1 instead.
    const f1View = page.locator('[data-metric-view="f1"]');
    expect(await f1View.isVisible()).toBe(false);
    await page.click('.toggle button[data-metric="f1"]');
    expect(await f1View.isVisible()).toBe(true);
    expect(await lf1View.isVisible()).toBe(false);
    const f1 = report.results[0]!.by_lang["deu"]!.f1.value!;
    await expect(f1View.locator('svg.heat g[data-row="0"][data-lang="deu"] text').textContent()).resolves.toBe(fmtScore(f1));
    // The paired comparisons are on the page, and the embedded data is the report.
    expect(await page.locator("#comparisons tbody tr").count()).toBe(report.comparisons.length);
    const embedded = JSON.parse((await page.locator("#report-data").textContent()) ?? "{}") as EvalReport;
    expect(embedded.results[0]!.overall).toEqual(report.results[0]!.overall);
    expect(problems).toEqual([]);
    await page.close();
  });
});
