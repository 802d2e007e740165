/**
 * Errors a user can act on, through the real CLI: unwritable output paths, a missing input
 * file, refused numeric flags, empty predictions and empty exports, plug-ins that throw —
 * each a message and exit 2, never an internal error, nothing half-written.
 */
import { afterAll, describe, expect, it } from "vitest";
import { existsSync, lstatSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, ieopt, ROOT } from "../eval-cli/helpers.ts";
import { runIeopt } from "../helpers/cli.ts";

const work = mkdtempSync(join(tmpdir(), "ieopt-errors-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const XSID = join(ROOT, "../shared/data/xsid/de.test.conll");
const SF = join(EXAMPLES, "sf");
const file = join(work, "a-file");
writeFileSync(file, "not a folder\n");
const dangling = join(work, "dangling.jsonl");
symlinkSync(join(work, "no-such-dir", "x.jsonl"), dangling);

function refused(r: { code: number; stderr: string }, message: string | RegExp) {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr).not.toContain("internal error");
  if (typeof message === "string") expect(r.stderr).toContain(message);
  else expect(r.stderr).toMatch(message);
}

describe("unwritable output paths", () => {
  it("a file in the way of an output folder: optimize --runs-dir, eval --out, predict --out, export --out, data --out", async () => {
    const inTheWay = `${file} is a file, not a folder, so nothing can be written below it`;
    refused(await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--runs-dir", join(file, "runs")), `--runs-dir ${join(file, "runs")}: ${inTheWay}`);
    refused(await ieopt("eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--out", join(file, "ev")), inTheWay);
    refused(await ieopt("predict", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--out", join(file, "p.jsonl")), inTheWay);
    refused(await ieopt("data", "sample", "--in", join(SF, "train.jsonl"), "--out", join(file, "s.jsonl")), inTheWay);
    refused(await ieopt("export", "--run", "whatever", "--out", join(file, "f.json")), inTheWay);
    refused(await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--runs-dir", file), `--runs-dir ${file} is a file, not a folder`);
  });

  it("a dangling symbolic link as the output file is refused, and left as it was", async () => {
    refused(await ieopt("predict", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--out", dangling), `--out ${dangling} is a symbolic link to something that does not exist`);
    refused(await ieopt("data", "sample", "--in", join(SF, "train.jsonl"), "--out", dangling), "is a symbolic link to something that does not exist");
    expect(lstatSync(dangling).isSymbolicLink()).toBe(true);
  });

  it.skipIf(!existsSync(XSID))("data import names a missing input file, and a file in the way of --out", async () => {
    refused(await ieopt("data", "import", "--format", "xsid", "--in", join(work, "missing.conll"), "--out", join(work, "x.jsonl")), `--in ${join(work, "missing.conll")}: no such file; check the path`);
    refused(await ieopt("data", "import", "--format", "xsid", "--in", XSID, "--out", join(file, "x.jsonl")), "is a file, not a folder");
  });
});

describe("numeric flags refused with the reason", () => {
  const optimize = (...extra: string[]) => ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--runs-dir", join(work, "runs"), ...extra);
  it("--trials -5, --demos 0, --concurrency 0 (optimize, eval, predict)", async () => {
    refused(await optimize("--trials", "-5"), "--trials must be a whole number of at least 1, got '-5'");
    refused(await optimize("--demos", "0"), "--demos must be at least 1: a demo set of 0 demos is the zero-shot search; use --zero-shot for that");
    refused(await optimize("--concurrency", "0"), "--concurrency must be a whole number of at least 1, got '0'");
    refused(await ieopt("eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--concurrency", "0"), "--concurrency must be a whole number of at least 1, got '0'");
    refused(await ieopt("predict", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--out", join(work, "p.jsonl"), "--concurrency", "0"), "--concurrency must be a whole number of at least 1, got '0'");
    expect(existsSync(join(work, "runs"))).toBe(false);
  });
});

describe("empty inputs that would silently score or export nothing", () => {
  it("an empty predictions file is refused by score", async () => {
    const empty = join(work, "empty-preds.jsonl");
    writeFileSync(empty, "\n");
    refused(await ieopt("score", "--gold", join(SF, "test.jsonl"), "--pred", empty), `${empty}: no predictions (the file is empty or holds only blank lines)`);
  });

  it("an export with an empty --data file is refused", async () => {
    const runsDir = join(work, "export-runs");
    const opt = await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--trials", "2", "--minibatch", "5", "--demo-sets", "1", "--instructions", "2", "--runs-dir", runsDir, "--quiet");
    expect(opt.code, opt.stderr).toBe(0);
    const run = /run (\S+) finished/.exec(opt.stdout)![1]!;
    const empty = join(work, "empty-data.jsonl");
    writeFileSync(empty, "");
    const out = join(work, "pf.yaml");
    refused(await ieopt("export", "--run", run, "--runs-dir", runsDir, "--format", "promptfoo", "--data", empty, "--out", out), `${empty}: no samples`);
    expect(existsSync(out)).toBe(false);
  });
});

describe("plug-in metrics that misbehave", () => {
  it("a --metric file whose score() throws or returns no number is named as the problem, before any run folder", async () => {
    const runsDir = join(work, "metric-runs");
    for (const [body, message] of [
      ["score() { const o: any = undefined; return o.field; }", /--metric \S+throws\.ts: score\(\) threw on a SF sample: Cannot read properties of undefined/],
      ["score() { return Number.NaN; }", /--metric \S+nan\.ts: score\(\) returned NaN, not a finite number/],
    ] as const) {
      const path = join(work, body.includes("NaN") ? "nan.ts" : "throws.ts");
      writeFileSync(path, `export default { name: "broken-${path.endsWith("nan.ts") ? "nan" : "throws"}", ${body} };\n`);
      refused(await ieopt("optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--metric", path, "--runs-dir", runsDir), message);
      expect(existsSync(runsDir)).toBe(false);
    }
  });
});

describe("plug-in programs that misbehave", () => {
  it("a --program file whose parse() throws is named as the problem, not reported as a bug in ieopt", async () => {
    const path = join(work, "bad-program.ts");
    const base = JSON.stringify(join(ROOT, "examples/programs/mre-mix.ts"));
    writeFileSync(path, `import { program } from ${base};\nexport default { ...program, parse() { const o: any = undefined; return o.field; } };\n`);
    const pred = join(work, "mre-preds.jsonl");
    writeFileSync(pred, JSON.stringify({ id: "mre-test-eng-000", output: "[]" }) + "\n");
    refused(
      await ieopt("score", "--program", path, "--gold", join(EXAMPLES, "mre", "test.jsonl"), "--pred", pred),
      /--program \S+bad-program\.ts: parse\(\) threw on a MRE-MIX output: Cannot read properties of undefined/,
    );
  });

  it("a --program file that registers its program itself still loads (its program stays the one registered)", async () => {
    const path = join(work, "self-registering.ts");
    const base = JSON.stringify(join(ROOT, "examples/programs/mre-mix.ts"));
    writeFileSync(path, `import { registerProgram } from "ieopt";\nimport { program } from ${base};\nregisterProgram(program);\nexport default program;\n`);
    const pred = join(work, "mre-preds-ok.jsonl");
    writeFileSync(pred, JSON.stringify({ id: "mre-test-eng-000", output: '[{"entity": "Paris", "entity_type": "location"}]' }) + "\n");
    // A real process: the plug-in's own `import … from "ieopt"` resolves through the CLI's loader hook.
    const run = await runIeopt(["score", "--program", path, "--gold", join(EXAMPLES, "mre", "test.jsonl"), "--pred", pred, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).overall.samples).toBeGreaterThan(1);
  });
});

describe("describeFsError (the CLI's net for paths the OS refused)", () => {
  it("names the path and the reason for file-system errors, and leaves other errors alone", async () => {
    const { describeFsError } = await import("../../src/cli/paths.ts");
    const err = Object.assign(new Error("ENOTDIR: not a directory, mkdir '/tmp/f/runs'"), { code: "ENOTDIR", path: "/tmp/f/runs", syscall: "mkdir" });
    expect(describeFsError(err)).toBe("cannot mkdir /tmp/f/runs: a part of the path is a file, not a folder; choose another path or fix it");
    expect(describeFsError(new Error("boom"))).toBeUndefined();
    expect(describeFsError(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBeUndefined();
  });
});
