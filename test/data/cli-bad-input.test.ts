/**
 * The real CLI on malformed input: `data validate` and `data batch` exit 2, name
 * `<file>:<line>` where a line applies, and leave no output file behind.
 */
import { existsSync, readdirSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BAD_FIXTURES, runIeopt, sampleLine, tempDir } from "./helpers.ts";

const dir = tempDir("ieopt-cli-");

/** Where each fixture goes wrong: the line (undefined when no line applies) and the gist. */
const CASES: { file: string; line?: number; says: string }[] = [
  { file: "bad-json.jsonl", line: 2, says: "invalid JSON" },
  { file: "missing-field.jsonl", line: 2, says: "field 'text': is missing" },
  { file: "ill-typed-field.jsonl", line: 3, says: "field 'schema'" },
  { file: "ill-typed-nested-field.jsonl", line: 1, says: "field 'labels.0.slot_type'" },
  { file: "unknown-task.jsonl", line: 1, says: "field 'task'" },
  { file: "bad-lang.jsonl", line: 2, says: "ISO 639-3" },
  { file: "span-not-in-text.jsonl", line: 2, says: "span 'Carol' does not occur in the text" },
  { file: "label-type-not-in-schema.jsonl", line: 1, says: "type 'city' is not in the sample's schema" },
  { file: "ee-role-not-in-schema.jsonl", line: 1, says: "field 'labels.0.arguments.1.role'" },
  { file: "duplicate-id.jsonl", line: 3, says: "duplicate id 's1'" },
  { file: "empty.jsonl", says: "no samples" },
  { file: "blank-lines-only.jsonl", says: "no samples" },
  { file: "not-an-object.jsonl", line: 2, says: "expected a JSON object" },
  { file: "bom-mid-file.jsonl", line: 2, says: "byte-order mark" },
  { file: "crlf-bad-line3.jsonl", line: 3, says: "field 'split'" },
  { file: "bom-bad-line2.jsonl", line: 2, says: "field 'labels.0.entity_type'" },
  { file: "invalid-utf8.jsonl", line: 2, says: "not valid UTF-8" },
];

async function expectRejected(command: "validate" | "batch", path: string, line: number | undefined, says: string): Promise<void> {
  const out = join(dir, `${command}-${path.split("/").pop()}.out.jsonl`);
  const args = command === "validate" ? ["data", "validate", path] : ["data", "batch", "--in", path, "--out", out];
  const run = await runIeopt(...args);
  expect(run.code, run.stderr).toBe(2);
  expect(run.stderr).toContain(line !== undefined ? `${path}:${line}` : `${path}:`);
  expect(run.stderr).toContain(says);
  expect(run.stderr).not.toContain("internal error");
  expect(existsSync(out)).toBe(false);
}

describe.concurrent("bad input through the real CLI", () => {
  it("has at least 15 malformed fixtures, each covered here", () => {
    const files = readdirSync(BAD_FIXTURES).filter((f) => f.endsWith(".jsonl"));
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect(files.sort()).toEqual(CASES.map((c) => c.file).sort());
  });

  for (const { file, line, says } of CASES) {
    it(`${file}: validate and batch exit 2 at ${line !== undefined ? `line ${line}` : "the file"}`, async () => {
      const path = join(BAD_FIXTURES, file);
      await Promise.all([expectRejected("validate", path, line, says), expectRejected("batch", path, line, says)]);
    });
  }

  it("a line over the 4 MiB cap is rejected, naming the cap", async () => {
    const path = join(dir, "huge.jsonl");
    const fd = openSync(path, "w");
    writeSync(fd, sampleLine({ id: "ok" }) + "\n");
    writeSync(fd, `{"id":"big","text":"`);
    const block = "a".repeat(1 << 20);
    for (let i = 0; i < 5; i++) writeSync(fd, block);
    writeSync(fd, '"}\n');
    closeSync(fd);
    await Promise.all([expectRejected("validate", path, 2, "4 MiB"), expectRejected("batch", path, 2, "4 MiB")]);
  });

  it("source files with errors: import exits 2 at the source line and writes nothing", async () => {
    const outXsid = join(dir, "xsid.out.jsonl");
    const xsid = join(BAD_FIXTURES, "en.xsid-token-not-in-text.test.conll");
    const relx = join(BAD_FIXTURES, "RELX_en.missing-marker.txt");
    const outRelx = join(dir, "relx.out.jsonl");
    const [a, b] = await Promise.all([
      runIeopt("data", "import", "--format", "xsid", "--in", xsid, "--out", outXsid),
      runIeopt("data", "import", "--format", "relx", "--in", relx, "--out", outRelx),
    ]);
    expect(a.code, a.stderr).toBe(2);
    expect(a.stderr).toContain(`${xsid}:14`);
    expect(a.stderr).toContain("token 'up'");
    expect(b.code, b.stderr).toBe(2);
    expect(b.stderr).toContain(`${relx}:5`);
    expect(existsSync(outXsid) || existsSync(outRelx)).toBe(false);
  });

  it("accepts a file with a leading BOM and CRLF endings, and batches it", async () => {
    const path = join(dir, "clean-bom-crlf.jsonl");
    const lines = [
      sampleLine({ id: "a", labels: [{ entity: "Alice", entity_type: "person" }] }),
      "",
      sampleLine({ id: "b", text: "Nobody here.", split: "train" }),
    ];
    writeFileSync(path, "\uFEFF" + lines.join("\r\n") + "\r\n");
    const outDir = join(dir, "clean");
    mkdirSync(outDir);
    const out = join(outDir, "batched.jsonl");
    const [validate, batch] = await Promise.all([runIeopt("data", "validate", path), runIeopt("data", "batch", "--in", path, "--out", out, "--seed", "1")]);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toContain("2 samples, 2 instances");
    expect(batch.code, batch.stderr).toBe(0);
    expect(readdirSync(outDir)).toEqual(["batched.jsonl"]);
    const again = await runIeopt("data", "validate", out);
    expect(again.code, again.stderr).toBe(0);
  });
});
