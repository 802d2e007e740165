/**
 * report.html's layout in headless Chromium with long prompt names: the bar
 * chart's legend and the heat map's row labels fit inside their SVGs (measured with
 * getBBox), and the page shows per-language paired comparisons, the prompt texts and
 * failure examples. Skipped, saying why, without chromium (like html.test.ts).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { hasChromium, launchChromium, warnIfNoChromium } from "../helpers/browser.ts";
import type { EvalReport } from "../../src/report/eval-report.ts";
import { textWidth } from "../../src/report/html.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

warnIfNoChromium("the report.html layout test");

const LONG = "a-very-long-prompt-name-from-an-optimization-run-2026-11-30-with-extra-words";
const LONG2 = "another_equally_long_prompt_name.for-the-heat-map-rows.with-more-text-than-fits";

describe.skipIf(!hasChromium)("report.html layout with long names", () => {
  let browser: Browser;
  let out: string;
  let report: EvalReport;

  beforeAll(async () => {
    out = tempDir("ieopt-html-layout-");
    const r = await ieopt("eval", "--prompt", `${LONG}=default:NER`, "--prompt", `${LONG2}=default:NER`, "--data", join(EXAMPLES, "ner/test.jsonl"), "--model", "sim-small", "--out", out, "--quiet", "--bootstrap", "100");
    expect(r.code).toBe(0);
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as EvalReport;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("never clips the legend or the heat map's row labels; shows per-language comparisons, prompt texts and failures", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(pathToFileURL(join(out, "report.html")).href);
    // Measured in the page (a string: this project compiles without the DOM library).
    const overflow = (await page.evaluate(`(() => {
      const view = document.querySelector('[data-metric-view="lf1"]');
      const result = [];
      for (const svg of view.querySelectorAll("svg.bars, svg.heat")) {
        const width = Number(svg.getAttribute("width"));
        for (const text of svg.querySelectorAll("text.legend")) {
          const box = text.getBBox();
          result.push({ chart: svg.getAttribute("class"), label: text.textContent, left: box.x, right: box.x + box.width, width });
        }
      }
      return result;
    })()`)) as { chart: string; label: string; left: number; right: number; width: number }[];
    expect(overflow.length).toBe(4); // two legend entries, two heat-map rows
    for (const o of overflow) {
      expect(o.left, `${o.chart}: '${o.label}' starts outside the chart`).toBeGreaterThanOrEqual(0);
      expect(o.right, `${o.chart}: '${o.label}' ends outside the chart`).toBeLessThanOrEqual(o.width);
    }
    // Per-language comparisons: one row per language (× the two metrics, one table each).
    const langs = Object.keys(report.results[0]!.by_lang).length;
    expect(report.comparisons_by_lang.filter((c) => c.metric === "lf1")).toHaveLength(langs);
    expect(await page.locator("#comparisons-by-lang-lf1 tbody tr").count()).toBe(langs);
    for (const c of report.comparisons_by_lang) expect(c.ci_low).toBeLessThanOrEqual(c.mean_diff);
    // Prompt texts and failure examples.
    expect(await page.locator("#prompt-texts details").count()).toBe(2);
    expect(await page.locator("#prompt-texts").textContent()).toContain(report.prompts[0]!.instruction!.slice(0, 40));
    expect(report.results[0]!.failure_examples!.length).toBeGreaterThan(0);
    expect(await page.locator("#failure-examples tbody tr").count()).toBe(report.results.reduce((n, r) => n + (r.failure_examples ?? []).length, 0));
    if (process.env["IEOPT_SCREENSHOT"]) await page.screenshot({ path: process.env["IEOPT_SCREENSHOT"], fullPage: true });
    await page.close();
  });

  it("estimates wide scripts wider than Latin", () => {
    expect(textWidth("ab", 10)).toBe(13);
    expect(textWidth("中文", 10)).toBe(20);
  });
});
