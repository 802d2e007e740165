/**
 * `ieopt export --format promptfoo`: a frozen prompt as a promptfoo config (JSON, which
 * promptfoo reads like YAML: `promptfoo eval -c promptfooconfig.json`).
 *
 * - prompts: one chat-format prompt — a JSON list of messages (system instruction, the
 *   demos as user/assistant turns, the query), exactly as ieopt renders it. promptfoo
 *   renders each string of a JSON prompt with Nunjucks, so literal text is escaped
 *   (escapeNunjucks) and the query carries the variables {{schema}}, {{descriptions}}
 *   (the optional type-description block) and {{text}}.
 * - providers: the model the prompt was tuned with when it is an endpoint model, else
 *   a placeholder to edit; config has the frozen decoding settings (temperature,
 *   max_tokens). No keys are written: promptfoo reads OPENAI_API_KEY.
 * - tests: one per query of the --data file (instance-level data is batched like `ieopt
 *   eval` does), vars = text, schema, descriptions and the gold records (JSON), metadata
 *   = id, instance, language, dataset.
 * - defaultTest: a javascript assertion computing LF1 (lf1-assertion.ts), metric "LF1".
 *   promptfoo scores per query; `ieopt eval` pools batched queries per instance.
 */
import type { Sample } from "../data/sample.ts";
import { simProfile } from "../../sim/index.ts";
import type { ChatMessage } from "../lm/types.ts";
import { loadFrozenPrompt, promptFromFrozen, type FrozenPrompt } from "../runs/frozen.ts";
import { streamQueries } from "../eval/eval-data.ts";
import { UserInputError } from "../errors.ts";
import { escapeNunjucks } from "./nunjucks.ts";
import { lf1AssertionCode } from "./lf1-assertion.ts";

const TEXT = "@@IEOPT_TEXT@@";
const SCHEMA = "@@IEOPT_SCHEMA@@";
const PLACEHOLDER_PROVIDER = "openai:chat:gpt-4o-mini";

export interface PromptfooTest {
  description: string;
  vars: { text: string; schema: string; descriptions: string; gold: string };
  metadata: { id: string; instance_id: string; lang: string; dataset: string };
}

export interface PromptfooConfig {
  description: string;
  prompts: { label: string; raw: string }[];
  providers: { id: string; label: string; config: Record<string, unknown> }[];
  defaultTest: { assert: { type: "javascript"; value: string; metric: string }[] };
  tests: PromptfooTest[];
}

/** The query template and how to cut one rendered query into its variables. */
export interface QueryTemplate {
  template: string;
  vars(sample: Pick<Sample, "text" | "schema" | "schema_descriptions">): { text: string; schema: string; descriptions: string };
}

/** The chat messages with the last (query) message as a Nunjucks template. */
export function promptfooMessages(frozen: FrozenPrompt): { messages: ChatMessage[]; query: QueryTemplate } {
  const prompt = promptFromFrozen(frozen);
  const { program } = prompt;
  const rendered = program.render({ text: TEXT, schema: [SCHEMA] }, { instruction: prompt.instruction, demos: prompt.demos, reasoning: prompt.reasoning });
  const sentinel = program.renderQuery({ text: TEXT, schema: [SCHEMA] });
  const schemaJson = JSON.stringify([SCHEMA]);
  const s = sentinel.indexOf(schemaJson);
  const t = sentinel.indexOf(TEXT, s + schemaJson.length);
  if (s < 0 || t < 0 || rendered[rendered.length - 1]?.content !== sentinel) throw new Error("internal: cannot locate the query variables in the rendered prompt");
  const head = sentinel.slice(0, s);
  const mid = sentinel.slice(s + schemaJson.length, t);
  const tail = sentinel.slice(t + TEXT.length);
  const template = `${escapeNunjucks(head)}{{schema}}{{descriptions}}${escapeNunjucks(mid)}{{text}}${escapeNunjucks(tail)}`;
  const query: QueryTemplate = {
    template,
    vars(sample) {
      const full = program.renderQuery({ text: sample.text, schema: sample.schema, schema_descriptions: sample.schema_descriptions });
      const schema = JSON.stringify(sample.schema);
      const descriptions = full.slice(head.length + schema.length, full.length - (mid.length + sample.text.length + tail.length));
      if (head + schema + descriptions + mid + sample.text + tail !== full) throw new Error("internal: the query does not fit the promptfoo template");
      return { text: sample.text, schema, descriptions };
    },
  };
  const messages = rendered.map((m, i) => ({ role: m.role, content: i === rendered.length - 1 ? template : escapeNunjucks(m.content) }));
  return { messages, query };
}

function provider(frozen: FrozenPrompt): PromptfooConfig["providers"][number] {
  const models = (frozen.provenance as { models?: Record<string, { model?: string; base_url?: string }> }).models;
  const inference = models?.["inference"];
  const config: Record<string, unknown> = { temperature: frozen.decoding.temperature, max_tokens: frozen.decoding.max_tokens };
  if (inference?.model && simProfile(inference.model) === undefined) {
    if (inference.base_url && inference.base_url !== "default") config["apiBaseUrl"] = inference.base_url;
    return { id: `openai:chat:${inference.model}`, label: inference.model, config };
  }
  // Tuned with the offline sim (or unknown): a placeholder the user replaces.
  return { id: PLACEHOLDER_PROVIDER, label: "replace with the model to evaluate", config };
}

export async function buildPromptfooConfig(frozen: FrozenPrompt, dataFile: string | undefined, splitNum = 6): Promise<PromptfooConfig> {
  const { messages, query } = promptfooMessages(frozen);
  const tests: PromptfooTest[] = [];
  if (dataFile) {
    for await (const { sample, file, line } of streamQueries([dataFile], splitNum)) {
      if (sample.task !== frozen.task) {
        throw new UserInputError(`a ${sample.task} sample, but the prompt is for ${frozen.task}`, { file, line, field: "task" });
      }
      tests.push({
        description: `${sample.id} (${sample.lang})`,
        vars: { ...query.vars(sample), gold: JSON.stringify(sample.labels) },
        metadata: { id: sample.id, instance_id: sample.instance_id, lang: sample.lang, dataset: sample.dataset },
      });
    }
  }
  const runId = frozen.provenance.run_id ?? "frozen";
  return {
    description: `ieopt frozen ${frozen.task} prompt ${runId} (program ${frozen.program_version}), exported by ieopt${dataFile ? "" : "; add tests with --data FILE"}`,
    prompts: [{ label: `ieopt:${runId}`, raw: JSON.stringify(messages) }],
    providers: [provider(frozen)],
    defaultTest: { assert: [{ type: "javascript", value: lf1AssertionCode(frozen.task), metric: "LF1" }] },
    tests,
  };
}

/** The EXPORTERS entry: frozen prompt file (+ data) → promptfoo config text. */
export async function exportPromptfoo(frozenPath: string, options: { data?: string | undefined }): Promise<string> {
  const frozen = loadFrozenPrompt(frozenPath);
  return JSON.stringify(await buildPromptfooConfig(frozen, options.data), null, 2) + "\n";
}
