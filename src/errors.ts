/**
 * Errors a user can fix. The CLI prints their message and exits with code 2; everything
 * else is a bug and exits with 1. Messages name the file, line and field when there is one.
 */
export class UserInputError extends Error {
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, where: { file?: string; line?: number; field?: string } = {}) {
    const loc = [where.file, where.line !== undefined ? String(where.line) : undefined].filter(Boolean).join(":");
    const field = where.field ? ` field '${where.field}'` : "";
    super(loc || field ? `${loc}${field}: ${message}`.trimStart() : message);
    this.name = "UserInputError";
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}

/** A clean stop the user asked for (Ctrl-C) or a budget ran out; finished work is saved. */
export class RunStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunStopped";
  }
}
