/**
 * scripts/env.sh (sourced by ./ieopt) installs dependencies on first use; what npm prints
 * then must go to stderr, so `./ieopt … --json` on a fresh clone prints only JSON.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT } from "../eval-cli/helpers.ts";
import { tempDir } from "../helpers/temp.ts";

const work = tempDir("ieopt-envsh-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("scripts/env.sh", () => {
  it("sends npm's install output to stderr: standard output stays the command's own", () => {
    const clone = join(work, "clone");
    mkdirSync(join(clone, "scripts"), { recursive: true });
    copyFileSync(join(ROOT, "scripts/env.sh"), join(clone, "scripts/env.sh"));
    writeFileSync(join(clone, "package-lock.json"), "{}\n");
    // A stand-in npm that talks on stdout like the real one and installs node_modules.
    const bin = join(work, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "npm"), '#!/usr/bin/env bash\necho "added 56 packages in 3s"\nmkdir -p node_modules && touch node_modules/.package-lock.json\n');
    chmodSync(join(bin, "npm"), 0o755);
    const node = dirname(process.execPath);
    const r = spawnSync("bash", ["-c", `source "${join(clone, "scripts/env.sh")}" && echo '{"ok": true}'`], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${node}:/usr/bin:/bin` },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(clone, "node_modules/.package-lock.json"))).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true });
    expect(r.stderr).toContain("added 56 packages");
  });
});
