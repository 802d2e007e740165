import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { UserInputError } from "../../src/errors.ts";
import { importFewfc, importRelx, importUner, importXsid } from "../../src/data/importers/index.ts";
import { recordSpans, type IERecord, type Sample } from "../../src/data/sample.ts";
import { HAS_SHARED_DATA, SHARED_DATA, tempDir } from "./helpers.ts";

const dir = tempDir();
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function expectSpansInText(samples: readonly Sample[]): void {
  for (const s of samples) {
    for (const label of s.labels as IERecord[]) {
      for (const span of recordSpans(s.task, label)) {
        if (!s.text.includes(span)) throw new Error(`${s.id}: span '${span}' not in '${s.text}'`);
      }
    }
  }
}

describe("xSID importer", () => {
  const xsid = [
    "# text = すべて の リマインダー を 表示",
    "# intent = reminder/show_reminders",
    "1\tすべて\treminder/show_reminders\tB-reference",
    "2\tの\treminder/show_reminders\tO",
    "3\tリマインダー\treminder/show_reminders\tB-reminder/todo",
    "4\tを\treminder/show_reminders\tO",
    "5\t表\treminder/show_reminders\tO",
    "6\t示\treminder/show_reminders\tB-reminder/todo",
    "",
    "# text = 今日 の 天気",
    "# intent = weather/find",
    "1\t今\tweather/find\tB-datetime",
    "2\t日\tweather/find\tI-datetime",
    "3\tの\tweather/find\tO",
    "4\t天気\tweather/find\tO",
    "",
  ].join("\r\n");

  it("builds instance-level SF samples with spans cut from the text", () => {
    const samples = importXsid(file("ja.test.conll", xsid));
    expect(samples.map((s) => s.id)).toEqual(["xsid/SF/jpn/test/1", "xsid/SF/jpn/test/2"]);
    expect(samples[0]).toMatchObject({ instance_id: "xsid/SF/jpn/test/1", lang: "jpn", split: "test", task: "SF", intent: "reminder/show_reminders" });
    expect(samples[0]!.labels).toEqual([
      { slot: "すべて", slot_type: "reference" },
      { slot: "リマインダー", slot_type: "reminder/todo" },
      { slot: "示", slot_type: "reminder/todo" },
    ]);
    expect(samples[1]!.labels).toEqual([{ slot: "今日", slot_type: "datetime" }]);
    expect(samples[0]!.schema).toHaveLength(35); // xSID's full slot set, not just this file's
  });

  it("uses the file's types with types: 'file', flags over file names", () => {
    const samples = importXsid(file("ja.test.conll", xsid), { types: "file", lang: "jpn", split: "dev", dataset: "xsid-ja" });
    expect(samples[0]!.schema).toEqual(["datetime", "reference", "reminder/todo"]);
    expect(samples[0]).toMatchObject({ lang: "jpn", split: "dev", dataset: "xsid-ja", id: "xsid-ja/SF/jpn/dev/1" });
  });

  it("rejects a slot type outside a given list, an unknown language, a missing # text", () => {
    expect(() => importXsid(file("ja.test.conll", xsid), { types: ["datetime"] })).toThrow(/ja\.test\.conll:1: type 'reference' is not in the schema/);
    expect(() => importXsid(file("qq.test.conll", xsid))).toThrow(/unknown language code 'qq'/);
    expect(() => importXsid(file("en.test.conll", "1\tx\ti\tO\n"))).toThrow(/en\.test\.conll:1: sentence has no '# text/);
  });
});

describe("UNER importer", () => {
  it("reads IOB2 with '-' columns and queries the full PER/ORG/LOC schema", () => {
    const path = file(
      "tl_trg-ud-test.iob2",
      "# sent_id = b-1\n# text = Pumunta si Juan sa Maynila.\n1\tPumunta\tO\t-\t-\n2\tsi\tO\t-\t-\n3\tJuan\tB-PER\t-\tx\n4\tsa\tO\t-\t-\n5\tMaynila\tB-LOC\t-\tx\n6\t.\tO\t-\t-\n",
    );
    const [s] = importUner(path);
    expect(s).toMatchObject({ id: "uner/NER/tgl/test/b-1", lang: "tgl", task: "NER", schema: ["PER", "ORG", "LOC"] });
    expect(s!.labels).toEqual([
      { entity: "Juan", entity_type: "PER" },
      { entity: "Maynila", entity_type: "LOC" },
    ]);
    expect(s!.schema_descriptions).toEqual({ PER: "Person", ORG: "Organization", LOC: "Location" });
  });

  it("names the line of a malformed tag", () => {
    const path = file("en_x-ud-test.iob2", "# text = a b\n1\ta\tO\t-\t-\n2\tb\tB_PER\t-\t-\n");
    expect(() => importUner(path)).toThrow(/en_x-ud-test\.iob2:3: tag 'B_PER'/);
  });
});

describe("RELX importer", () => {
  const relx = [
    '1\t"<e1> Viva </e1> is the brand of the <e2> York Region </e2> plan."',
    "org:alternate_names(e1,e2)",
    "",
    "",
    '2\t"<e1> Sydenham Institute </e1> ( <e2> SIMS </e2> ) is old."',
    "org:alternate_names(e2,e1)",
    "",
    "",
    '3\t"<e1> Bob </e1> met <e2> Ann </e2>."',
    "no_relation",
    "",
  ].join("\n");

  it("strips markers and honours the direction; no_relation gives empty labels", () => {
    const samples = importRelx(file("RELX_en.txt", relx));
    expect(samples.map((s) => [s.id, s.text, s.labels])).toEqual([
      ["relx/RE/eng/test/1", "Viva is the brand of the York Region plan.", [{ head: "Viva", tail: "York Region", relation: "org:alternate_names" }]],
      ["relx/RE/eng/test/2", "Sydenham Institute ( SIMS ) is old.", [{ head: "SIMS", tail: "Sydenham Institute", relation: "org:alternate_names" }]],
      ["relx/RE/eng/test/3", "Bob met Ann.", []],
    ]);
    expect(samples[0]!.schema).toHaveLength(18);
  });

  it("treats 'Other' as no relation and rejects an unknown relation with its line", () => {
    const other = importRelx(file("RELX_de.txt", '5\t"<e1> A </e1> und <e2> B </e2>"\nOther\n'));
    expect(other[0]!.labels).toEqual([]);
    expect(() => importRelx(file("RELX_fr.txt", '5\t"<e1> A </e1> et <e2> B </e2>"\n\norg:likes(e1,e2)\n'))).toThrow(
      /RELX_fr\.txt:3: relation 'org:likes' is not in the schema/,
    );
  });
});

describe("FewFC importer", () => {
  const fewfc =
    JSON.stringify({
      id: "a1",
      content: "苹果收购了Dialog的股权。",
      events: [
        {
          type: "收购",
          mentions: [
            { word: "苹果", span: [0, 2], role: "sub-org" },
            { word: "收购", span: [2, 4], role: "trigger" },
            { word: "Dialog", span: [5, 11], role: "obj-org" },
          ],
        },
      ],
    }) +
    "\n" +
    JSON.stringify({ id: "a2", content: "今天无事。", events: [] }) +
    "\n";

  it("builds EE samples: trigger plus arguments, schema items with their roles", () => {
    const samples = importFewfc(file("test_trans.json", fewfc), { task: "EE" });
    return samples.then((s) => {
      expect(s[0]).toMatchObject({ id: "fewfc/EE/zho/test/a1", lang: "zho", split: "test" });
      expect(s[0]!.schema).toEqual([{ event_type: "收购", roles: ["obj-org", "sub-org"] }]);
      expect(s[0]!.labels).toEqual([
        { event_trigger: "收购", event_type: "收购", arguments: [{ role: "sub-org", argument: "苹果" }, { role: "obj-org", argument: "Dialog" }] },
      ]);
      expect(s[1]!.labels).toEqual([]);
    });
  });

  it("builds ED samples with triggers only", async () => {
    const s = await importFewfc(file("dev_trans.json", fewfc), { task: "ED" });
    expect(s[0]).toMatchObject({ split: "dev", schema: ["收购"], labels: [{ event_trigger: "收购", event_type: "收购" }] });
  });

  it("names the line of an event without a trigger", async () => {
    const bad = fewfc + JSON.stringify({ id: "a3", content: "x", events: [{ type: "收购", mentions: [] }] }) + "\n";
    await expect(importFewfc(file("test_trans.json", bad), { task: "ED" })).rejects.toThrow(/test_trans\.json:3 field 'events\.0\.mentions'/);
  });
});

describe.skipIf(!HAS_SHARED_DATA)("importers on the real data in ../shared/data", () => {
  if (!HAS_SHARED_DATA) console.log(`skipping real-data importer tests: ${SHARED_DATA} is absent`);
  const lines = (path: string): string[] => readFileSync(path, "utf8").split("\n");
  const files = (sub: string, ext: string): string[] =>
    readdirSync(join(SHARED_DATA, sub))
      .filter((f) => f.endsWith(ext))
      .sort();

  it("xSID: one sample per '# text' line, spans in text, every language mapped", () => {
    const langs = new Set<string>();
    for (const name of files("xsid", ".conll")) {
      const path = join(SHARED_DATA, "xsid", name);
      const samples = importXsid(path);
      expect(samples.length, name).toBe(lines(path).filter((l) => l.startsWith("# text =")).length);
      expectSpansInText(samples);
      langs.add(samples[0]!.lang);
    }
    expect([...langs].sort()).toEqual(
      ["ara", "bar", "dan", "deu", "eng", "gsw", "ind", "ita", "jpn", "kaz", "lit", "nap", "nld", "srp", "tur", "zho"].sort(),
    );
  });

  it("xSID: hand-checked spans (Japanese split token, Neapolitan spacing)", () => {
    const ja = importXsid(join(SHARED_DATA, "xsid/ja.test.conll"));
    expect(ja[2]!.labels).toEqual([{ slot: "今日 の 午後 4 時", slot_type: "datetime" }]);
    const nap = importXsid(join(SHARED_DATA, "xsid/nap.test.conll"));
    expect(nap.find((s) => s.text.startsWith("Famme verè tutt"))!.labels).toContainEqual({ slot: "tutt '", slot_type: "reference" });
  });

  it("UNER: one sample per sentence, spans in text", () => {
    for (const name of files("uner", ".iob2")) {
      const path = join(SHARED_DATA, "uner", name);
      const samples = importUner(path);
      expect(samples.length, name).toBe(lines(path).filter((l) => l.startsWith("# text =")).length);
      expectSpansInText(samples);
    }
    const zh = importUner(join(SHARED_DATA, "uner/zh_gsd-ud-test.iob2"));
    expect(zh[1]!.labels).toEqual([{ entity: "人文大樓", entity_type: "LOC" }]);
  });

  it("RELX: one sample per numbered sentence, no_relation → empty labels, direction honoured", () => {
    for (const name of files("relx", ".txt")) {
      const path = join(SHARED_DATA, "relx", name);
      const samples = importRelx(path);
      const all = lines(path);
      expect(samples.length, name).toBe(all.filter((l) => /^\d+\t/.test(l)).length);
      expect(samples.filter((s) => s.labels.length === 0).length, name).toBe(all.filter((l) => l.trim() === "no_relation").length);
      expectSpansInText(samples);
    }
    const en = importRelx(join(SHARED_DATA, "relx/RELX_en.txt"));
    expect(en.find((s) => s.id === "relx/RE/eng/test/17655")!.labels).toEqual([
      { head: "SIMSREE", tail: "Sydenham Institute of Management Studies", relation: "org:alternate_names" },
    ]);
  });

  it("FewFC: one ED and one EE sample per line, spans in text", async () => {
    for (const name of ["dev_trans.json", "test_trans.json"]) {
      const path = join(SHARED_DATA, "fewfc", name);
      const count = lines(path).filter((l) => l.trim() !== "").length;
      for (const task of ["ED", "EE"] as const) {
        const samples = await importFewfc(path, { task });
        expect(samples.length, `${name} ${task}`).toBe(count);
        expectSpansInText(samples);
      }
    }
  });
});

describe("importer errors are user errors", () => {
  it("a missing file", () => {
    expect(() => importXsid(join(dir, "en.test.conll.missing"))).toThrow(UserInputError);
  });
});
