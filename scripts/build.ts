/**
 * Builds the published package into dist/ (run by `npm pack` / `npm publish` through
 * "prepack"). The repository itself runs the TypeScript sources directly; Node does not
 * strip types under node_modules, so the package ships JavaScript plus declarations
 * (bin/ieopt.js runs dist/ when the sources are absent):
 *
 *   dist/src, dist/programs, dist/optimizers, dist/tips   tsc (tsconfig.build.json)
 *   dist/examples/data                                     the demo's data (src/cli/examples.ts
 *                                                          finds it relative to itself)
 *
 * Declarations that mention Node's global types (NodeJS.ProcessEnv, …) get a
 * `/// <reference types="node" />`, so a consumer compiles them whatever its `types`
 * setting (TypeScript >= 6 includes no @types by default); @types/node is a dependency.
 */
import { execFileSync } from "node:child_process";
import { cpSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const dist = join(root, "dist");

const NODE_REFERENCE = '/// <reference types="node" />\n';

/** A declaration file's text, referencing Node's types when it uses their globals. */
export function withNodeReference(declaration: string): string {
  return /\bNodeJS\./.test(declaration) && !declaration.includes(NODE_REFERENCE) ? NODE_REFERENCE + declaration : declaration;
}

function build(): void {
  rmSync(dist, { recursive: true, force: true });
  execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
  for (const file of readdirSync(dist, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".d.ts")) continue;
    const path = join(dist, file);
    const text = readFileSync(path, "utf8");
    const referenced = withNodeReference(text);
    if (referenced !== text) writeFileSync(path, referenced);
  }
  cpSync(join(root, "examples/data"), join(dist, "examples/data"), { recursive: true });
}

if (import.meta.main) build();
