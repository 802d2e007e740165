#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=30
// Thin launcher. In the repository Node >= 22.18 runs the TypeScript sources directly (type
// stripping); the published package carries no sources (Node does not strip types under
// node_modules) and runs the compiled dist/ that scripts/build.ts makes when packing.
// The flags bound peak memory of large scoring and eval runs: on big machines V8 grows a
// ~128 MB young generation and lets the old one grow several times past the live data
// before collecting. With them, bench/eval's 400k-sample run stays under 500 MB at the same
// throughput (bench/score and bench/eval read these flags from this line).
import { existsSync } from "node:fs";
import module from "node:module";

// Compiled code (and type-stripped TypeScript) is cached on disk between runs, in Node's
// default cache directory unless NODE_COMPILE_CACHE names one: start-up then costs little
// more than Node's own.
module.enableCompileCache?.();

const source = new URL("../src/cli/main.ts", import.meta.url);
const { main } = await import(existsSync(source) ? source.href : "../dist/src/cli/main.js");

process.exitCode = await main(process.argv);
