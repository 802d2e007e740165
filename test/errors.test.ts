import { describe, expect, it } from "vitest";
import { UserInputError } from "../src/errors.ts";

describe("UserInputError", () => {
  it("prefixes file, line and field, and keeps the bare detail", () => {
    const e = new UserInputError("must be a non-empty string", { file: "a.jsonl", line: 3, field: "labels.0.slot" });
    expect(e.message).toBe("a.jsonl:3 field 'labels.0.slot': must be a non-empty string");
    expect(e.detail).toBe("must be a non-empty string");
  });

  it("can be placed in a file later without losing what it knows", () => {
    const e = new UserInputError("duplicate instance", { field: "instance_id" }).at({ file: "x.jsonl" });
    expect(e.message).toBe("x.jsonl field 'instance_id': duplicate instance");
    // A location it already has wins.
    expect(new UserInputError("bad", { file: "inner.jsonl", line: 2 }).at({ file: "outer.jsonl", line: 9 }).message).toBe("inner.jsonl:2: bad");
  });
});
