/**
 * A bug in ieopt (an error that is none of the library's own) reaches the user as one line
 * that says so and asks for a report, exit code 1 (EXIT.internal), and the stack trace
 * only with IEOPT_DEBUG=1. The bug is simulated by replacing the scorer with one that
 * throws a TypeError; `main` runs in this process with stderr captured.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { EXIT } from "../../src/errors.ts";

vi.mock("../../src/eval/score-files.ts", async (importOriginal) => ({
  ...(await importOriginal<typeof import("../../src/eval/score-files.ts")>()),
  scoreFiles: () => {
    throw new TypeError("Cannot read properties of undefined (reading 'lf1')");
  },
}));

const { main } = await import("../../src/cli/main.ts");

async function runMain(argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = "";
  const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { code: await main(["node", "ieopt", ...argv]), stderr };
  } finally {
    write.mockRestore();
  }
}

describe("an internal error", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it("is reported as a bug in one line, exit 1, without the stack", async () => {
    vi.stubEnv("IEOPT_DEBUG", "");
    const { code, stderr } = await runMain(["score", "--gold", "g.jsonl", "--pred", "p.jsonl"]);
    expect(code).toBe(EXIT.internal);
    expect(code).toBe(1);
    expect(stderr).toBe(
      "ieopt: internal error (a bug in ieopt; please report it, with IEOPT_DEBUG=1 for the stack trace): Cannot read properties of undefined (reading 'lf1')\n",
    );
  });

  it("shows the stack trace with IEOPT_DEBUG=1", async () => {
    vi.stubEnv("IEOPT_DEBUG", "1");
    const { code, stderr } = await runMain(["score", "--gold", "g.jsonl", "--pred", "p.jsonl"]);
    expect(code).toBe(EXIT.internal);
    expect(stderr).toMatch(/^ieopt: internal error \(a bug in ieopt; please report it\): TypeError: Cannot read properties/);
    expect(stderr).toMatch(/\n\s+at scoreFiles /);
  });
});
