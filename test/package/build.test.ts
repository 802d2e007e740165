import { describe, expect, it } from "vitest";
import { withNodeReference } from "../../scripts/build.ts";

/** The package build's text transforms; the whole pack-install-import path is scripts/check-package.sh (CI). */
describe("package build", () => {
  it("adds a node types reference only to declarations that use Node's globals", () => {
    const uses = "export declare function f(env: NodeJS.ProcessEnv): void;\n";
    expect(withNodeReference(uses)).toBe('/// <reference types="node" />\n' + uses);
    expect(withNodeReference(withNodeReference(uses))).toBe(withNodeReference(uses));
    expect(withNodeReference("export declare const x: number;\n")).toBe("export declare const x: number;\n");
  });
});
