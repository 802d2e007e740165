/**
 * CLI plug-ins: `--program FILE.ts`, `--metric FILE.ts`, `--tips DIR`. Node runs the
 * user's TypeScript directly (type stripping); a plug-in imports what it needs from
 * "ieopt", which resolves to the very modules this CLI runs (so a program it registers
 * is the one the CLI finds).
 *
 *   --program FILE   exports an IEProgram (default export or `program`), e.g. made with
 *                    defineProgram(defineTask(...)); it is registered with its task.
 *   --metric FILE    exports a metric { name, score(task, pred, gold, schema) → [0, 1] }
 *                    (default export or `metric`).
 *   --tips DIR       every .txt / .md file is one prompting tip (id = file name).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { registerHooks } from "node:module";
import { basename, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { UserInputError } from "../errors.ts";
import { resolveMetric, type Metric } from "../eval/metric.ts";
import { findProgram, registerProgram, type IEProgram } from "../../programs/index.ts";
import type { Tip } from "../../tips/index.ts";

/** The library entry this CLI runs from (sources in the repository, dist/ when installed). */
const SELF = new URL(`../index${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
let hooked = false;

/** Makes `import … from "ieopt"` in a plug-in resolve to this CLI's own modules. */
function hookSelfImport(): void {
  if (hooked) return;
  hooked = true;
  registerHooks({
    resolve(specifier, context, next) {
      return specifier === "ieopt" ? next(SELF, context) : next(specifier, context);
    },
  });
}

async function importPlugin(path: string, flag: string): Promise<Record<string, unknown>> {
  const file = resolve(path);
  if (!existsSync(file) || !statSync(file).isFile()) throw new UserInputError(`${flag} ${path}: no such file`);
  hookSelfImport();
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UserInputError(`${flag} ${path}: cannot load the file: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function isProgram(value: unknown): value is IEProgram {
  const p = value as IEProgram | undefined;
  return !!p && typeof p === "object" && typeof p.task === "string" && typeof p.render === "function" && typeof p.parse === "function" && !!p.definition;
}

/** Loads and registers the program a file exports. */
export async function loadProgramFile(path: string): Promise<IEProgram> {
  const module = await importPlugin(path, "--program");
  const program = [module.default, module.program].find(isProgram);
  if (!program) throw new UserInputError(`--program ${path}: export a program (default export or 'program'), e.g. defineProgram({ task: defineTask({...}), ... }) from 'ieopt'`);
  // A file that registered its program itself keeps it as it registered it (one program a
  // task): unguarded, its errors then read as ieopt's.
  if (findProgram(program.task) === program) return program;
  return registerProgram(guardedProgram(program, path));
}

/** The program methods the CLI calls; one that throws is the file's problem. */
const PROGRAM_METHODS = ["render", "renderQuery", "renderOutput", "parse", "outputJsonSchema", "maxTokens"] as const;

// One guard per exported program: the registry accepts a task again only with the same program.
const programGuards = new WeakMap<IEProgram, IEProgram>();

/**
 * The program with its methods guarded: an error thrown inside the file's code names the
 * file (a UserInputError), instead of reaching the user as "a bug in ieopt", as a
 * --metric's does. Every other property (the version getter included) is the program's own.
 */
function guardedProgram(program: IEProgram, path: string): IEProgram {
  const known = programGuards.get(program);
  if (known) return known;
  // Own properties copied as they are (getters stay getters), on the same prototype; the
  // methods the program has become guarded own properties.
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(program);
  for (const name of PROGRAM_METHODS) {
    const method = program[name] as unknown;
    if (typeof method !== "function") continue;
    const guard = (...args: unknown[]): unknown => {
      try {
        return method.apply(program, args);
      } catch (err) {
        if (err instanceof UserInputError) throw err;
        const what = name === "parse" ? ` on a ${program.task} output` : "";
        throw new UserInputError(`--program ${path}: ${name}() threw${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    descriptors[name] = { value: guard, enumerable: true, writable: true, configurable: true };
  }
  const guarded = Object.create(Object.getPrototypeOf(program) as object, descriptors) as IEProgram;
  programGuards.set(program, guarded);
  return guarded;
}

/** Loads and registers the metric a file exports. */
export async function loadMetricFile(path: string): Promise<Metric> {
  const module = await importPlugin(path, "--metric");
  const metric = [module.default, module.metric].find(
    (m): m is Metric => !!m && typeof m === "object" && typeof (m as Metric).name === "string" && typeof (m as Metric).score === "function",
  );
  if (!metric) throw new UserInputError(`--metric ${path}: export a metric { name, score(task, pred, gold, schema) } (default export or 'metric')`);
  // A metric that throws or returns no number is the file's problem, and the message says so
  // (not "a bug in ieopt"); a NaN would otherwise poison every mean it enters.
  return resolveMetric(guardedMetric(metric, path));
}

// One guard per exported metric: the registry accepts a name again only with the same function.
const guards = new WeakMap<Metric, Metric>();

function guardedMetric(metric: Metric, path: string): Metric {
  const known = guards.get(metric);
  if (known) return known;
  const score: Metric["score"] = (task, pred, gold, schema) => {
    let value: unknown;
    try {
      value = metric.score(task, pred, gold, schema);
    } catch (err) {
      throw new UserInputError(`--metric ${path}: score() threw on a ${task} sample: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (typeof value !== "number" || !Number.isFinite(value)) throw new UserInputError(`--metric ${path}: score() returned ${typeof value === "number" ? value : typeof value}, not a finite number`);
    return value;
  };
  const guarded = { name: metric.name, score };
  guards.set(metric, guarded);
  return guarded;
}

/** One tip per .txt / .md file of the folder, in file-name order. */
export function loadTipsDir(dir: string): Tip[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserInputError(`--tips ${dir}: not a folder`);
  const tips = readdirSync(dir)
    .filter((f) => /\.(txt|md)$/i.test(f))
    .sort()
    .map((f) => ({ id: basename(f).replace(/\.(txt|md)$/i, ""), text: readFileSync(join(dir, f), "utf8").trim() }))
    .filter((t) => t.text !== "");
  if (tips.length === 0) throw new UserInputError(`--tips ${dir}: no tips (one non-empty .txt or .md file per tip)`);
  return tips;
}
