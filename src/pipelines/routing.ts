/**
 * A frozen routing: one file that sends each language to the prompt and pipeline that won
 * it in an eval (src/pipelines/choice.ts), and every other language to a default.
 *
 *   {"format": "ieopt.frozen-routing/v1", "task": "SF",
 *    "default": "<route>", "languages": {"deu": "<route>", ...},
 *    "routes": {"<route>": <frozen prompt ieopt.frozen-prompt/v1, its "pipeline" included>},
 *    "provenance": {...}}
 *
 * Each route is a complete frozen prompt, so routes validate like any frozen prompt and
 * carry their own pipeline. `ieopt eval --prompt routing.json` answers each sample with its
 * language's route (a routed pipeline, below).
 */
import { z } from "zod";
import type { Sample } from "../data/sample.ts";
import { UserInputError } from "../errors.ts";
import type { LM } from "../lm/types.ts";
import { fingerprint } from "../util/hash.ts";
import { parseFrozenPrompt, promptFromFrozen, type FrozenPrompt } from "../runs/frozen.ts";
import type { PromptSpec } from "../eval/runner.ts";
import { createPipeline, directPredict, type Pipeline, type PipelineContext } from "./pipelines.ts";
import type { PipelineChoice } from "./choice.ts";

export const ROUTING_FORMAT = "ieopt.frozen-routing/v1";

export const RoutingSchema = z.object({
  format: z.literal(ROUTING_FORMAT),
  task: z.string().min(1),
  default: z.string().min(1),
  languages: z.record(z.string().regex(/^[a-z]{3}$/, "must be an ISO 639-3 code"), z.string().min(1)),
  routes: z.record(z.string().min(1), z.unknown()),
  provenance: z.looseObject({ created_at: z.string().optional() }).default({}),
});
export type Routing = Omit<z.infer<typeof RoutingSchema>, "routes"> & { routes: Record<string, FrozenPrompt> };

export function isRoutingFile(value: unknown): boolean {
  return !!value && typeof value === "object" && (value as { format?: unknown }).format === ROUTING_FORMAT;
}

/** Validates a routing; errors name the file and the field (a route's fields under routes.<name>). */
export function parseRouting(value: unknown, file: string): Routing {
  const parsed = RoutingSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserInputError(`not a valid frozen routing: ${issue.message}`, { file, field: issue.path.join(".") || undefined });
  }
  const r = parsed.data;
  const routes: Record<string, FrozenPrompt> = {};
  for (const [name, route] of Object.entries(r.routes)) {
    try {
      routes[name] = parseFrozenPrompt(route, file);
    } catch (err) {
      if (err instanceof UserInputError) throw new UserInputError(`route '${name}': ${err.detail}`, { file, field: `routes.${name}${err.field ? `.${err.field}` : ""}` });
      throw err;
    }
    if (routes[name]!.task !== r.task) throw new UserInputError(`route '${name}' is a ${routes[name]!.task} prompt in a ${r.task} routing`, { file, field: `routes.${name}.task` });
  }
  for (const [field, name] of [["default", r.default], ...Object.entries(r.languages).map(([lang, n]) => [`languages.${lang}`, n])] as const) {
    if (!(name in routes)) throw new UserInputError(`no route named '${name}' (routes: ${Object.keys(routes).join(", ")})`, { file, field });
  }
  return { ...r, routes };
}

/** The routing an eval's per-language choice stands for; `frozen` freezes a candidate by name. */
export function routingFromChoice(choice: PipelineChoice, frozen: (name: string) => FrozenPrompt, provenance: Record<string, unknown>): Routing {
  const languages: Record<string, string> = {};
  const used = new Set<string>([choice.baseline]);
  for (const l of choice.by_lang) {
    if (l.route === choice.baseline) continue;
    languages[l.lang] = l.route;
    used.add(l.route);
  }
  return {
    format: ROUTING_FORMAT,
    task: choice.task,
    default: choice.baseline,
    languages,
    routes: Object.fromEntries([...used].map((name) => [name, frozen(name)])),
    provenance: {
      created_at: new Date().toISOString(),
      rule: "per language, the candidate with the best mean LF1 when its paired bootstrap CI against the default lies above 0; else the default",
      model: choice.model,
      simulated: choice.simulated,
      by_lang: choice.by_lang,
      ...provenance,
    },
  };
}

interface Route {
  prompt: PromptSpec;
  pipeline: Pipeline | undefined;
}

/**
 * The pipeline that answers each sample with its language's route (the route's prompt
 * under the route's pipeline), or the default route. The `prompt` it is called with is
 * ignored: the routes hold the prompts.
 */
export function routedPipeline(routing: Routing, translator: LM): Pipeline {
  const routes = new Map<string, Route>();
  for (const [name, frozen] of Object.entries(routing.routes)) {
    routes.set(name, { prompt: promptFromFrozen(frozen), pipeline: frozen.pipeline ? createPipeline(frozen.pipeline, { translator }) : undefined });
  }
  const routeOf = (sample: Sample) => routes.get(routing.languages[sample.lang] ?? routing.default)!;
  return {
    name: "routed",
    translator: translator.id,
    fingerprint: fingerprint({ languages: routing.languages, default: routing.default, routes: routing.routes }),
    predict: (_prompt: PromptSpec, sample: Sample, ctx: PipelineContext) => {
      const route = routeOf(sample);
      return route.pipeline ? route.pipeline.predict(route.prompt, sample, ctx) : directPredict(route.prompt, sample, ctx);
    },
  };
}
