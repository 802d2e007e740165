/**
 * Headless Chromium for the HTML report tests: Debian's chromium (or CHROMIUM_PATH), launched
 * offline, and pages opened with every console error, page error and network request
 * collected, so a test can assert a report is self-contained and error-free.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);

/** Says once why a browser test file is skipped. */
export function warnIfNoChromium(what: string): void {
  if (!hasChromium) console.warn(`skipping ${what}: no chromium at ${CHROMIUM} (set CHROMIUM_PATH or apt-get install chromium)`);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Opens a local HTML file; `problems` lists console errors/warnings, page errors and any non-local request. */
export async function openWatched(browser: Browser, file: string): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (req) => {
    if (!req.url().startsWith("file:") && !req.url().startsWith("data:")) problems.push(`network: ${req.url()}`);
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, problems };
}
