/** The sim lives above src/lm: the bottom layers never import it (they take it injected). */
import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}

describe("sim boundary", () => {
  it("src/data, src/metrics, src/search and src/lm import nothing from sim/", () => {
    const offenders: string[] = [];
    for (const dir of ["src/data", "src/metrics", "src/search", "src/lm"]) {
      for (const file of sources(dir)) {
        const text = readFileSync(join(ROOT, file), "utf8");
        for (const m of text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)) {
          if (/(^|\/)sim(\/|$)/.test(m[1]!) && m[1]!.startsWith(".")) offenders.push(`${file} → ${m[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("finds the imports it checks (the scan is not vacuous)", () => {
    const lm = sources("src/lm");
    expect(lm.length).toBeGreaterThan(5);
    expect(readFileSync(join(ROOT, "src/lm/factory.ts"), "utf8")).toMatch(/from "\.\/types\.ts"/);
  });
});
