/**
 * The layering of docs/architecture.md, enforced: a module imports only what is below it.
 * Every import counts (type-only and dynamic ones too), resolved to the file it names.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Repo-relative targets of a file's relative imports (packages are not layers). */
function importsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => m[1]!);
  return specifiers.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(dirname(join(ROOT, file)), s)));
}

function violations(layers: readonly string[], forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const layer of layers) {
    for (const file of tsFiles(layer)) {
      for (const target of importsOf(file)) {
        if (forbidden.some((f) => target === f || target.startsWith(`${f}/`))) found.push(`${file} imports ${target}`);
      }
    }
  }
  return found;
}

describe("layer boundaries", () => {
  it("src/tasks, the bottom layer, imports only itself and the error types", () => {
    const found: string[] = [];
    for (const file of tsFiles("src/tasks")) {
      for (const target of importsOf(file)) if (!target.startsWith("src/tasks/") && target !== "src/errors.ts") found.push(`${file} imports ${target}`);
    }
    expect(found).toEqual([]);
  });

  it("src/{data,metrics,search,lm} import nothing from programs/, optimizers/ or the layers above them", () => {
    const found = violations(
      ["src/data", "src/metrics", "src/search", "src/lm"],
      ["programs", "optimizers", "src/cli", "src/eval", "src/runs", "src/report", "src/export", "tips", "sim"],
    );
    expect(found).toEqual([]);
  });

  it("src/eval imports nothing from optimizers/ or the CLI; src/runs nothing from src/eval", () => {
    expect(violations(["src/eval"], ["optimizers", "src/cli", "tips", "sim"])).toEqual([]);
    expect(violations(["src/runs"], ["src/eval", "optimizers", "src/cli", "sim"])).toEqual([]);
  });

  it("catches a forbidden import (the checker itself works)", () => {
    expect(importsOf("src/index.ts")).toContain("programs/index.ts");
    expect(violations(["src"], ["programs"]).some((v) => v.startsWith("src/index.ts imports programs/"))).toBe(true);
  });
});
