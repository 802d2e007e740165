import { describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readAppendLog } from "../../src/data/jsonl.ts";
import { readPredictions } from "../../src/eval/predictions-file.ts";
import { readFinished } from "../../src/eval/predict.ts";
import { tempDir } from "../helpers/temp.ts";

const Line = z.object({ id: z.string() });

async function read(text: string) {
  const path = join(tempDir(), "log.jsonl");
  writeFileSync(path, text);
  const ids: string[] = [];
  const { droppedTail } = await readAppendLog(path, Line, "a test line", (v) => ids.push(v.id));
  return { ids, droppedTail, path };
}

describe("readAppendLog: only a cut-off last line may be dropped", () => {
  it("reads every good line, skipping blank ones", async () => {
    expect(await read('{"id":"a"}\n\n{"id":"b"}\n')).toMatchObject({ ids: ["a", "b"], droppedTail: false });
  });
  it("drops a cut-off last line (no JSON, or failing the schema) and says so", async () => {
    expect(await read('{"id":"a"}\n{"id":"b"')).toMatchObject({ ids: ["a"], droppedTail: true });
    expect(await read('{"id":"a"}\n{"id":7}\n')).toMatchObject({ ids: ["a"], droppedTail: true });
  });
  it("a bad line before the last is an error naming file:line, whether it is not JSON or fails the schema", async () => {
    const path = join(tempDir(), "bad.jsonl");
    writeFileSync(path, '{"id":"a"}\n{"id":\n{"id":"c"}\n');
    await expect(readAppendLog(path, Line, "a test line", () => {})).rejects.toThrow(`${path}:2: not a test line; fix or delete the file to start over`);
    writeFileSync(path, '{"id":"a"}\n{"id":"b"}\n{"other":1}\n{"id":"d"}\n');
    await expect(readAppendLog(path, Line, "a test line", () => {})).rejects.toThrow(`${path}:3: not a test line`);
  });
  it("eval predictions and predict output keep their own messages", async () => {
    const path = join(tempDir(), "p.jsonl");
    writeFileSync(path, '{"id":"a","output":"[]"}\nnot json\n{"id":"c","records":[]}\n');
    await expect(readPredictions(path)).rejects.toThrow(`${path}:2: not a prediction line ({"id", "output"} or {"id", "records"}); fix or delete the file to start over`);
    await expect(readFinished(path)).rejects.toThrow(`${path}:1: not a predict output line ({"id", "records"})`);
  });
});
