/** Shared test helpers for test/data: temp dirs, sample builders, the real data folder. */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { tempDir as trackedTempDir } from "../helpers/temp.ts";
import { SampleSchema, type Sample, type SampleInput } from "../../src/data/sample.ts";

export const REPO_ROOT = resolve(import.meta.dirname, "../..");
export const SHARED_DATA = resolve(REPO_ROOT, "../shared/data");
export const HAS_SHARED_DATA = existsSync(SHARED_DATA);
export const BAD_FIXTURES = resolve(REPO_ROOT, "test/fixtures/bad");

/** A temp dir removed after the file's tests. */
export function tempDir(prefix = "ieopt-data-"): string {
  return trackedTempDir(prefix);
}

/** A valid NER sample's fields, overridden by `fields`. */
function sampleFields(fields: Partial<SampleInput> & { id: string }): Record<string, unknown> {
  return {
    dataset: "demo",
    lang: "eng",
    task: "NER",
    split: "test",
    text: "Alice met Bob in Paris.",
    schema: ["person", "location"],
    labels: [],
    ...fields,
  };
}

/** A valid sample with overridable fields (parsed, so instance_id is filled). */
export function sample(fields: Partial<SampleInput> & { id: string }): Sample {
  return SampleSchema.parse(sampleFields(fields));
}

/** The same, as one line of a JSONL file (unparsed: overrides may make it invalid on purpose). */
export function sampleLine(fields: Partial<SampleInput> & { id: string }): string {
  return JSON.stringify(sampleFields(fields));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The launcher under test; IEOPT_BIN may point at another (e.g. a build of just one command). */
const BIN = resolve(REPO_ROOT, process.env.IEOPT_BIN ?? "bin/ieopt.js");
/** Node's compile cache roughly halves each CLI start-up's CPU time on repeated runs. */
const COMPILE_CACHE = join(tmpdir(), "ieopt-test-node-compile-cache");

/** Runs the real CLI (`node bin/ieopt.js ...`) and reports its exit code and output. */
export function runIeopt(...args: string[]): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO_ROOT, maxBuffer: 1 << 24, env: { ...process.env, NODE_COMPILE_CACHE: COMPILE_CACHE } },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
