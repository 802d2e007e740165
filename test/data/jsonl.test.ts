import { readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { UserInputError } from "../../src/errors.ts";
import { ownString, readJsonl, readJsonlBatches, readSamples, readSamplesMany, writeJsonl } from "../../src/data/jsonl.ts";
import { sampleLine, tempDir } from "./helpers.ts";

const dir = tempDir();
let n = 0;
function file(content: string | Buffer): string {
  const path = join(dir, `f${n++}.jsonl`);
  writeFileSync(path, content);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<UserInputError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(UserInputError);
    return err as UserInputError;
  }
  throw new Error("expected a UserInputError");
}

const Point = z.object({ x: z.number(), y: z.number() });
async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of gen) out.push(v);
  return out;
}

describe("readJsonlBatches with fastLinesUnwalked", () => {
  it("skips the depth check only for lines the fast check accepts", async () => {
    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    const path = file(`{"x":1,"y":2,"extra":${deep}}\n{"x":"no","extra":${deep}}\n`);
    const fast = (json: Record<string, unknown>) => (typeof json.x === "number" && typeof json.y === "number" ? { x: json.x, y: json.y } : undefined);
    const rows: unknown[] = [];
    const read = async (unwalked: boolean) => {
      for await (const batch of readJsonlBatches(path, Point, { fast, fastLinesUnwalked: unwalked })) rows.push(...batch.values);
    };
    expect((await failure(read(true))).message).toContain(`${path}:2: the line nests deeper than 64 levels`);
    expect(rows).toEqual([{ x: 1, y: 2 }]);
    rows.length = 0;
    expect((await failure(read(false))).message).toContain(`${path}:1: the line nests deeper than 64 levels`);
    expect(rows).toEqual([]);
  });
});

describe("readJsonl", () => {
  it("yields values with 1-based line numbers, skipping blank lines", async () => {
    const path = file('{"x":1,"y":2}\n\n   \n{"x":3,"y":4}\n');
    expect(await collect(readJsonl(path, Point))).toEqual([
      { value: { x: 1, y: 2 }, line: 1 },
      { value: { x: 3, y: 4 }, line: 4 },
    ]);
  });

  it("accepts a BOM at the start, CRLF endings and a last line without newline", async () => {
    const path = file(Buffer.from('\uFEFF{"x":1,"y":2}\r\n{"x":3,"y":4}', "utf8"));
    expect((await collect(readJsonl(path, Point))).map((r) => r.line)).toEqual([1, 2]);
  });

  it("names file, line and the zod field path of a schema error", async () => {
    const path = file('{"x":1,"y":2}\n{"x":1,"y":"two"}\n');
    const err = await failure(collect(readJsonl(path, Point)));
    expect(err.line).toBe(2);
    expect(err.field).toBe("y");
    expect(err.message).toContain(`${path}:2 field 'y'`);
    expect(err.message).toContain("expected number");
  });

  it("reports invalid JSON with the parser's reason", async () => {
    const path = file('{"x":1,"y":2}\n{"x":1,,}\n');
    const err = await failure(collect(readJsonl(path, Point)));
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/invalid JSON \(.+\)/);
  });

  it("rejects a line that is not an object", async () => {
    const err = await failure(collect(readJsonl(file("[1,2]\n"), Point)));
    expect(err.message).toContain("the line is an array, expected a JSON object");
  });

  it("rejects a BOM that is not at the very start", async () => {
    const err = await failure(collect(readJsonl(file('{"x":1,"y":2}\n\uFEFF{"x":1,"y":2}\n'), Point)));
    expect(err.line).toBe(2);
    expect(err.message).toContain("byte-order mark");
  });

  it("rejects invalid UTF-8 and names the line", async () => {
    const bytes = Buffer.concat([Buffer.from('{"x":1,"y":2}\n{"x":1,"y":2,"z":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]);
    const err = await failure(collect(readJsonl(file(bytes), Point)));
    expect(err.line).toBe(2);
    expect(err.message).toContain("not valid UTF-8");
  });

  it("keeps multi-byte characters intact across read chunks", async () => {
    // 70 000 three-byte characters: several 64 KiB stream chunks, split mid-character.
    const text = "表".repeat(70_000);
    const rows = await collect(readJsonl(file(`{"t":"${text}"}\n`), z.object({ t: z.string() })));
    expect(rows[0]!.value.t).toBe(text);
  });

  it("rejects a line over the cap, naming the cap, without reading it whole", async () => {
    const path = file(`{"x":1,"y":2}\n{"x":"${"a".repeat(300)}"}\n`);
    const err = await failure(collect(readJsonl(path, Point, { maxLineBytes: 256 })));
    expect(err.line).toBe(2);
    expect(err.message).toContain("256 bytes");
  });

  it("counts the cap without the CRLF ending", async () => {
    const line = '{"x":1,"y":2}'; // 13 bytes
    const rows = await collect(readJsonl(file(`${line}\r\n${line}\r\n`), Point, { maxLineBytes: 13 }));
    expect(rows).toHaveLength(2);
  });

  it("says so when the file does not exist", async () => {
    const err = await failure(collect(readJsonl(join(dir, "missing.jsonl"), Point)));
    expect(err.message).toContain("file not found");
  });
});

describe("reading in batches (a megabyte of lines per read)", () => {
  // ~2.3 MiB of lines of varying length (multi-byte text, CRLF on some): lines straddle reads.
  const lines = Array.from({ length: 12_000 }, (_, i) => JSON.stringify({ x: i, y: i % 7, t: "表".repeat(i % 97) + "ab".repeat(i % 31) }) + (i % 3 === 0 ? "\r" : ""));
  const Row = z.object({ x: z.number(), y: z.number(), t: z.string() });
  const expected = lines.map((l, i) => ({ value: JSON.parse(l) as unknown, line: i + 1 }));
  /** Every row of the batches, in order. */
  const eachRow = async (path: string, onRow: (value: unknown, line: number) => void) => {
    for await (const { values, lines: at } of readJsonlBatches(path, Row)) values.forEach((value, i) => onRow(value, at[i]!));
  };

  it("yields every line with its number, through readJsonl and readJsonlBatches alike", async () => {
    const path = file(lines.join("\n"));
    expect(readFileSync(path).length).toBeGreaterThan(2 * 1024 * 1024);
    expect(await collect(readJsonl(path, Row))).toEqual(expected);
    const seen: unknown[] = [];
    await eachRow(path, (value, line) => void seen.push({ value, line }));
    expect(seen).toEqual(expected);
  });

  it("names the right line for a problem far into the file, after handing over every line before it", async () => {
    const at = 9_000; // 0-based index of the bad line, beyond the first read
    const cases: [string, Buffer, RegExp][] = [
      ["schema", Buffer.from(lines.map((l, i) => (i === at ? '{"x":1,"y":"two","t":""}' : l)).join("\n")), /expected number/],
      ["BOM", Buffer.from(lines.map((l, i) => (i === at ? "\uFEFF" + l : l)).join("\n")), /byte-order mark/],
      ["UTF-8", Buffer.concat([Buffer.from(lines.slice(0, at).join("\n") + "\n"), Buffer.from([0xc3, 0x28]), Buffer.from("\n" + lines.slice(at + 1).join("\n"))]), /not valid UTF-8/],
      ["JSON", Buffer.from(lines.map((l, i) => (i === at ? "{oops" : l)).join("\n")), /invalid JSON/],
    ];
    for (const [name, bytes, message] of cases) {
      const seen: number[] = [];
      const err = await failure(eachRow(file(bytes), (_, line) => void seen.push(line)));
      expect(err.line, name).toBe(at + 1);
      expect(err.message, name).toMatch(message);
      expect(seen.length, name).toBe(at);
    }
  });

  it("rejects an over-long line far into the file at its line", async () => {
    const path = file(lines.slice(0, 5000).join("\n") + "\n" + JSON.stringify({ x: 1, y: 2, t: "a".repeat(5000) }) + "\n");
    const err = await failure(collect(readJsonl(path, Row, { maxLineBytes: 4096 })));
    expect(err.line).toBe(5001);
    expect(err.message).toContain("4 KiB");
  });
});

describe("ownString", () => {
  it("returns an equal string", () => {
    const line = JSON.parse(JSON.stringify({ s: "a span long enough to be a view of its line" })) as { s: string };
    expect(ownString(line.s)).toBe(line.s);
    expect(ownString("short")).toBe("short");
    expect(ownString("")).toBe("");
  });
});

describe("readSamples", () => {
  it("parses samples and fills instance_id", async () => {
    const samples = await readSamples(file(`${sampleLine({ id: "a" })}\n${sampleLine({ id: "b", instance_id: "x" })}\n`));
    expect(samples.map((s) => [s.id, s.instance_id])).toEqual([
      ["a", "a"],
      ["b", "x"],
    ]);
  });

  it("rejects duplicate ids, naming both lines", async () => {
    const err = await failure(readSamples(file(`${sampleLine({ id: "a" })}\n${sampleLine({ id: "b" })}\n${sampleLine({ id: "a" })}\n`)));
    expect(err.line).toBe(3);
    expect(err.message).toContain("first used on line 1");
  });

  it("rejects a file without samples", async () => {
    const err = await failure(readSamples(file("\n\n")));
    expect(err.message).toContain("no samples");
  });

  it("rejects duplicate ids across files", async () => {
    const a = file(`${sampleLine({ id: "a" })}\n`);
    const b = file(`${sampleLine({ id: "b" })}\n${sampleLine({ id: "a" })}\n`);
    const err = await failure(readSamplesMany([a, b]));
    expect(err.message).toContain(`also in ${a}`);
    expect(err).toMatchObject({ file: b, line: 2, field: "id" });
    expect(await readSamplesMany([a, file(`${sampleLine({ id: "c" })}\n`)])).toHaveLength(2);
  });
});

describe("writeJsonl", () => {
  it("writes one value per line and leaves no temp file", async () => {
    const sub = join(dir, "out");
    const path = join(sub, "w.jsonl");
    writeJsonl(path, [{ x: 1, y: 2 }, { x: 3, y: 4 }]);
    expect(readFileSync(path, "utf8")).toBe('{"x":1,"y":2}\n{"x":3,"y":4}\n');
    expect(readdirSync(sub)).toEqual(["w.jsonl"]);
    expect((await collect(readJsonl(path, Point))).length).toBe(2);
  });

  it("writes nothing when a value cannot be serialised", () => {
    const path = join(dir, "never.jsonl");
    expect(() => writeJsonl(path, [{ x: 1n }])).toThrow();
    expect(existsSync(path)).toBe(false);
  });
});
