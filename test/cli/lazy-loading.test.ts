/**
 * Lazy start-up: a subcommand loads only what it uses. `score` and `data validate` never
 * load the openai SDK or the sim (wherever the sim lives: any `sim/` folder of the repo),
 * `score` not even node:crypto, and the top-level help lists the same commands the full
 * tree registers.
 */
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.ts";
import { BIN, ROOT, testTemp } from "../helpers/cli.ts";

const RECORDER = fileURLToPath(new URL("../helpers/record-modules.mjs", import.meta.url));

/**
 * Runs the real CLI and returns its exit code, the repo-relative paths of every module it
 * resolved, and the names of Node's own modules it loaded (however: import or getBuiltinModule).
 */
function modulesLoadedBy(args: string[], dir: string): Promise<{ code: number; stderr: string; modules: string[]; builtins: string[] }> {
  const out = join(dir, "modules.txt");
  return new Promise((done) => {
    execFile(process.execPath, ["--import", RECORDER, BIN, ...args], { cwd: ROOT, env: { ...process.env, IEOPT_RECORD_MODULES: out } }, (err, _stdout, stderr) => {
      const lines = readFileSync(out, "utf8").split("\n");
      const modules = lines
        .filter((url) => url.startsWith("file:"))
        .map((url) => relative(ROOT, fileURLToPath(url)).split("\\").join("/"));
      const builtins = lines.filter((line) => line.startsWith("builtin:")).map((line) => line.slice("builtin:".length));
      done({ code: err ? Number(err.code) : 0, stderr, modules, builtins });
    });
  });
}

const isOpenAI = (path: string) => /(^|\/)node_modules\/openai\//.test(path);
const isSim = (path: string) => !path.startsWith("node_modules/") && /(^|\/)sim\//.test(path);

function writeJsonl(path: string, lines: unknown[]): string {
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return path;
}

describe("lazy CLI start-up", () => {
  it("the path patterns recognise the openai SDK and the sim where the full tree loads them", async () => {
    const dir = testTemp();
    const { code, modules } = await modulesLoadedBy(["sim", "--help"], dir);
    expect(code).toBe(0);
    expect(modules.some(isSim)).toBe(true);
    const all = await modulesLoadedBy(["eval", "--help"], dir);
    expect(all.modules.some(isOpenAI)).toBe(true);
    // The openai SDK hashes with node:crypto: the builtin list sees it where it is loaded.
    expect(all.builtins).toContain("crypto");
  });

  it("score and data validate load neither the openai SDK nor the sim", async () => {
    const dir = testTemp();
    const sample = { id: "s1", dataset: "toy", lang: "deu", task: "NER", split: "test", text: "Ann lebt in Paris.", schema: ["location"] };
    const gold = writeJsonl(join(dir, "gold.jsonl"), [{ ...sample, labels: [{ entity: "Paris", entity_type: "location" }] }]);
    const pred = writeJsonl(join(dir, "pred.jsonl"), [{ id: "s1", output: '[{"entity": "Paris", "entity_type": "location"}]' }]);
    for (const args of [
      ["score", "--gold", gold, "--pred", pred, "--json"],
      ["data", "validate", gold],
    ]) {
      const { code, stderr, modules, builtins } = await modulesLoadedBy(args, dir);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(modules.length).toBeGreaterThan(5); // the recorder saw the command's own modules
      expect(modules.filter(isOpenAI)).toEqual([]);
      expect(modules.filter(isSim)).toEqual([]);
      // Scoring hashes nothing; loading node:crypto costs ~15 ms of its start-up (programs hash their version lazily).
      if (args[0] === "score") expect(builtins).not.toContain("crypto");
    }
  });

  it("--version and --help load no subcommand", async () => {
    const dir = testTemp();
    for (const args of [["--version"], ["--help"]]) {
      const { code, modules } = await modulesLoadedBy(args, dir);
      expect(code).toBe(0);
      expect(modules.filter((m) => m.startsWith("src/cli/commands/"))).toEqual([]);
    }
  });

  it("the top-level help lists the commands exactly as the full tree does", async () => {
    const lazy = await buildProgram(["node", "ieopt", "--help"]);
    const full = await buildProgram();
    expect(lazy.helpInformation()).toBe(full.helpInformation());
  });
});
