/** appendLineDurable: a line is in the file when the call returns (a kill right after loses nothing). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { appendLineDurable } from "../../src/util/fs.ts";
import { testTemp } from "../helpers/cli.ts";

describe("appendLineDurable", () => {
  it("has written each line, newline-terminated and in order, when it returns", () => {
    const path = join(testTemp("ieopt-log-"), "nested", "trials.jsonl");
    appendLineDurable(path, '{"n":0}');
    expect(readFileSync(path, "utf8")).toBe('{"n":0}\n');
    appendLineDurable(path, '{"n":1}\n');
    appendLineDurable(path, '{"n":2}');
    expect(readFileSync(path, "utf8")).toBe('{"n":0}\n{"n":1}\n{"n":2}\n');
  });
});
