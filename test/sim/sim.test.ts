/**
 * The sim model's extraction behaviour on hand-built prompts (no data files): determinism,
 * sampling, scripts, in-context learning (and being misled by wrong labels), structured
 * outputs, reasoning and truncation. Scores here are sim behaviour, not LLM results.
 */
import { describe, expect, it } from "vitest";
import { createSimLM, isSimModel, resolveProfile } from "../../sim/index.ts";
import { PROGRAMS } from "../../programs/index.ts";
import type { Demo } from "../../programs/index.ts";
import type { ChatMessage } from "../../src/lm/types.ts";
import type { IERecord } from "../../src/data/sample.ts";

const ner = PROGRAMS.NER;

function nerPrompt(text: string, demos: Demo[], schema = ["person", "location", "organization"], instruction = ner.defaultInstruction, reasoning = false): ChatMessage[] {
  return ner.render({ text, schema }, { instruction, demos, reasoning });
}

const nerDemo = (text: string, records: { entity: string; entity_type: string }[], schema = ["person", "location", "organization"]): Demo => ({ input: { text, schema }, records, source: "labeled" });

async function records(messages: ChatMessage[], profile = "sim-large", extra: object = {}): Promise<IERecord[]> {
  const res = await createSimLM(profile).complete({ messages, ...extra });
  const parsed = ner.parse(res.choices[0]!);
  if (!parsed.ok) throw new Error(`unparseable: ${res.choices[0]}`);
  return parsed.records;
}

describe("profiles and identity", () => {
  it("accepts the three profiles, with or without the sim: prefix", () => {
    expect(createSimLM("sim").id).toBe("sim://sim");
    expect(createSimLM("sim-large").id).toBe("sim://sim-large");
    expect(createSimLM("sim:sim-small").model).toBe("sim-small");
    expect(createSimLM("sim:large").model).toBe("sim-large");
    expect(resolveProfile("sim:sim").name).toBe("sim");
    expect(isSimModel("gpt-4o")).toBe(false);
  });

  it("rejects an unknown profile with a clear error", () => {
    expect(() => createSimLM("sim-huge")).toThrow(/unknown sim profile 'sim-huge'.*sim-small, sim, sim-large/);
  });

  it("reports usage from a deterministic estimate and is never cached", async () => {
    const res = await createSimLM("sim").complete({ messages: nerPrompt("Ada Lovelace lived in London.", [...ner.defaultDemos]) });
    expect(res.cached).toBe(false);
    expect(res.usage.prompt_tokens).toBeGreaterThan(50);
    expect(res.usage.completion_tokens).toBeGreaterThan(0);
    const again = await createSimLM("sim").complete({ messages: nerPrompt("Ada Lovelace lived in London.", [...ner.defaultDemos]) });
    expect(again.usage).toEqual(res.usage);
  });
});

describe("determinism and sampling", () => {
  const messages = nerPrompt("Marta Kowalska met Jonas Berg in Warsaw before flying to Oslo with Nordic Air.", [...ner.defaultDemos], ["person", "location", "organization"], "Find things.");

  it("answers the same request identically at temperature 0, whatever the seed or draw", async () => {
    const lm = createSimLM("sim");
    const a = await lm.complete({ messages, temperature: 0 });
    const b = await lm.complete({ messages, temperature: 0, seed: 7, draw: 3 });
    expect(b.choices).toEqual(a.choices);
  });

  it("varies reproducibly with seed and draw at temperature > 0", async () => {
    const lm = createSimLM("sim-small");
    const answers = new Set<string>();
    for (let draw = 0; draw < 12; draw++) {
      const x = await lm.complete({ messages, temperature: 1, seed: 1, draw });
      const y = await lm.complete({ messages, temperature: 1, seed: 1, draw });
      expect(y.choices).toEqual(x.choices);
      answers.add(x.choices[0]!);
    }
    expect(answers.size).toBeGreaterThan(2);
    const s1 = await lm.complete({ messages, temperature: 1, seed: 1 });
    const s2 = await lm.complete({ messages, temperature: 1, seed: 1 });
    expect(s2.choices).toEqual(s1.choices);
  });

  it("returns n different choices at temperature > 0", async () => {
    const res = await createSimLM("sim-small").complete({ messages, temperature: 1, n: 6, seed: 3 });
    expect(res.choices).toHaveLength(6);
    expect(new Set(res.choices).size).toBeGreaterThan(1);
  });
});

describe("extraction from a hand-built prompt (no data files)", () => {
  const demos = [...ner.defaultDemos];

  it("extracts Latin-script entities and copies spans verbatim", async () => {
    const text = "Angela Merkel flew from Berlin to Tokyo with officials of Siemens AG.";
    const recs = await records(nerPrompt(text, demos));
    expect(recs).toContainEqual({ entity: "Angela Merkel", entity_type: "person" });
    expect(recs.some((r) => "entity" in r && r.entity === "Tokyo" && r.entity_type === "location")).toBe(true);
    for (const r of recs) if ("entity" in r) expect(text).toContain(r.entity);
  });

  it("finds capitalised names in Cyrillic script (casing is generic knowledge)", async () => {
    let found = 0;
    for (const text of ["Владимир Соколов прилетел в Москву из Парижа.", "Мария Иванова живёт в Берлине и работает в Лондоне.", "Президент Франции посетил Киев."]) {
      const recs = await records(nerPrompt(text, demos));
      for (const r of recs) {
        expect(text).toContain(r.entity);
        found++;
      }
    }
    expect(found).toBeGreaterThanOrEqual(3);
  });

  it("in scripts without case it finds what the prompt taught, and little else (the transfer gap)", async () => {
    const texts = ["زار محمد علي القاهرة يوم الاثنين.", "李明在北京会见了法国代表团。", "王芳从上海前往东京。"];
    const taught = [
      nerDemo("وصل محمد علي أمس.", [{ entity: "محمد علي", entity_type: "person" }]),
      nerDemo("北京的天气很好，上海也是。", [{ entity: "北京", entity_type: "location" }, { entity: "上海", entity_type: "location" }]),
      ...demos.slice(0, 1),
    ];
    let untaughtHits = 0;
    let taughtHits = 0;
    for (const text of texts) {
      untaughtHits += (await records(nerPrompt(text, demos))).filter((r) => text.includes(String(r.entity)) && r.entity_type !== "organization").length;
      taughtHits += (await records(nerPrompt(text, taught))).filter((r) => ["محمد علي", "北京", "上海"].includes(String(r.entity))).length;
    }
    expect(taughtHits).toBeGreaterThanOrEqual(3);
    expect(taughtHits).toBeGreaterThan(untaughtHits);
  });

  it("learns a span's type from a demo and finds it by substring search in CJK", async () => {
    const demo = nerDemo("阿里巴巴的总部在杭州。", [{ entity: "阿里巴巴", entity_type: "organization" }, { entity: "杭州", entity_type: "location" }]);
    const recs = await records(nerPrompt("马云创立了阿里巴巴。", [demo, ...demos]));
    expect(recs).toContainEqual({ entity: "阿里巴巴", entity_type: "organization" });
  });

  it("is misled by wrong demo labels (it learns the wrong association)", async () => {
    const text = "Ada Quist moved to Paris last year.";
    const right = await records(nerPrompt(text, [nerDemo("Paris is where Jonas Berg works.", [{ entity: "Paris", entity_type: "location" }, { entity: "Jonas Berg", entity_type: "person" }]), ...demos.slice(1)]));
    const wrong = await records(nerPrompt(text, [nerDemo("Paris is where Jonas Berg works.", [{ entity: "Paris", entity_type: "person" }, { entity: "Jonas Berg", entity_type: "location" }]), ...demos.slice(1)]));
    expect(right).toContainEqual({ entity: "Paris", entity_type: "location" });
    expect(wrong).toContainEqual({ entity: "Paris", entity_type: "person" });
  });

  it("mostly answers [] for texts with nothing to extract under a good prompt", async () => {
    const texts = ["the weather stayed mild for most of the week.", "prices rose again in the spring.", "nobody answered the phone.", "the meeting was short and quiet.", "it was a long day for everyone."];
    let empty = 0;
    for (const text of texts) if ((await records(nerPrompt(text, demos))).length === 0) empty++;
    expect(empty).toBeGreaterThanOrEqual(4);
  });

  it("reads type descriptions to understand abbreviated labels", async () => {
    const cases = [["Lena Vogel arrived on 12 May 2021.", "Lena Vogel", "12 May 2021"], ["Omar Haddad left on 3 June 2019.", "Omar Haddad", "3 June 2019"], ["Ada Quist was born in 1990.", "Ada Quist", "1990"]] as const;
    const lm = createSimLM("sim-large");
    let bare = 0;
    let described = 0;
    for (const [text, person, date] of cases) {
      const ask = async (descriptions?: Record<string, string>) => {
        const messages = ner.render({ text, schema: ["P1", "T2"], schema_descriptions: descriptions }, { instruction: ner.defaultInstruction, demos: [...ner.defaultDemos] });
        const p = ner.parse((await lm.complete({ messages })).choices[0]!);
        return p.ok ? p.records.filter((r) => (r.entity === person && r.entity_type === "P1") || (r.entity === date && r.entity_type === "T2")).length : 0;
      };
      bare += await ask();
      described += await ask({ P1: "person names", T2: "dates and times" });
    }
    expect(bare).toBe(0);
    expect(described).toBeGreaterThanOrEqual(3);
  });

  it("uses only schema types under a good prompt", async () => {
    const recs = await records(nerPrompt("Kofi Mensah works for Sahel Credit Union in Accra.", demos, ["person"]));
    expect(recs.length).toBeGreaterThan(0);
    for (const r of recs) expect("entity_type" in r && r.entity_type).toBe("person");
  });

  it("writes malformed output more often under a vague prompt with no demos", async () => {
    const names = ["Kofi Mensah", "Lena Vogel", "Ravi Patel", "Sara Lind", "Pablo Ruiz", "Mei Chen"];
    const places = ["Accra", "Vienna", "Pune", "Cairo", "Seoul"];
    const texts = names.flatMap((n) => places.map((p) => `${n} lives in ${p}.`));
    let badVague = 0;
    let badGood = 0;
    for (const text of texts) {
      const vague = await createSimLM("sim").complete({ messages: nerPrompt(text, [], ["person", "location"], "Do the task.") });
      const good = await createSimLM("sim").complete({ messages: nerPrompt(text, demos, ["person", "location"]) });
      if (!ner.parse(vague.choices[0]!).ok) badVague++;
      if (!ner.parse(good.choices[0]!).ok) badGood++;
    }
    expect(badVague).toBeGreaterThanOrEqual(4);
    expect(badGood).toBe(0);
  });
});

describe("structured outputs, reasoning and limits", () => {
  const demos = [...ner.defaultDemos];

  it("answers {\"records\": [...]} with response_format, never malformed, even under a vague prompt", async () => {
    for (const text of ["Kofi Mensah works in Accra.", "Lena Vogel visited Vienna.", "nothing here."]) {
      const res = await createSimLM("sim-small").complete({
        messages: nerPrompt(text, [], ["person", "location"], "Do the task."),
        response_format: { type: "json_schema", json_schema: { name: "out", schema: ner.outputJsonSchema(false) } },
      });
      const value = JSON.parse(res.choices[0]!) as { records: unknown[] };
      expect(Array.isArray(value.records)).toBe(true);
      expect(ner.parse(res.choices[0]!).ok).toBe(true);
    }
    const res = await createSimLM("sim").complete({ messages: nerPrompt("Lena Vogel visited Vienna.", demos, undefined, undefined, true), response_format: { type: "json_object" } });
    const value = JSON.parse(res.choices[0]!) as { thought: string; records: unknown[] };
    expect(typeof value.thought).toBe("string");
  });

  it("answers Thought/Answer when reasoning is on, naming spans in the thought", async () => {
    const withThoughts = demos.map((d) => ({ ...d, thought: d.records.length ? `"${(d.records[0] as { entity: string }).entity}" is a name of the listed types.` : "Nothing matches." }));
    const res = await createSimLM("sim").complete({ messages: nerPrompt("Lena Vogel visited Vienna.", withThoughts, undefined, undefined, true) });
    const text = res.choices[0]!;
    expect(text).toMatch(/^Thought: .+\nAnswer: \[/s);
    const parsed = ner.parse(text);
    expect(parsed.ok && parsed.thought).toBeTruthy();
  });

  it("answers an AutoThought-3 request with the given thought, letting its spans inform the answer", async () => {
    const messages = nerPrompt("the harbour of kessvik froze early.", demos, undefined, undefined, true);
    const thought = "The text names 'kessvik', a location; nothing else is a name.";
    messages.push({ role: "user", content: `Use this reasoning: ${thought}\nWrite the Answer.` });
    const res = await createSimLM("sim").complete({ messages });
    expect(res.choices[0]!.startsWith(`Thought: ${thought}\nAnswer: `)).toBe(true);
    const parsed = ner.parse(res.choices[0]!);
    expect(parsed.ok && parsed.records).toContainEqual({ entity: "kessvik", entity_type: "location" });
  });

  it("cuts the output at about max_tokens × 4 characters", async () => {
    const messages = nerPrompt("Angela Merkel flew from Berlin to Tokyo with officials of Siemens AG and Maria Lopez.", demos);
    const full = (await createSimLM("sim-large").complete({ messages })).choices[0]!;
    const cut = (await createSimLM("sim-large").complete({ messages, max_tokens: 8 })).choices[0]!;
    expect(full.length).toBeGreaterThan(40);
    expect(cut.length).toBeLessThanOrEqual(32);
    expect(full.startsWith(cut)).toBe(true);
  });

  it("honours stop sequences", async () => {
    const messages = nerPrompt("Lena Vogel visited Vienna.", demos);
    const res = await createSimLM("sim-large").complete({ messages, stop: ["entity_type"] });
    expect(res.choices[0]).not.toContain("entity_type");
  });

  it("rejects an aborted call", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(createSimLM("sim").complete({ messages: nerPrompt("x", demos) }, { signal: controller.signal })).rejects.toThrow(/aborted/);
  });
});
