/**
 * `--config FILE`: a command's flags from a YAML or JSON file, so a study is reproducible
 * from one file. Keys are the long flag names (`full-eval-every`, or `fullEvalEvery`);
 * a flag given on the command line overrides the file. The file is checked with zod before
 * anything runs: an unknown key, a value of the wrong type or a secret names the file and
 * the key. `optimize` records the file and its values in the run's config.json.
 *
 *   # study.yaml
 *   task: SF
 *   train: data/train.jsonl
 *   val: data/dev.jsonl
 *   model: meta-llama/Llama-3.1-8B-Instruct
 *   base-url: http://127.0.0.1:8000/v1
 *   trials: 80
 *   seed: 3
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command, Option } from "commander";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UserInputError } from "../errors.ts";

/** What a run records of the file it was configured from. */
export interface ConfigFileRecord {
  path: string;
  /** The values the file set (flags given on the command line are not among them). */
  values: Record<string, unknown>;
}

/** Keys that would put a secret into a file. */
const SECRET_KEYS = new Set(["apiKey"]);
/** Flags that make no sense in a file (the file itself, one-off switches). */
const NOT_IN_FILE = new Set(["config", "help"]);

/** Flags whose value is a whole number: a YAML number or a string of digits. */
const wholeNumber = z.union([z.number().int("must be a whole number"), z.string().regex(/^-?\d+$/, "must be a whole number")]).transform(String);
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform(String);

function valueSchema(option: Option): z.ZodType<unknown> {
  // A boolean switch (--quiet, --zero-shot; --no-cache gives cache: false).
  if (!option.required && !option.optional) return z.boolean();
  if (option.variadic || /repeatable/.test(option.description)) return z.union([scalar.transform((v) => [v]), z.array(scalar)]);
  if (option.argChoices) return z.enum(option.argChoices as [string, ...string[]]);
  if (typeof option.defaultValue === "string" && /^\d+$/.test(option.defaultValue)) return wholeNumber;
  return scalar;
}

/** The zod schema of a command's config file: one optional key per flag, nothing else. */
export function configSchema(cmd: Command): z.ZodObject {
  const shape: Record<string, z.ZodType<unknown>> = {};
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (NOT_IN_FILE.has(key) || SECRET_KEYS.has(key)) continue;
    // Two flags may share a key (--cache <path> and --no-cache): either value is fine.
    const schema = valueSchema(option);
    const before = shape[key];
    shape[key] = before ? z.union([before, schema]) : schema.optional();
  }
  return z.strictObject(shape);
}

const camel = (key: string) => key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Reads and checks a config file for `cmd`; values keyed by the flags' attribute names. */
export function readConfigFile(path: string, cmd: Command): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserInputError(code === "ENOENT" ? "no such config file; check the path" : `cannot read the config file (${code ?? (err as Error).message})`, { file: path });
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(path) ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new UserInputError(`not valid ${/\.json$/i.test(path) ? "JSON" : "YAML"}: ${(err as Error).message.split("\n")[0]}`, { file: path });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw new UserInputError("a config file holds one mapping of flag names to values (e.g. `trials: 80`)", { file: path });
  const renamed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const name = camel(key.replace(/^--/, ""));
    if (SECRET_KEYS.has(name)) throw new UserInputError("API keys do not belong in files; set OPENAI_API_KEY in the environment", { file: path, field: key });
    if (name in renamed) throw new UserInputError(`given twice (as '${key}' and another spelling)`, { file: path, field: key });
    renamed[name] = value;
  }
  const parsed = configSchema(cmd).safeParse(renamed);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.code === "unrecognized_keys" ? issue.keys[0]! : issue.path.join(".");
    const known = cmd.options.map((o) => o.long!.replace(/^--/, "")).filter((k) => !NOT_IN_FILE.has(camel(k)) && !SECRET_KEYS.has(camel(k)));
    const message = issue.code === "unrecognized_keys" ? `not a flag of ieopt ${cmd.name()} (keys are its flags: ${known.join(", ")})` : issue.message;
    throw new UserInputError(message, { file: path, field: key });
  }
  return parsed.data as Record<string, unknown>;
}

/**
 * Adds `--config FILE` to a command: before its action runs, every flag not given on the
 * command line takes the file's value. What the file set is kept on the command for the
 * action to record (`configFileOf`).
 */
export function addConfigOption(cmd: Command): Command {
  cmd.option("--config <file>", "take flags from this YAML or JSON file (keys are the flag names; flags on the command line win)");
  cmd.hook("preAction", (command) => {
    const path = command.getOptionValue("config") as string | undefined;
    if (!path) return;
    const values = readConfigFile(path, command);
    const applied: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined || command.getOptionValueSource(key) === "cli") continue;
      command.setOptionValueWithSource(key, value, "config");
      applied[key] = value;
    }
    records.set(command, { path: resolve(path), values: applied });
  });
  return cmd;
}

const records = new WeakMap<Command, ConfigFileRecord>();

/** The config file a command's flags came from, if any (for the run to record). */
export function configFileOf(cmd: Command): ConfigFileRecord | undefined {
  return records.get(cmd);
}
