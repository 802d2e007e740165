#!/usr/bin/env -S node --max-semi-space-size=16
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping).
// A 16 MB young generation keeps peak memory of large scoring/eval runs bounded (V8's
// default grows it to ~128 MB on big machines); bench/score measures both settings.
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv);
