/**
 * `ieopt optimize --resume RUN --trials N` extends a finished study: the result equals a
 * fresh run of N trials with the same seed (trials, full evaluations, frozen prompt), with
 * trials one at a time and in parallel. Through the real CLI, sim model.
 */
import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXAMPLES, ieopt } from "../eval-cli/helpers.ts";

const work = mkdtempSync(join(tmpdir(), "ieopt-extend-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const base = (runsDir: string, parallel: string) => ["optimize", "--task", "SF", "--train", join(EXAMPLES, "sf/train.jsonl"), "--val", join(EXAMPLES, "sf/dev.jsonl"),
  "--minibatch", "8", "--full-eval-every", "2", "--demo-sets", "3", "--instructions", "3", "--seed", "7", "--parallel-trials", parallel, "--runs-dir", runsDir, "--quiet"];

const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const log = (runDir: string) => readFileSync(join(runDir, "trials.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
const trialsOf = (runDir: string) => log(runDir).filter((r) => r.kind === "trial").map(({ number, params, minibatch, score_0_1 }) => ({ number, params, minibatch, score_0_1 }));

describe("extending a study with --resume --trials", () => {
  for (const parallel of ["1", "3"]) {
    it(`equals a fresh run with that many trials and the same seed (parallel trials ${parallel})`, async () => {
      const extendedDir = join(work, `extended-${parallel}`);
      const short = await ieopt(...base(extendedDir, parallel), "--trials", "5");
      expect(short.code, short.stderr).toBe(0);
      const [id] = readdirSync(extendedDir);
      const run = join(extendedDir, id!);
      const more = await ieopt("optimize", "--resume", id!, "--trials", "9", "--runs-dir", extendedDir, "--quiet");
      expect(more.code, more.stderr).toBe(0);

      const freshDir = join(work, `fresh-${parallel}`);
      const fresh = await ieopt(...base(freshDir, parallel), "--trials", "9");
      expect(fresh.code, fresh.stderr).toBe(0);
      const freshRun = join(freshDir, readdirSync(freshDir)[0]!);

      expect(trialsOf(run)).toHaveLength(9);
      expect(trialsOf(run)).toEqual(trialsOf(freshRun));
      const a = json(join(run, "frozen.json"));
      const b = json(join(freshRun, "frozen.json"));
      expect({ instruction: a.instruction, demos: a.demos, scores: a.provenance.scores }).toEqual({ instruction: b.instruction, demos: b.demos, scores: b.provenance.scores });
      // The report lists the same full evaluations (not the one the short study's last trial got).
      const section = (dir: string) => /## Full evaluations[\s\S]*?\n\n([\s\S]*?)\n\n/.exec(readFileSync(join(dir, "report.md"), "utf8"))![1];
      expect(section(run)).toEqual(section(freshRun));
      // The console summary says the same as the fresh run's.
      expect(more.stdout.replace(id!, "RUN").split("\n").slice(1, 3)).toEqual(fresh.stdout.split("\n").slice(1, 3));
      const config = json(join(run, "config.json"));
      expect(config.settings.trials).toBe(9);
      expect(config.trial_changes).toEqual([expect.objectContaining({ from: 5, to: 9 })]);
    });
  }

  it("refuses fewer trials than already made, and settings other than --trials on resume", async () => {
    const runsDir = join(work, "refuse");
    expect((await ieopt(...base(runsDir, "1"), "--trials", "4")).code).toBe(0);
    const [id] = readdirSync(runsDir);
    const fewer = await ieopt("optimize", "--resume", id!, "--trials", "2", "--runs-dir", runsDir, "--quiet");
    expect(fewer.code).toBe(2);
    expect(fewer.stderr).toContain(`--trials 2: run ${id} has already made 4 trials; give at least 4`);
    const other = await ieopt("optimize", "--resume", id!, "--minibatch", "5", "--runs-dir", runsDir, "--quiet");
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(`--minibatch: run ${id} keeps the settings it started with; on --resume only --trials can change`);
  });
});
