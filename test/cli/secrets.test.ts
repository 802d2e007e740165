/**
 * Credentials never reach a written or printed byte, whether the base URL parses or not:
 * a malformed URL is refused before any call (exit 2) and shown without its userinfo;
 * credentials in a valid URL are sent as HTTP Basic auth (or refused when a key is set
 * too), never silently dropped. Through the real CLI.
 */
import { describe, expect, it, beforeAll, afterAll } from "vitest";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { startStubServer, type StubServer } from "../helpers/stub-server.ts";
import { ROOT, runIeopt, testTemp } from "../helpers/cli.ts";
import { EXIT } from "../../src/errors.ts";

const SF = join(ROOT, "examples/data/sf");
const PASSWORD = "pw-SECRET-4711";

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function expectNoSecret(work: string, printed: string): void {
  expect(printed).not.toContain(PASSWORD);
  for (const file of filesUnder(work)) expect(readFileSync(file).toString("latin1"), file).not.toContain(PASSWORD);
}

describe("secrets in base URLs", () => {
  let stub: StubServer;
  beforeAll(async () => {
    stub = await startStubServer();
  });
  afterAll(async () => {
    await stub.close();
  });

  it("a malformed URL with credentials is refused before any call, from a flag or OPENAI_BASE_URL, and written nowhere", async () => {
    const bad = `http://alice:${PASSWORD}@127.0.0.1:notaport/v1`;
    const work = testTemp();
    const runs = join(work, "runs");
    const out = join(work, "out");
    const before = stub.count();
    const runsEval = ["eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--model", "gpt-x", "--out", out, "--cache", join(work, "c.sqlite")];
    const runsOpt = ["optimize", "--task", "SF", "--train", join(SF, "train.jsonl"), "--val", join(SF, "dev.jsonl"), "--model", "gpt-x", "--runs-dir", runs, "--cache", join(work, "c.sqlite")];
    for (const r of [
      await runIeopt([...runsEval, "--base-url", bad]),
      await runIeopt(runsEval, { env: { OPENAI_BASE_URL: bad } }),
      await runIeopt([...runsOpt, "--base-url", bad]),
      await runIeopt([...runsOpt, "--prompt-model", "t", "--prompt-base-url", bad]),
    ]) {
      expect(r.code, r.stderr).toBe(EXIT.badInput);
      expect(r.stderr).toContain("http://127.0.0.1:notaport/v1");
      expect(r.stderr).not.toContain("alice");
      expectNoSecret(work, r.stdout + r.stderr);
    }
    expect(existsSync(runs)).toBe(false);
    expect(stub.count()).toBe(before);
  });

  it("credentials in a valid URL are sent as Basic auth and written nowhere; with a key too they are refused", async () => {
    const work = testTemp();
    const url = stub.url.replace("http://", `http://alice:${PASSWORD}@`);
    const out = join(work, "out");
    const before = stub.count();
    const r = await runIeopt(["eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--model", "gpt-x", "--base-url", url,
      "--out", out, "--cache", join(work, "c.sqlite"), "--bootstrap", "20", "--quiet"], { env: { OPENAI_API_KEY: undefined } });
    expect(r.code, r.stderr).not.toBe(EXIT.internal);
    const sent = stub.requests.slice(before);
    expect(sent.length).toBeGreaterThan(0);
    const basic = `Basic ${Buffer.from(`alice:${PASSWORD}`).toString("base64")}`;
    for (const req of sent) expect(req.authorization).toBe(basic);
    expectNoSecret(work, r.stdout + r.stderr);
    expect(readFileSync(join(out, "report.json"), "utf8")).toContain(stub.url);

    const both = await runIeopt(["eval", "--prompt", "default:SF", "--data", join(SF, "test.jsonl"), "--model", "gpt-x", "--base-url", url, "--out", join(work, "out2"), "--no-cache"],
      { env: { OPENAI_API_KEY: "sk-other" } });
    expect(both.code).toBe(EXIT.badInput);
    expect(both.stderr).toContain("carries credentials");
    expectNoSecret(work, both.stdout + both.stderr);
  });
});
