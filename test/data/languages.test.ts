import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.ts";
import { isKnownIso6393, toIso6393, tryToIso6393 } from "../../src/data/languages.ts";

describe("toIso6393", () => {
  it("maps ISO 639-1 and the datasets' own codes", () => {
    const expected: Record<string, string> = {
      en: "eng", de: "deu", "de-ba": "bar", gsw: "gsw", nap: "nap", zh: "zho", ja: "jpn", ar: "ara",
      da: "dan", id: "ind", it: "ita", kk: "kaz", lt: "lit", nl: "nld", sr: "srp", tr: "tur",
      pt: "por", tl: "tgl", es: "spa", fr: "fra", ru: "rus", hi: "hin",
    };
    for (const [code, iso] of Object.entries(expected)) expect(toIso6393(code), code).toBe(iso);
  });

  it("accepts known ISO 639-3 codes as they are, case-insensitively and with _ for -", () => {
    expect(toIso6393("eng")).toBe("eng");
    expect(toIso6393("DE_BA")).toBe("bar");
    expect(isKnownIso6393("bar")).toBe(true);
  });

  it("never passes an unknown code through", () => {
    expect(tryToIso6393("xx")).toBeUndefined();
    // A region-looking subtag is not dropped: de-ba is Bavarian, so de-at must not become deu silently.
    expect(tryToIso6393("de-at")).toBeUndefined();
    expect(() => toIso6393("klingon", { file: "x.conll" })).toThrow(UserInputError);
    expect(() => toIso6393("klingon", { file: "x.conll" })).toThrow(/x\.conll: unknown language code 'klingon'/);
  });
});
