/**
 * The sim never reads gold labels or files: it answers from the messages it is sent. No
 * module the sim loads (followed through every relative import from sim/index.ts and
 * sim/server.ts) imports a file-system API or a data reader; and its answer to a query
 * is the same whatever gold labels the sample carries (they are never in the request).
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { createSimLM } from "../../sim/index.ts";
import { PROGRAMS } from "../../programs/index.ts";

const ROOT = resolve(import.meta.dirname, "..", "..");
const FILE_APIS = /^(node:)?fs(\/promises)?$|^(node:)?readline$/;

/** Every module reachable from `entry` through relative imports, with the bare imports each makes. */
function closure(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const stack = [resolve(ROOT, entry)];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    const source = readFileSync(file, "utf8");
    const bare: string[] = [];
    for (const m of source.matchAll(/(?:^|\n)\s*((?:import|export)[^"'\n]*?)from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)) {
      // Type-only imports are erased before the code runs.
      if (m[1] && /^(import|export)\s+type\s/.test(m[1])) continue;
      const spec = m[2] ?? m[3]!;
      if (spec.startsWith(".")) stack.push(join(dirname(file), spec));
      else bare.push(spec);
    }
    seen.set(file, bare);
  }
  return seen;
}

describe("the sim never reads gold or files", () => {
  it("loads no file-system API and no data reader, directly or through its imports", () => {
    for (const entry of ["sim/index.ts", "sim/server.ts"]) {
      const modules = closure(entry);
      expect(modules.size).toBeGreaterThan(10);
      const offenders = [...modules].flatMap(([file, bare]) => bare.filter((b) => FILE_APIS.test(b)).map((b) => `${file.slice(ROOT.length + 1)} → ${b}`));
      expect(offenders).toEqual([]);
      const readers = [...modules.keys()].filter((f) => /src\/data\/(jsonl|importers)|src\/runs\//.test(f));
      expect(readers).toEqual([]);
    }
  });

  it("would notice a file-system import (the scan is not vacuous)", () => {
    const modules = closure("test/sim/isolation.test.ts");
    expect([...modules.values()].flat().some((b) => FILE_APIS.test(b))).toBe(true);
  });

  it("answers a query the same whatever the sample's gold labels (they are never sent)", async () => {
    const ner = PROGRAMS.NER;
    const lm = createSimLM("sim");
    const query = { text: "Kofi Mensah flew from Accra to Oslo.", schema: ["person", "location"] };
    const answers = new Set<string>();
    for (const gold of [[], [{ entity: "Kofi Mensah", entity_type: "person" }], [{ entity: "Oslo", entity_type: "person" }]]) {
      // The gold never enters the request: render() takes the query, not the sample.
      const messages = ner.render(query, { instruction: ner.defaultInstruction, demos: [...ner.defaultDemos] });
      expect(JSON.stringify(messages)).not.toContain(JSON.stringify(gold).slice(1, -1) || "\u0000");
      answers.add((await lm.complete({ messages, temperature: 0 })).choices[0]!);
    }
    expect(answers.size).toBe(1);
  });
});
