/**
 * Numeric flags, checked with the reason a value is refused (commander hands them over as
 * strings). One home for the rule, so every command words it the same way.
 */
import { UserInputError } from "../errors.ts";

/** A whole number ≥ 1 (counts, sizes, concurrency). */
export function positiveIntFlag(value: string | number | undefined, flag: string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (value === undefined || String(value).trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UserInputError(`${flag} must be a whole number of at least 1, got '${value ?? ""}'`);
  }
  return n;
}

/** A whole number ≥ 0. */
export function nonNegativeIntFlag(value: string | number | undefined, flag: string): number {
  const n = typeof value === "number" ? value : Number(value);
  if (value === undefined || String(value).trim() === "" || !Number.isInteger(n) || n < 0) {
    throw new UserInputError(`${flag} must be a whole number of at least 0, got '${value ?? ""}'`);
  }
  return n;
}

/** A repeatable option's values (`--program a.ts --program b.ts`). */
export const collectFlag = (value: string, previous: string[] = []): string[] => [...previous, value];

/** The --program option of commands that read samples of user tasks. */
export const PROGRAM_FLAG_HELP = "a TypeScript file exporting your own program (defineProgram from 'ieopt'), registering its task; repeatable";
