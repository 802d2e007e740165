/**
 * Errors a user can fix. The CLI prints their message and exits with code 2; everything
 * else is a bug and exits with 1. Messages name the file, line and field when there is one.
 */
export class UserInputError extends Error {
  /** What is wrong, without the location prefix. */
  readonly detail: string;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly field: string | undefined;

  constructor(message: string, where: { file?: string | undefined; line?: number | undefined; field?: string | undefined } = {}) {
    const loc = [where.file, where.line !== undefined ? String(where.line) : undefined].filter(Boolean).join(":");
    const field = where.field ? ` field '${where.field}'` : "";
    super(loc || field ? `${loc}${field}: ${message}`.trimStart() : message);
    this.name = "UserInputError";
    this.detail = message;
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }

  /** The same error placed in a file (or line); what it already knows is kept. */
  at(where: { file?: string; line?: number }): UserInputError {
    return new UserInputError(this.detail, { file: this.file ?? where.file, line: this.line ?? where.line, field: this.field });
  }
}

/** A clean stop the user asked for (Ctrl-C) or a budget ran out; finished work is saved. */
export class RunStopped extends Error {
  /** "budget": a call/token/cost budget ran out (exit 5); "interrupted": Ctrl-C (exit 130). */
  readonly reason: "interrupted" | "budget";
  constructor(message: string, reason: "interrupted" | "budget" = "interrupted") {
    super(message);
    this.name = "RunStopped";
    this.reason = reason;
  }

  /** The same stop with a longer message (e.g. how to resume). */
  withMessage(message: string): RunStopped {
    return new RunStopped(message, this.reason);
  }
}

/**
 * A phase could not do its job (most of its LM calls failed, no proposal could be used):
 * the run stops, finished work is kept and it can be resumed once the cause is fixed.
 */
export class RunFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RunFailed";
  }
}

/**
 * The exit codes of the `ieopt` command, one table for every subcommand (the CLI maps
 * library errors to these; library code never exits).
 * - 0 ok: the job was done.
 * - 1 internal error: a bug in ieopt (never reachable by user input).
 * - 2 bad input: flags, files, a held lock, a preflight that failed before any paid call.
 * - 3 failed: a phase could not do its job (e.g. most calls failed, no proposal parsed,
 *   every (prompt, model) pair of an eval failed); finished work is kept, the run resumable.
 * - 4 degraded: the job finished, but a significant share of calls failed; results written.
 * - 5 budget: a call/token/cost budget ran out; finished work is kept, the run resumable.
 * - 130 interrupted: Ctrl-C; finished work is kept, the run resumable.
 */
export const EXIT = { ok: 0, internal: 1, badInput: 2, failed: 3, degraded: 4, budget: 5, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A phase (or an eval pair) that lost more than this share of its LM calls failed (exit 3). */
export const FAILED_SHARE = 0.5;
/** A finished job that lost at least this share of its LM calls in some phase is degraded (exit 4). */
export const DEGRADED_SHARE = 0.05;
