#!/usr/bin/env -S node --max-semi-space-size=16
// Thin launcher. In the repository Node >= 22.18 runs the TypeScript sources directly (type
// stripping); the published package carries no sources (Node does not strip types under
// node_modules) and runs the compiled dist/ that scripts/build.ts makes when packing.
// The flag bounds peak memory of large scoring and eval runs: on big machines V8 grows a
// ~128 MB young generation. The old generation's bound (--heap-growing-percent) is set at
// run time by main.ts, for the commands that want it: on this line it would make Node reject
// its built-in code cache on every start. (The benches read the flags from this line.)
import { existsSync } from "node:fs";
import module from "node:module";

// Compiled code (and type-stripped TypeScript) is cached on disk between runs, in Node's
// default cache directory unless NODE_COMPILE_CACHE names one: start-up then costs little
// more than Node's own.
module.enableCompileCache?.();

const source = new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(existsSync(source) ? source.href : "../dist/src/cli/main.js");

process.exitCode = await main(process.argv);
