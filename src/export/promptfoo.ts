/**
 * `ieopt export --format promptfoo`: a frozen prompt as a promptfoo config (JSON, which
 * promptfoo reads like YAML: `promptfoo eval -c promptfooconfig.json`).
 *
 * Every data-derived value reaches the model literally. promptfoo treats strings in a
 * config as live: it renders `{{ env.X }}` anywhere in the config when loading it,
 * substitutes `{{ other_var }}` inside variable values, loads (or runs) `file://` values,
 * Nunjucks-renders the prompt, and globs a one-line prompt that looks like a path. So:
 *
 * - prompts: one chat prompt, written as multi-line JSON (never taken for a path), whose
 *   messages are only `{{ <var>.<field> | load }}` placeholders — no data in the template.
 * - every data-derived text (instruction, demos, each query as ieopt renders it, gold and
 *   schema as JSON text) is a JSON string literal with `{` and `}` written as \u007b / \u007d (no template
 *   opener survives, `| load` — promptfoo's JSON.parse filter — gives it back exactly),
 *   nested inside an object variable (promptfoo only resolves and loads top-level string
 *   variables). The fixed messages are `defaultTest.vars.ieopt_prompt`; each test has
 *   `vars.ieopt_query` {text, gold, schema, instance, queries}.
 * - providers: the model the prompt was tuned with when it is an endpoint model, else a
 *   placeholder to edit; config has the frozen decoding settings. No keys are written.
 * - tests: one per query of the --data file (instances are batched like `ieopt eval`).
 * - scores: the javascript assertion (lf1-assertion.ts) gives each query its LF1 — the
 *   "LF1" metric and promptfoo's score, a per-query mean — and the derived metric
 *   POOLED_METRIC, the mean over instances of their pooled LF1 on ieopt's 0–100 scale:
 *   the number that matches `ieopt eval`'s overall LF1.
 */
import type { Sample } from "../data/sample.ts";
import type { ChatMessage } from "../lm/types.ts";
import { simProfile } from "../../sim/index.ts";
import { loadFrozenPrompt, promptFromFrozen, type FrozenPrompt } from "../runs/frozen.ts";
import { instanceKey, streamQueries } from "../eval/eval-data.ts";
import { buildRequest } from "../eval/runner.ts";
import { UserInputError } from "../errors.ts";
import { lf1AssertionCode, POOLED_SUM_METRIC, QUERY_VAR } from "./lf1-assertion.ts";

const PLACEHOLDER_PROVIDER = "openai:chat:gpt-4o-mini";
/** The test variable with the prompt's fixed messages (instruction, demos). */
export const PROMPT_VAR = "ieopt_prompt";
/** The derived metric that equals `ieopt eval`'s overall LF1 (0–100). */
export const POOLED_METRIC = "LF1 pooled per instance, 0-100 (= ieopt eval overall)";

/**
 * A text as a JSON string literal with no brace left (\u007b, \u007d), so no template
 * syntax can be read into it; JSON.parse (promptfoo's `load` filter) gives it back.
 */
export function literal(text: string): string {
  return JSON.stringify(text).replace(/[{}]/g, (c) => (c === "{" ? "\\u007b" : "\\u007d"));
}

/** Display strings (descriptions, metadata) stay readable when they are plainly safe. */
function displayText(value: string): string {
  return /^[\p{L}\p{M}\p{N} _.:\-]*$/u.test(value) ? value : literal(value);
}

export interface PromptfooTest {
  description: string;
  vars: { [QUERY_VAR]: { text: string; gold: string; schema: string; instance: string; queries: number } };
  metadata: { id: string; instance_id: string; lang: string; dataset: string };
}

export interface PromptfooConfig {
  description: string;
  prompts: { label: string; raw: string }[];
  providers: { id: string; label: string; config: Record<string, unknown> }[];
  defaultTest: { vars: { [PROMPT_VAR]: Record<string, string> }; assert: { type: "javascript"; value: string; metric: string }[] };
  derivedMetrics: { name: string; value: string }[];
  tests: PromptfooTest[];
}

/** The prompt template: the messages' roles, each content a placeholder (the query last). */
export function promptTemplate(messages: readonly ChatMessage[]): string {
  const last = messages.length - 1;
  const template = messages.map((m, i) => ({ role: m.role, content: i === last ? `{{ ${QUERY_VAR}.text | load }}` : `{{ ${PROMPT_VAR}.m${i} | load }}` }));
  return JSON.stringify(template, null, 2);
}

function provider(frozen: FrozenPrompt): PromptfooConfig["providers"][number] {
  const models = (frozen.provenance as { models?: Record<string, { model?: string; base_url?: string }> }).models;
  const inference = models?.["inference"];
  const config: Record<string, unknown> = { temperature: frozen.decoding.temperature, max_tokens: frozen.decoding.max_tokens };
  if (inference?.model && simProfile(inference.model) === undefined) {
    if (inference.base_url && inference.base_url !== "default") config["apiBaseUrl"] = inference.base_url;
    return { id: `openai:chat:${inference.model}`, label: displayText(inference.model), config };
  }
  // Tuned with the offline sim (or unknown): a placeholder the user replaces.
  return { id: PLACEHOLDER_PROVIDER, label: "replace with the model to evaluate", config };
}

export async function buildPromptfooConfig(frozen: FrozenPrompt, dataFile: string | undefined, splitNum = 6): Promise<PromptfooConfig> {
  const prompt = promptFromFrozen(frozen);
  const queries: Sample[] = [];
  if (dataFile) {
    for await (const { sample, file, line } of streamQueries([dataFile], splitNum)) {
      if (sample.task !== frozen.task) {
        throw new UserInputError(`a ${sample.task} sample, but the prompt is for ${frozen.task}`, { file, line, field: "task" });
      }
      queries.push(sample);
    }
    if (queries.length === 0) throw new UserInputError("no samples (the file is empty or holds only blank lines); an export needs at least one test case", { file: dataFile });
  }
  const perInstance = new Map<string, number>();
  for (const q of queries) perInstance.set(instanceKey(q), (perInstance.get(instanceKey(q)) ?? 0) + 1);

  // The fixed messages (instruction, demos) are what ieopt sends before every query.
  const fixed = buildRequest(prompt, queries[0] ?? { text: "", schema: [] }).messages.slice(0, -1);
  const tests: PromptfooTest[] = queries.map((sample) => {
    const messages = buildRequest(prompt, sample).messages;
    if (messages.length !== fixed.length + 1 || fixed.some((m, i) => m.role !== messages[i]!.role || m.content !== messages[i]!.content)) {
      throw new Error(`internal: the ${frozen.task} prompt's fixed messages differ for query '${sample.id}'`);
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
        },
      },
      metadata: { id: displayText(sample.id), instance_id: displayText(sample.instance_id), lang: displayText(sample.lang), dataset: displayText(sample.dataset) },
    };
  });
  const runId = frozen.provenance.run_id ?? "frozen";
  return {
    description:
      `ieopt frozen ${frozen.task} prompt ${displayText(runId)} (program ${frozen.program_version}), exported by ieopt. ` +
      `"LF1" is promptfoo's per-query mean; "${POOLED_METRIC}" pools each instance's queries and averages over ${perInstance.size} instances: ` +
      `that one matches ieopt eval's overall LF1` +
      (dataFile ? "" : "; add tests with --data FILE"),
    prompts: [{ label: `ieopt:${displayText(runId)}`, raw: promptTemplate([...fixed, { role: "user", content: "" }]) }],
    providers: [provider(frozen)],
    defaultTest: {
      vars: { [PROMPT_VAR]: Object.fromEntries(fixed.map((m, i) => [`m${i}`, literal(m.content)])) },
      assert: [{ type: "javascript", value: lf1AssertionCode(frozen.task), metric: "LF1" }],
    },
    derivedMetrics: [{ name: POOLED_METRIC, value: `100 * ${POOLED_SUM_METRIC} / ${Math.max(1, perInstance.size)}` }],
    tests,
  };
}

/** The EXPORTERS entry: frozen prompt file (+ data) → promptfoo config text. */
export async function exportPromptfoo(frozenPath: string, options: { data?: string | undefined }): Promise<string> {
  const frozen = loadFrozenPrompt(frozenPath);
  // promptfoo sends one request per test; a pipeline chains translation and extraction calls.
  if (frozen.pipeline) throw new UserInputError(`the prompt runs under the ${frozen.pipeline} pipeline, which chains several calls per sample; promptfoo sends one, so evaluate it with ieopt eval`, { file: frozenPath, field: "pipeline" });
  return JSON.stringify(await buildPromptfooConfig(frozen, options.data), null, 2) + "\n";
}
