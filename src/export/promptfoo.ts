/**
 * `ieopt export --format promptfoo`: a frozen prompt, or a frozen routing, as a promptfoo
 * config (JSON, which promptfoo reads like YAML: `promptfoo eval -c promptfooconfig.json`).
 *
 * Every data-derived value reaches the model literally. promptfoo treats strings in a
 * config as live: it renders `{{ env.X }}` anywhere in the config when loading it,
 * substitutes `{{ other_var }}` inside variable values, loads (or runs) `file://` values,
 * Nunjucks-renders the prompt, and globs a one-line prompt that looks like a path. So:
 *
 * - prompts: chat prompts written as multi-line JSON (never taken for a path) whose
 *   messages are only `{{ … | load }}` placeholders — no data in the template.
 * - every data-derived text (instruction, demos, each query as ieopt renders it, gold and
 *   schema as JSON text) is a JSON string literal with `{` and `}` written as \u007b / \u007d (no template
 *   opener survives, `| load` — promptfoo's JSON.parse filter — gives it back exactly),
 *   nested inside an object variable (promptfoo only resolves and loads top-level string
 *   variables). A frozen prompt's fixed messages are `defaultTest.vars.ieopt_prompt`; each
 *   test has `vars.ieopt_query` {text, gold, schema, instance, queries, instances}.
 * - a routing (ieopt.frozen-routing/v1): each test is rendered with its language's route
 *   (or the default route). The routes' fixed messages are `defaultTest.vars.ieopt_routes`
 *   {r1: {m0, …}, …} and the test's `ieopt_query.route` picks one
 *   (`{{ ieopt_routes[ieopt_query.route].m0 | load }}`). promptfoo's chat prompt is a fixed
 *   list of messages, so routes with a different message layout (number of demos) or
 *   different decoding settings get a prompt each, and each test names its prompt
 *   (`tests[].prompts`). Only direct routes can be exported: translate-test and
 *   transfusion chain several calls per sample, promptfoo sends one.
 * - providers: the model the prompt was tuned with when it is an endpoint model, else a
 *   placeholder to edit; config has the frozen decoding settings (per prompt for a
 *   routing). No keys are written.
 * - tests: one per query of the --data file (instances are batched like `ieopt eval`).
 * - scores: the javascript assertion (lf1-assertion.ts) gives each query its LF1 — the
 *   "LF1" metric and promptfoo's score, a per-query mean — and the derived metric
 *   POOLED_METRIC, the mean over the prompt's instances of their pooled LF1 on ieopt's
 *   0–100 scale: the number that matches `ieopt eval`'s overall LF1 (on the prompt's
 *   languages, when a routing needs several prompts).
 */
import { basename } from "node:path";
import type { Sample } from "../data/sample.ts";
import type { ChatMessage } from "../lm/types.ts";
import type { Prompt } from "../../programs/index.ts";
import { simProfile } from "../../sim/index.ts";
import { parseFrozenPrompt, promptFromFrozen, readFrozenJson, type FrozenPrompt } from "../runs/frozen.ts";
import { isRoutingFile, parseRouting, type Routing } from "../pipelines/routing.ts";
import { instanceKey, streamQueries } from "../eval/eval-data.ts";
import { buildRequest } from "../eval/runner.ts";
import { UserInputError } from "../errors.ts";
import { lf1AssertionCode, POOLED_SHARE_METRIC, QUERY_VAR } from "./lf1-assertion.ts";

const PLACEHOLDER_PROVIDER = "openai:chat:gpt-4o-mini";
/** The test variable with a frozen prompt's fixed messages (instruction, demos). */
export const PROMPT_VAR = "ieopt_prompt";
/** The test variable with a routing's fixed messages, by route key (r1, r2, …). */
export const ROUTES_VAR = "ieopt_routes";
/** The derived metric that equals `ieopt eval`'s overall LF1 (0–100). */
export const POOLED_METRIC = "LF1 pooled per instance, 0-100 (= ieopt eval overall)";
/** Its name when a routing needs several prompts: each prompt's figure covers its own instances. */
export const POOLED_PROMPT_METRIC = "LF1 pooled per instance, 0-100 (= ieopt eval on this prompt's instances)";

/**
 * A text as a JSON string literal with no brace left (\u007b, \u007d), so no template
 * syntax can be read into it; JSON.parse (promptfoo's `load` filter) gives it back.
 */
export function literal(text: string): string {
  return JSON.stringify(text).replace(/[{}]/g, (c) => (c === "{" ? "\\u007b" : "\\u007d"));
}

/** Display strings (descriptions, labels, metadata) stay readable when they are plainly safe. */
function displayText(value: string): string {
  return /^[\p{L}\p{M}\p{N} _.:@\-]*$/u.test(value) ? value : literal(value);
}

export interface PromptfooTest {
  description: string;
  vars: { [QUERY_VAR]: { text: string; gold: string; schema: string; instance: string; queries: number; instances: number; route?: string } };
  /** With a routing that needs several prompts: the one prompt this test runs. */
  prompts?: string[];
  metadata: { id: string; instance_id: string; lang: string; dataset: string; route?: string };
}

export interface PromptfooConfig {
  description: string;
  prompts: { label: string; raw: string; config?: Record<string, unknown> }[];
  providers: { id: string; label: string; config: Record<string, unknown> }[];
  defaultTest: { vars: { [PROMPT_VAR]?: Record<string, string>; [ROUTES_VAR]?: Record<string, Record<string, string>> }; assert: { type: "javascript"; value: string; metric: string }[] };
  derivedMetrics: { name: string; value: string }[];
  tests: PromptfooTest[];
}

/** The prompt template: the messages' roles, each content a placeholder (the query last). */
export function promptTemplate(messages: readonly ChatMessage[], fixedVar: (i: number) => string = (i) => `${PROMPT_VAR}.m${i}`): string {
  const last = messages.length - 1;
  const template = messages.map((m, i) => ({ role: m.role, content: i === last ? `{{ ${QUERY_VAR}.text | load }}` : `{{ ${fixedVar(i)} | load }}` }));
  return JSON.stringify(template, null, 2);
}

/** A route's fixed messages, picked by the test's route key. */
const routedVar = (i: number) => `${ROUTES_VAR}[${QUERY_VAR}.route].m${i}`;

function provider(frozen: FrozenPrompt): PromptfooConfig["providers"][number] {
  const models = (frozen.provenance as { models?: Record<string, { model?: string; base_url?: string }> }).models;
  const inference = models?.["inference"];
  const config: Record<string, unknown> = decoding(frozen);
  if (inference?.model && simProfile(inference.model) === undefined) {
    if (inference.base_url && inference.base_url !== "default") config["apiBaseUrl"] = inference.base_url;
    return { id: `openai:chat:${inference.model}`, label: displayText(inference.model), config };
  }
  // Tuned with the offline sim (or unknown): a placeholder the user replaces.
  return { id: PLACEHOLDER_PROVIDER, label: "replace with the model to evaluate", config };
}

function decoding(frozen: FrozenPrompt): { temperature: number; max_tokens: number } {
  return { temperature: frozen.decoding.temperature, max_tokens: frozen.decoding.max_tokens };
}

/** One prompt the config can send: a frozen prompt answered directly. */
interface ExportRoute {
  /** The key tests pick it by (r1, r2, … in a routing's ROUTES_VAR). */
  key: string;
  /** Its name: the routing's route name, or the run id. */
  name: string;
  frozen: FrozenPrompt;
  prompt: Prompt;
}

/** What is exported: one frozen prompt, or a routing's routes and which language takes which. */
interface ExportPlan {
  task: string;
  /** Names the source in the description and the prompt labels. */
  name: string;
  routes: ExportRoute[];
  routeOf: (lang: string) => ExportRoute;
  routing?: Routing;
}

function planFrozen(frozen: FrozenPrompt): ExportPlan {
  const route: ExportRoute = { key: "r1", name: frozen.provenance.run_id ?? "frozen", frozen, prompt: promptFromFrozen(frozen) };
  return { task: frozen.task, name: route.name, routes: [route], routeOf: () => route };
}

function planRouting(routing: Routing, name: string): ExportPlan {
  const routes = new Map(Object.entries(routing.routes).map(([routeName, frozen], i) => [routeName, { key: `r${i + 1}`, name: routeName, frozen, prompt: promptFromFrozen(frozen) }]));
  // parseRouting checks that the default and every language's route exist.
  return { task: routing.task, name, routes: [...routes.values()], routeOf: (lang) => routes.get(routing.languages[lang] ?? routing.default)!, routing };
}

/**
 * Refuses routes that chain calls (translate-test, transfusion), naming the languages that
 * would take them: those of the data, or with no data every language the routing names
 * (and "the default" for the rest).
 */
function refuseChainedRoutes(plan: ExportPlan, dataLangs: readonly string[] | undefined, file: string | undefined): void {
  const routing = plan.routing!;
  const langs = dataLangs ?? Object.keys(routing.languages);
  const chained = new Map<ExportRoute, string[]>();
  const add = (route: ExportRoute, who: string) => {
    if (route.frozen.pipeline && route.frozen.pipeline !== "direct") chained.set(route, [...(chained.get(route) ?? []), who]);
  };
  for (const lang of [...new Set(langs)].sort()) add(plan.routeOf(lang), lang);
  if (!dataLangs) add(plan.routes.find((r) => r.name === routing.default)!, "every other language (the default route)");
  if (chained.size === 0) return;
  const what = [...chained].map(([route, who]) => `${who.join(", ")} → route '${displayText(route.name)}' (${route.frozen.pipeline})`).join("; ");
  throw new UserInputError(
    `cannot export ${what}: translate-test and transfusion chain several model calls per sample (translation, extraction, projection or fusion), ` +
      `and promptfoo sends one request per test. Evaluate this routing with ieopt eval --prompt, or export one whose routes for these languages are direct` +
      (dataLangs ? "" : " (with --data, only the languages in the data are checked)"),
    { file, field: "routes" },
  );
}

interface PromptGroup {
  label: string;
  routes: ExportRoute[];
  fixedRoles: string[];
  decoding: { temperature: number; max_tokens: number };
  instances: Set<string>;
}

async function buildConfig(plan: ExportPlan, dataFile: string | undefined, splitNum: number, sourceFile: string | undefined): Promise<PromptfooConfig> {
  const queries: Sample[] = [];
  if (dataFile) {
    for await (const { sample, file, line } of streamQueries([dataFile], splitNum)) {
      if (sample.task !== plan.task) {
        throw new UserInputError(`a ${sample.task} sample, but the prompt is for ${plan.task}`, { file, line, field: "task" });
      }
      queries.push(sample);
    }
    if (queries.length === 0) throw new UserInputError("no samples (the file is empty or holds only blank lines); an export needs at least one test case", { file: dataFile });
  }
  if (plan.routing) refuseChainedRoutes(plan, dataFile ? queries.map((q) => q.lang) : undefined, sourceFile);
  const perInstance = new Map<string, number>();
  for (const q of queries) perInstance.set(instanceKey(q), (perInstance.get(instanceKey(q)) ?? 0) + 1);

  // The routes the tests use (all of them when there are no tests yet), each with the fixed
  // messages (instruction, demos) ieopt sends before every query.
  const referenced = plan.routing ? new Set([plan.routing.default, ...Object.values(plan.routing.languages)]) : undefined;
  const used = plan.routes.filter((r) => (dataFile ? queries.some((q) => plan.routeOf(q.lang) === r) : !referenced || referenced.has(r.name)));
  const fixed = new Map(used.map((r) => [r, buildRequest(r.prompt, queries.find((q) => plan.routeOf(q.lang) === r) ?? { text: "", schema: [] }).messages.slice(0, -1)]));

  // promptfoo's chat prompt is a fixed list of messages: one prompt per layout and decoding.
  const groups = new Map<string, PromptGroup>();
  for (const route of used) {
    const fixedRoles = fixed.get(route)!.map((m) => m.role);
    const key = JSON.stringify([fixedRoles, decoding(route.frozen)]);
    const group = groups.get(key) ?? { label: "", routes: [], fixedRoles, decoding: decoding(route.frozen), instances: new Set<string>() };
    group.routes.push(route);
    groups.set(key, group);
  }
  const groupOf = new Map<ExportRoute, PromptGroup>();
  [...groups.values()].forEach((g, i) => {
    const base = `ieopt:${displayText(plan.name)}`;
    g.label = groups.size === 1 ? base : `${base} (prompt ${i + 1} of ${groups.size}: ${g.routes.map((r) => displayText(r.name)).join(", ")})`;
    for (const r of g.routes) groupOf.set(r, g);
  });
  for (const q of queries) groupOf.get(plan.routeOf(q.lang))!.instances.add(instanceKey(q));

  const tests: PromptfooTest[] = queries.map((sample) => {
    const route = plan.routeOf(sample.lang);
    const group = groupOf.get(route)!;
    const messages = buildRequest(route.prompt, sample).messages;
    const head = fixed.get(route)!;
    if (messages.length !== head.length + 1 || head.some((m, i) => m.role !== messages[i]!.role || m.content !== messages[i]!.content)) {
      throw new Error(`internal: the ${plan.task} prompt's fixed messages differ for query '${sample.id}'`);
    }
    return {
      description: `${displayText(sample.id)} (${displayText(sample.lang)})`,
      vars: {
        [QUERY_VAR]: {
          text: literal(messages[messages.length - 1]!.content),
          gold: literal(JSON.stringify(sample.labels)),
          schema: literal(JSON.stringify(sample.schema)),
          instance: literal(instanceKey(sample)),
          queries: perInstance.get(instanceKey(sample))!,
          instances: group.instances.size,
          ...(plan.routing ? { route: route.key } : {}),
        },
      },
      ...(groups.size > 1 ? { prompts: [group.label] } : {}),
      metadata: {
        id: displayText(sample.id),
        instance_id: displayText(sample.instance_id),
        lang: displayText(sample.lang),
        dataset: displayText(sample.dataset),
        ...(plan.routing ? { route: displayText(route.name) } : {}),
      },
    };
  });

  const fixedVars = (route: ExportRoute) => Object.fromEntries(fixed.get(route)!.map((m, i) => [`m${i}`, literal(m.content)]));
  const prompts = [...groups.values()].map((g) => ({
    label: g.label,
    raw: promptTemplate([...g.fixedRoles.map((role) => ({ role, content: "" }) as ChatMessage), { role: "user", content: "" }], plan.routing ? routedVar : undefined),
    ...(plan.routing ? { config: g.decoding } : {}),
  }));
  const pooledName = groups.size > 1 ? POOLED_PROMPT_METRIC : POOLED_METRIC;
  return {
    description: describe(plan, groups, perInstance.size, pooledName) + (dataFile ? "" : "; add tests with --data FILE"),
    prompts,
    providers: [commonProvider(used)],
    defaultTest: {
      vars: plan.routing ? { [ROUTES_VAR]: Object.fromEntries(used.map((r) => [r.key, fixedVars(r)])) } : { [PROMPT_VAR]: fixedVars(used[0]!) },
      assert: [{ type: "javascript", value: lf1AssertionCode(plan.task), metric: "LF1" }],
    },
    derivedMetrics: [{ name: pooledName, value: POOLED_SHARE_METRIC }],
    tests,
  };
}

/** The routes' model when they agree on it, else the placeholder; decoding is the first route's (prompts override it). */
function commonProvider(routes: readonly ExportRoute[]): PromptfooConfig["providers"][number] {
  const all = routes.map((r) => provider(r.frozen));
  const first = all[0]!;
  const endpoint = (p: typeof first) => JSON.stringify([p.id, p.config["apiBaseUrl"]]);
  if (all.every((p) => endpoint(p) === endpoint(first))) return first;
  return { id: PLACEHOLDER_PROVIDER, label: "replace with the model to evaluate (the routes were tuned with different models)", config: decoding(routes[0]!.frozen) };
}

function describe(plan: ExportPlan, groups: Map<string, PromptGroup>, instances: number, pooledName: string): string {
  const perQuery = `"LF1" is promptfoo's per-query mean; "${pooledName}" pools each instance's queries and averages over the prompt's instances`;
  if (!plan.routing) {
    const frozen = plan.routes[0]!.frozen;
    return `ieopt frozen ${plan.task} prompt ${displayText(plan.name)} (program ${frozen.program_version}), exported by ieopt. ${perQuery} (${instances}): that one matches ieopt eval's overall LF1`;
  }
  const routing = plan.routing;
  const routes = plan.routes
    .filter((r) => [...groups.values()].some((g) => g.routes.includes(r)))
    .map((r) => {
      const langs = Object.entries(routing.languages).filter(([, name]) => name === r.name).map(([lang]) => lang);
      const who = [...langs, ...(r.name === routing.default ? ["every other language"] : [])].join(", ");
      return `${r.key} = '${displayText(r.name)}' (${who})`;
    });
  const tail =
    groups.size === 1
      ? `: that one matches ieopt eval's overall LF1 for the routing`
      : `; the routes need ${groups.size} prompts (different message layouts or decoding), each test runs its route's prompt, each prompt's figure is ieopt eval's LF1 over its own instances (${[...groups.values()].map((g) => g.instances.size).join(", ")}), and ieopt eval's overall is their mean weighted by those counts (${instances} instances)`;
  return `ieopt frozen ${plan.task} routing '${displayText(plan.name)}', exported by ieopt: each test is rendered with its language's route, ${routes.join("; ")}. ${perQuery}${tail}`;
}

export async function buildPromptfooConfig(frozen: FrozenPrompt, dataFile: string | undefined, splitNum = 6): Promise<PromptfooConfig> {
  return buildConfig(planFrozen(frozen), dataFile, splitNum, undefined);
}

/** A routing's config: each test rendered with its language's route (direct routes only). */
export async function buildRoutingPromptfooConfig(routing: Routing, dataFile: string | undefined, options: { name?: string; file?: string; splitNum?: number } = {}): Promise<PromptfooConfig> {
  return buildConfig(planRouting(routing, options.name ?? "routing"), dataFile, options.splitNum ?? 6, options.file);
}

/** The EXPORTERS entry: frozen prompt or frozen routing file (+ data) → promptfoo config text. */
export async function exportPromptfoo(frozenPath: string, options: { data?: string | undefined }): Promise<string> {
  const value = readFrozenJson(frozenPath);
  if (isRoutingFile(value)) {
    const routing = parseRouting(value, frozenPath);
    const name = basename(frozenPath).replace(/\.json$/i, "");
    return JSON.stringify(await buildRoutingPromptfooConfig(routing, options.data, { name, file: frozenPath }), null, 2) + "\n";
  }
  const frozen = parseFrozenPrompt(value, frozenPath);
  // promptfoo sends one request per test; a pipeline chains translation and extraction calls.
  if (frozen.pipeline && frozen.pipeline !== "direct") {
    throw new UserInputError(`the prompt runs under the ${frozen.pipeline} pipeline, which chains several calls per sample; promptfoo sends one, so evaluate it with ieopt eval`, { file: frozenPath, field: "pipeline" });
  }
  return JSON.stringify(await buildPromptfooConfig(frozen, options.data), null, 2) + "\n";
}
