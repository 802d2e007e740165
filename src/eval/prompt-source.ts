/**
 * Where `ieopt eval --prompt SPEC` gets its prompts. A spec is
 *
 *   [name=]<kind>:<arg>     a built-in kind, e.g. `default:NER`
 *   [name=]<path>           a frozen prompt file (ieopt.frozen-prompt/v1), a run folder
 *                           holding frozen.json, or a run id under --runs-dir
 *
 * The optional `name=` sets the label the prompt carries in reports, prediction file
 * names and batch custom_ids; otherwise it is the spec itself for built-in kinds and
 * the run id (or file stem) for frozen prompts.
 *
 * Kinds are a registry: `registerPromptKind(name, resolver)` adds one. `default:<task>` is
 * built in; `default-cot:<task>` (method.md §4, Θ writes a thought for each default
 * exemplar) is registered by optimizers/default-cot.ts, which builds it. Kinds that need
 * a model get it from the context.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { UserInputError } from "../errors.ts";
import type { LM } from "../lm/types.ts";
import { parseFrozenPrompt, promptFromFrozen, readFrozenJson } from "../runs/frozen.ts";
import { fingerprint } from "../util/hash.ts";
import { getProgram } from "../../programs/index.ts";
import { defaultPrompt, type Prompt } from "./runner.ts";
import type { PipelineName } from "../pipelines/names.ts";
import { isRoutingFile, parseRouting, type Routing } from "../pipelines/routing.ts";

export interface ResolvedPrompt {
  /** Label in reports, file names and custom_ids; unique within one eval. */
  name: string;
  /** "default", "frozen", … */
  kind: string;
  task: string;
  prompt: Prompt;
  /** How samples are answered (src/pipelines); absent means direct. */
  pipeline?: PipelineName;
  /** A frozen routing: each language's route (prompt + pipeline); `prompt` is its default route's. */
  routing?: Routing;
  /** What the user passed, and the file it came from (frozen prompts). */
  source: { spec: string; path?: string; run_id?: string };
}

export interface PromptContext {
  /** Where run ids are looked up. */
  runsDir: string;
  /** The thought teacher Θ, built on first use (for kinds that write thoughts). */
  thoughtLM?: () => LM;
  signal?: AbortSignal;
}

export type KindResolver = (arg: string, ctx: PromptContext, spec: string) => Promise<Omit<ResolvedPrompt, "name">>;

/** Prompt kinds, `<kind>:<arg>`; extend with `registerPromptKind`. */
export const PROMPT_KINDS: Record<string, KindResolver> = {
  default: async (arg, _ctx, spec) => {
    const program = getProgram(arg);
    return {
      kind: "default",
      task: program.task,
      prompt: defaultPrompt(program),
      source: { spec },
    };
  },
};

/** Adds a prompt kind (`<name>:<arg>` in --prompt); a name is registered once. */
export function registerPromptKind(name: string, resolver: KindResolver): void {
  if (!/^[a-z][a-z-]*$/.test(name)) throw new UserInputError(`prompt kind '${name}' must be lowercase letters and dashes`);
  const existing = PROMPT_KINDS[name];
  if (existing !== undefined && existing !== resolver) throw new UserInputError(`prompt kind '${name}' is already registered`);
  PROMPT_KINDS[name] = resolver;
}

const NAMED = /^([A-Za-z0-9][\w.-]*)=(.+)$/;
const KIND = /^([a-z][a-z-]*):(.+)$/;

export async function resolvePrompt(rawSpec: string, ctx: PromptContext): Promise<ResolvedPrompt> {
  const named = NAMED.exec(rawSpec);
  const spec = named ? named[2]! : rawSpec;
  const kind = KIND.exec(spec);
  // A Windows drive letter ("C:\...") or an existing path is a file, not a kind.
  if (kind && !existsSync(spec)) {
    const resolver = PROMPT_KINDS[kind[1]!];
    if (!resolver) {
      throw new UserInputError(
        `unknown prompt kind '${kind[1]}' in --prompt ${rawSpec}; expected a frozen prompt file, a run id, or one of ${Object.keys(PROMPT_KINDS).map((k) => `${k}:<task>`).join(", ")}`,
      );
    }
    const resolved = await resolver(kind[2]!, ctx, rawSpec);
    return { name: named ? named[1]! : spec, ...resolved };
  }
  const path = frozenPath(spec, ctx.runsDir);
  const value = readFrozenJson(path);
  if (isRoutingFile(value)) {
    const routing = parseRouting(value, path);
    return {
      name: named ? named[1]! : basename(path).replace(/\.json$/i, ""),
      kind: "routing",
      task: routing.task,
      prompt: promptFromFrozen(routing.routes[routing.default]!),
      routing,
      source: { spec: rawSpec, path },
    };
  }
  const frozen = parseFrozenPrompt(value, path);
  const runId = frozen.provenance.run_id;
  return {
    name: named ? named[1]! : (runId ?? basename(path).replace(/\.json$/i, "")),
    kind: "frozen",
    task: frozen.task,
    prompt: promptFromFrozen(frozen),
    ...(frozen.pipeline ? { pipeline: frozen.pipeline } : {}),
    source: { spec: rawSpec, path, ...(runId ? { run_id: runId } : {}) },
  };
}

function frozenPath(spec: string, runsDir: string): string {
  if (existsSync(spec)) return statSync(spec).isDirectory() ? join(spec, "frozen.json") : spec;
  const inRuns = join(runsDir, spec, "frozen.json");
  if (existsSync(inRuns)) return inRuns;
  throw new UserInputError(
    `--prompt ${spec}: no such frozen prompt file, run folder or run id (looked in ${runsDir}/); use a path to frozen.json or default:<task>`,
  );
}

/** Resolves every spec; duplicate names get a numeric suffix so labels stay unique. */
export async function resolvePrompts(specs: readonly string[], ctx: PromptContext): Promise<ResolvedPrompt[]> {
  const out: ResolvedPrompt[] = [];
  const used = new Map<string, number>();
  for (const spec of specs) {
    const resolved = await resolvePrompt(spec, ctx);
    const n = (used.get(resolved.name) ?? 0) + 1;
    used.set(resolved.name, n);
    if (n > 1) resolved.name = `${resolved.name}~${n}`;
    out.push(resolved);
  }
  return out;
}

/** What a prompt's predictions depend on: a changed prompt must not reuse old answers. */
export function promptFingerprint(prompt: Prompt): string {
  return fingerprint({
    task: prompt.program.task,
    version: prompt.program.version,
    instruction: prompt.instruction,
    demos: prompt.demos,
    reasoning: prompt.reasoning,
    temperature: prompt.temperature ?? 0,
    max_tokens: prompt.maxTokens ?? prompt.program.maxTokens(prompt.reasoning),
    structured: prompt.structuredOutput ?? false,
  });
}
