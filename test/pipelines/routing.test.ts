/**
 * Frozen routings: built from a per-language choice, written by `ieopt eval
 * --freeze-routing`, and evaluated with `ieopt eval --prompt routing.json`, which answers
 * each language with its route. θ and translator are the sim (sim numbers, plumbing only).
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePrompt } from "../../src/eval/prompt-source.ts";
import { freezeResolved } from "../../src/pipelines/cli.ts";
import { parseRouting, routingFromChoice, ROUTING_FORMAT } from "../../src/pipelines/routing.ts";
import type { PipelineChoice } from "../../src/pipelines/choice.ts";
import { EXAMPLES, ieopt, tempDir } from "../eval-cli/helpers.ts";

let dir = "";
beforeAll(() => {
  dir = tempDir("ieopt-routing-");
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});
const data = join(EXAMPLES, "sf/test.jsonl");

async function frozenDefault(pipeline?: "transfusion") {
  const resolved = await resolvePrompt("default:SF", { runsDir: dir });
  return freezeResolved(pipeline ? { ...resolved, pipeline } : resolved);
}

describe("routingFromChoice", () => {
  it("routes each language to its route, leaves the rest to the baseline, and freezes only the routes used", async () => {
    const d = await frozenDefault();
    const f = await frozenDefault("transfusion");
    const choice: PipelineChoice = {
      task: "SF", model: "sim", simulated: true, baseline: "p",
      candidates: [{ name: "p", pipeline: "direct" }, { name: "p@transfusion", pipeline: "transfusion" }, { name: "p@translate-test", pipeline: "translate-test" }],
      by_lang: [
        { lang: "deu", instances: 4, lf1: {}, winner: "p@transfusion", route: "p@transfusion" },
        { lang: "zho", instances: 4, lf1: {}, winner: "p@translate-test", route: "p" },
      ],
    };
    const routing = routingFromChoice(choice, (name) => (name === "p" ? d : f), {});
    expect(routing).toMatchObject({ format: ROUTING_FORMAT, task: "SF", default: "p", languages: { deu: "p@transfusion" } });
    expect(Object.keys(routing.routes)).toEqual(["p", "p@transfusion"]);
    expect(routing.routes["p@transfusion"]!.pipeline).toBe("transfusion");
    expect(parseRouting(JSON.parse(JSON.stringify(routing)), "r.json").languages).toEqual({ deu: "p@transfusion" });
  });
});

describe("ieopt eval with a routing", () => {
  it("answers each language with its route: the routed scores are the route's own", async () => {
    const routing = { format: ROUTING_FORMAT, task: "SF", default: "d", languages: { deu: "f" }, routes: { d: await frozenDefault(), f: await frozenDefault("transfusion") }, provenance: {} };
    const file = join(dir, "routing.json");
    writeFileSync(file, JSON.stringify(routing));
    const r = await ieopt("eval", "--prompt", file, "--prompt", "default:SF", "--pipeline", "direct,transfusion", "--data", data, "--out", join(dir, "out"), "--json");
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const [routed, direct, fusion] = report.results;
    expect([routed.prompt, direct.prompt, fusion.prompt]).toEqual(["routing", "default:SF", "default:SF@transfusion"]);
    expect(routed.by_lang.deu).toEqual(fusion.by_lang.deu);
    for (const lang of Object.keys(direct.by_lang).filter((l) => l !== "deu")) expect(routed.by_lang[lang], lang).toEqual(direct.by_lang[lang]);
    const traces = readFileSync(routed.predictions, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    for (const t of traces) expect(t.pipeline.pipeline, t.id).toBe(t.id.includes("-deu-") ? "transfusion" : "direct");
    // Each routed answer is its route's own answer (the sim may score both routes alike on
    // deu, so the answers are compared, not only the scores).
    const answers = (file: string) => new Map(readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l)).map((t) => [t.id, JSON.stringify(t.output ?? t.records)]));
    const [viaRoute, viaDirect, viaFusion] = [answers(routed.predictions), answers(direct.predictions), answers(fusion.predictions)];
    expect(viaRoute.size).toBe(traces.length);
    for (const [id, answer] of viaRoute) {
      expect(answer, id).toMatch(/\S/);
      expect(answer, id).toBe((id.includes("-deu-") ? viaFusion : viaDirect).get(id));
    }
  });

  it("--freeze-routing writes a routing that eval reads back", async () => {
    const file = join(dir, "frozen-routing.json");
    const r = await ieopt("eval", "--prompt", "default:SF", "--pipeline", "direct,translate-test", "--data", data, "--out", join(dir, "out2"), "--freeze-routing", file, "--quiet");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`routing: ${file} (default default:SF`);
    expect(r.stdout).toContain("chosen on sim numbers");
    const routing = parseRouting(JSON.parse(readFileSync(file, "utf8")), file);
    expect(routing.provenance).toMatchObject({ model: "sim", simulated: true });
    const again = await ieopt("eval", "--prompt", file, "--data", data, "--out", join(dir, "out3"), "--json");
    expect(again.code, again.stderr).toBe(0);
  });

  it("refuses --freeze-routing with one pipeline, and a routing naming a missing route", async () => {
    const one = await ieopt("eval", "--prompt", "default:SF", "--data", data, "--out", join(dir, "out4"), "--freeze-routing", join(dir, "x.json"));
    expect(one.code).toBe(2);
    expect(one.stderr).toContain("evaluate two or more");
    const bad = join(dir, "bad-routing.json");
    writeFileSync(bad, JSON.stringify({ format: ROUTING_FORMAT, task: "SF", default: "d", languages: { deu: "nope" }, routes: { d: await frozenDefault() } }));
    const r = await ieopt("eval", "--prompt", bad, "--data", data, "--out", join(dir, "out5"));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad} field 'languages.deu': no route named 'nope' (routes: d)`);
  });
});
