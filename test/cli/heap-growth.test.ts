/**
 * The heap policy main.ts applies at run time (the launcher's shebang no longer carries
 * it): every subcommand but `score` bounds V8's old-generation growth
 * (--heap-growing-percent=30); `score`, and `ieopt` without a subcommand, keep V8's default.
 */
import { describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.ts";

const v8 = process.getBuiltinModule("node:v8");

/** The V8 flags `main(argv)` sets (none actually set), with its output muted. */
async function flagsSetBy(args: string[]): Promise<string[]> {
  const setFlags = vi.spyOn(v8, "setFlagsFromString").mockImplementation(() => {});
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    await main(["node", "ieopt", ...args]);
    return setFlags.mock.calls.map(([flag]) => flag);
  } finally {
    vi.restoreAllMocks();
  }
}

describe("heap growth at run time", () => {
  it("is bounded for the long-running commands", async () => {
    for (const command of ["eval", "optimize", "predict", "demo"]) {
      expect(await flagsSetBy([command, "--help"]), command).toEqual(["--heap-growing-percent=30"]);
    }
  });

  it("stays V8's default for score and without a subcommand", async () => {
    expect(await flagsSetBy(["score", "--help"])).toEqual([]);
    expect(await flagsSetBy(["--version"])).toEqual([]);
    expect(await flagsSetBy(["--help"])).toEqual([]);
  });
});
