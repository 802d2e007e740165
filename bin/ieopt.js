#!/usr/bin/env -S node --max-semi-space-size=16 --heap-growing-percent=30
// Thin launcher: Node >= 22.18 runs the TypeScript sources directly (type stripping).
// The flags bound peak memory of large scoring and eval runs: on big machines V8 grows a
// ~128 MB young generation and lets the old one grow several times past the live data
// before collecting. With them, bench/eval's 400k-sample run stays under 500 MB at the same
// throughput (bench/score and bench/eval read these flags from this line).
import { main } from "../src/cli/main.ts";

process.exitCode = await main(process.argv);
