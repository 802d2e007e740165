import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alignTokens, spanText } from "../../src/data/importers/align.ts";
import { bioSpans, parseTag, type ParsedTag } from "../../src/data/importers/bio.ts";
import { parseConll } from "../../src/data/importers/conll.ts";
import { stripEntityMarkers } from "../../src/data/importers/relx.ts";
import { langFromFileName, splitFromFileName } from "../../src/data/importers/source-info.ts";
import { readSourceLines } from "../../src/data/importers/text-file.ts";
import { UserInputError } from "../../src/errors.ts";
import { tempDir } from "./helpers.ts";

describe("alignTokens", () => {
  it("finds tokens that the text writes without spaces", () => {
    const result = alignTokens("すべて を 表示", ["すべて", "を", "表", "示"]);
    expect(result).toEqual({
      ranges: [
        { start: 0, end: 3 },
        { start: 4, end: 5 },
        { start: 6, end: 7 },
        { start: 7, end: 8 },
      ],
    });
  });

  it("tolerates whitespace the text puts inside a token", () => {
    const text = "Famme tutt ' 'e";
    const result = alignTokens(text, ["Famme", "tutt'", "'e"]);
    if (!("ranges" in result)) throw new Error("no alignment");
    expect(spanText(text, result.ranges, 1, 1)).toBe("tutt '");
  });

  it("gives empty tokens no range and spans skip them", () => {
    const text = "给 这 本 书";
    const result = alignTokens(text, ["给", "这", "", "本", "书"]);
    if (!("ranges" in result)) throw new Error("no alignment");
    expect(result.ranges[2]).toBeUndefined();
    expect(spanText(text, result.ranges, 1, 3)).toBe("这 本");
    expect(spanText(text, result.ranges, 2, 2)).toBeUndefined();
  });

  it("reports the first token that is not in the text", () => {
    expect(alignTokens("wake me at 8", ["wake", "me", "up", "at", "8"])).toEqual({ failedToken: 2 });
  });
});

describe("bioSpans", () => {
  const tags = (...raw: string[]): ParsedTag[] => raw.map((t) => parseTag(t)!);
  it("groups B/I runs and opens a new span at an I- that continues nothing", () => {
    expect(bioSpans(tags("B-PER", "I-PER", "O", "I-LOC", "B-LOC", "B-LOC", "I-ORG"))).toEqual([
      { type: "PER", first: 0, last: 1 },
      { type: "LOC", first: 3, last: 3 },
      { type: "LOC", first: 4, last: 4 },
      { type: "LOC", first: 5, last: 5 },
      { type: "ORG", first: 6, last: 6 },
    ]);
  });

  it("keeps slashes and dashes in slot types; rejects malformed tags", () => {
    expect(parseTag("B-weather/attribute")).toEqual({ kind: "B", type: "weather/attribute" });
    expect(parseTag("I-reference-part")).toEqual({ kind: "I", type: "reference-part" });
    expect(parseTag("X-PER")).toBeUndefined();
    expect(parseTag("-")).toBeUndefined();
  });
});

describe("parseConll", () => {
  it("splits sentences, reads comments (= and :) and keeps line numbers", () => {
    const sentences = parseConll(["# id = 1", "# text-it: ciao", "# text = a b", "1\ta", "2\tb", "", "", "# text = c", "1\tc"]);
    expect(sentences).toHaveLength(2);
    expect(sentences[0]!.comments.get("text")).toBe("a b");
    expect(sentences[0]!.comments.get("text-it")).toBe("ciao");
    expect(sentences[0]!.rows.map((r) => r.line)).toEqual([4, 5]);
    expect(sentences[1]!.line).toBe(8);
  });
});

describe("stripEntityMarkers", () => {
  it("removes markers with the space inside them, keeping the outer spacing", () => {
    expect(stripEntityMarkers("The <e1> Sacramento Heatwave </e1> is based in Sacramento <e2> California </e2>.")).toEqual({
      text: "The Sacramento Heatwave is based in Sacramento California.",
      e1: "Sacramento Heatwave",
      e2: "California",
    });
  });

  it("handles markers glued to words and nested entities", () => {
    expect(stripEntityMarkers("<e2>Sun Media</e2>'nın <e1> ACS </e1>")).toEqual({ text: "Sun Media'nın ACS", e1: "ACS", e2: "Sun Media" });
    expect(stripEntityMarkers("dem <e2> 6. Arkansas <e1> Infanterie </e1> </e2> Regiment")?.text).toBe("dem 6. Arkansas Infanterie Regiment");
  });

  it("rejects a missing or repeated marker", () => {
    expect(stripEntityMarkers("<e1> A </e1> and B")).toBeUndefined();
    expect(stripEntityMarkers("<e1> A </e1> <e1> B </e1> <e2> C </e2>")).toBeUndefined();
    expect(stripEntityMarkers("<e1> A <e2> C </e2>")).toBeUndefined();
  });
});

describe("file-name conventions", () => {
  it("reads language and split from the datasets' file names", () => {
    expect(langFromFileName("/d/xsid/de-ba.test.conll", "xsid")).toBe("de-ba");
    expect(langFromFileName("uner/en_ewt-ud-dev.iob2", "uner")).toBe("en");
    expect(langFromFileName("RELX_tr.txt", "relx")).toBe("tr");
    expect(splitFromFileName("en.valid.conll")).toBe("dev");
    expect(splitFromFileName("en_ewt-ud-test.iob2")).toBe("test");
    expect(splitFromFileName("train_base.json")).toBe("train");
    expect(splitFromFileName("RELX_en.txt")).toBeUndefined();
  });
});

describe("readSourceLines", () => {
  const dir = tempDir();

  it("reports a missing file or a directory as the user's error, naming the path", () => {
    for (const [path, message] of [
      [join(dir, "missing.conll"), "file not found"],
      [dir, "is a directory, expected a data file"],
    ] as const) {
      let caught: unknown;
      try {
        readSourceLines(path);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(UserInputError);
      expect((caught as UserInputError).file).toBe(path);
      expect((caught as UserInputError).message).toContain(message);
    }
  });

  it("names the first line that is not UTF-8", () => {
    const path = join(dir, "bad.conll");
    writeFileSync(path, Buffer.concat([Buffer.from("# text = ok\nfine\n"), Buffer.from([0x41, 0xff, 0x0a])]));
    expect(() => readSourceLines(path)).toThrow(/:3: the line contains bytes that are not valid UTF-8/);
  });
});
