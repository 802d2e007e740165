import { describe, expect, it } from "vitest";
import { locate, markerContents, markSpans, projectSpans, readMarkers, tokenOffsets } from "../../src/pipelines/projection.ts";
import { mapRecordSpans } from "../../src/data/sample.ts";
import { readTranslation, translationMessages, languageLabel } from "../../src/pipelines/translator.ts";
import { withTranslationContext } from "../../src/pipelines/pipelines.ts";

describe("markSpans", () => {
  it("marks the first occurrence of each distinct span, numbered in order", () => {
    const m = markSpans("remind me today at 4pm about today", ["today at 4pm", "today at 4pm", "me"]);
    expect(m.text).toBe("remind <m2>me</m2> <m1>today at 4pm</m1> about today");
    expect([...m.markers]).toEqual([[1, "today at 4pm"], [2, "me"]]);
  });

  it("nests a span inside another (outer opens first, inner closes first)", () => {
    const m = markSpans("the convoy near Kandahar", ["the convoy near Kandahar", "Kandahar", "the convoy"]);
    expect(m.text).toBe("<m1><m3>the convoy</m3> near <m2>Kandahar</m2></m1>");
  });

  it("leaves unmarked a span that only crosses a marked one, or does not occur", () => {
    const m = markSpans("New York City", ["New York", "York City", "Boston"]);
    expect(m.text).toBe("<m1>New York</m1> City");
    expect(m.markers.size).toBe(1);
  });

  it("moves on to a later occurrence when the first one would cross", () => {
    // "a b" at [0,3) crosses "ab a" at [1,5); its next occurrence [6,9) is free.
    const m = markSpans("a b a b", ["b a"]);
    expect(m.text).toBe("a <m1>b a</m1> b");
    const n = markSpans("xa b a b", ["a b", "b a"]);
    // "a b" takes [1,4); "b a" at [3,6) crosses it and has no other occurrence.
    expect(n.text).toBe("x<m1>a b</m1> a b");
    const o = markSpans("b a x a b", ["b a", "a x a", "a b"]);
    // "a x a" at [2,7) crosses "b a" [0,3); "a b" at [6,9) is disjoint from [0,3).
    expect(o.text).toBe("<m1>b a</m1> x <m2>a b</m2>");
  });
});

describe("readMarkers", () => {
  it("returns the plain text and what each marker encloses, nested markers removed", () => {
    const r = readMarkers("Füge <m1>eine Erinnerung <m2>heute</m2></m1> hinzu");
    expect(r.plain).toBe("Füge eine Erinnerung heute hinzu");
    expect(r.spans.get(1)).toBe("eine Erinnerung heute");
    expect(r.spans.get(2)).toBe("heute");
  });

  it("tolerates spacing and case in tags, ignores unclosed and unopened markers", () => {
    const r = readMarkers("< M1 >Berlin</m1 > und <m2>morgen </m3>");
    expect(r.spans.get(1)).toBe("Berlin");
    expect(r.spans.has(2)).toBe(false);
    expect(r.spans.has(3)).toBe(false);
    expect(r.plain).toBe("Berlin und morgen ");
  });
});

describe("tokenOffsets", () => {
  it("keeps words whole and splits scripts written without spaces into characters", () => {
    const text = "Zeige 4pm, 明天北京";
    expect(tokenOffsets(text).map((t) => text.slice(t.start, t.end))).toEqual(["Zeige", "4pm", ",", "明", "天", "北", "京"]);
  });
});

describe("locate", () => {
  it("takes an exact occurrence outright", () => {
    expect(locate("Wird es morgen in Berlin regnen?", "Berlin", 0.9)).toEqual({ start: 18, end: 24, text: "Berlin", similarity: 1 });
  });

  it("finds the most similar window of whole tokens, case-insensitively", () => {
    // "erinnerungen" vs "Erinnerung": 10 of 12 code points kept → similarity 1 − 2/12.
    const found = locate("Zeige alle Erinnerungen", "erinnerung", 0.6)!;
    expect(found.text).toBe("Erinnerungen");
    expect(found.similarity).toBeCloseTo(1 - 2 / 12, 10);
  });

  it("gives up below the threshold", () => {
    expect(locate("Zeige alle Erinnerungen", "reminders", 0.6)).toBeUndefined();
  });

  it("works on characters in Chinese text", () => {
    expect(locate("明天北京会下雨吗", "北京", 0.8)?.text).toBe("北京");
    // "北京" and "北京会" are both 1 − 1/3 from "北京市"; the tie goes to the equal length.
    expect(locate("明天北京会下雨吗", "北京市", 0.6)).toMatchObject({ text: "北京会", similarity: 1 - 1 / 3 });
  });
});

describe("projectSpans", () => {
  it("uses the marker contents first, falls back to aligning the English span, and drops the rest", () => {
    const source = "Erinnere mich heute um 4 Uhr an Berlin";
    const marked = new Map([["today at 4pm", "heute um 4 Uhr"], ["the call", "den Anruf"]]);
    const out = projectSpans(source, ["today at 4pm", "Berlin", "the call"], marked, { marker: 0.6, alignment: 0.8 });
    expect(out.get("today at 4pm")).toMatchObject({ projected: "heute um 4 Uhr", method: "marker", similarity: 1 });
    expect(out.get("Berlin")).toMatchObject({ projected: "Berlin", method: "alignment" });
    expect(out.get("the call")).toMatchObject({ projected: undefined, method: undefined });
  });

  it("reads marker contents by marker number from the back-translation", () => {
    const marked = markSpans("show all reminders", ["all", "reminders"]);
    const contents = markerContents(marked, "<translation>Zeige <m1>alle</m1> <m2>Erinnerungen</m2></translation>");
    expect([...contents]).toEqual([["all", "alle"], ["reminders", "Erinnerungen"]]);
  });
});

describe("mapRecordSpans", () => {
  const map = (span: string) => ({ convoy: "Konvoi", Rebels: "Rebellen", Ada: "Ada" } as Record<string, string>)[span];
  it("replaces spans and drops the record when its span is lost", () => {
    expect(mapRecordSpans("NER", { entity: "Ada", entity_type: "person" }, map)).toEqual({ record: { entity: "Ada", entity_type: "person" }, lost: 0 });
    expect(mapRecordSpans("SF", { slot: "Bob", slot_type: "person" }, map)).toEqual({ record: undefined, lost: 1 });
    expect(mapRecordSpans("RE", { head: "Ada", tail: "Bob", relation: "knows" }, map)).toEqual({ record: undefined, lost: 1 });
  });

  it("keeps an EE event whose trigger projects, without the arguments that do not", () => {
    const ev = { event_trigger: "convoy", event_type: "Attack", arguments: [{ role: "Attacker", argument: "Rebels" }, { role: "Place", argument: "Kandahar" }] };
    expect(mapRecordSpans("EE", ev, map)).toEqual({
      record: { event_trigger: "Konvoi", event_type: "Attack", arguments: [{ role: "Attacker", argument: "Rebellen" }] },
      lost: 1,
    });
  });
});

describe("translator requests", () => {
  it("names both languages and asks to keep markers when the text has them", () => {
    const [system, user] = translationMessages({ text: "show <m1>all</m1>", from: "eng", to: "deu", markers: true });
    expect(system!.content).toContain("<translation>");
    expect(user!.content.split("\n").slice(0, 3)).toEqual(["# Translate", "From: English (eng)", "To: German (deu)"]);
    expect(user!.content).toContain("Keep every marker");
    expect(user!.content.endsWith("Text:\nshow <m1>all</m1>")).toBe(true);
    expect(languageLabel("bar")).toBe("Bavarian (bar)");
  });

  it("reads the translation between tags, else the whole reply", () => {
    expect(readTranslation("Sure!\n<translation> Do I need a sweater? </translation>\nnote")).toBe("Do I need a sweater?");
    expect(readTranslation("Do I need a sweater?")).toBe("Do I need a sweater?");
    expect(readTranslation("<translation>cut off")).toBe("cut off");
    expect(readTranslation("  ")).toBeUndefined();
  });
});

describe("withTranslationContext", () => {
  it("inserts the block before the query's Text line, leaving other messages alone", () => {
    const messages = [
      { role: "system" as const, content: "I" },
      { role: "user" as const, content: "Slot types: [\"a\"]\nText: demo" },
      { role: "assistant" as const, content: "[]" },
      { role: "user" as const, content: "Slot types: [\"a\"]\nText: Zeige alles" },
    ];
    const out = withTranslationContext(messages, "English translation: show all");
    expect(out[3]!.content).toBe("Slot types: [\"a\"]\nEnglish translation: show all\nText: Zeige alles");
    expect(out[1]!.content).toBe(messages[1]!.content);
    expect(messages[3]!.content).toBe("Slot types: [\"a\"]\nText: Zeige alles");
  });
});
