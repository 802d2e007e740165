/**
 * Batch request ids (stable, documented). OpenAI's Batch API and vLLM's run_batch take a
 * custom_id of at most 64 characters from [A-Za-z0-9_-]; names of prompts, models and
 * samples fit neither, so every request of `ieopt eval --batch-out` carries
 *
 *   custom_id = "ieopt2-" + base64url(sha256(JSON [prompt, model, sample id]))[0..32)
 *
 * (39 characters, 192 bits of the hash), where prompt is the prompt's label in the eval
 * (e.g. "default:NER" or the run id), model the --model name and sample id the query's id
 * after batching. The same command line always produces the same ids, so `--batch-in`
 * matches results by recomputing them; a lookup file beside each request file
 * (`<file>.custom_ids`, JSONL {custom_id, prompt, model, sample_id}) tells people and
 * other tools what each id stands for.
 *
 * Ids of the first format ("ieopt1|" + URI-encoded parts, ieopt 0.1) are still read.
 */
import { createHash } from "node:crypto";

const PREFIX = "ieopt2-";
const LEGACY_PREFIX = "ieopt1";

export interface CustomIdParts {
  prompt: string;
  model: string;
  sampleId: string;
}

export function encodeCustomId(parts: CustomIdParts): string {
  const digest = createHash("sha256").update(JSON.stringify([parts.prompt, parts.model, parts.sampleId])).digest("base64url");
  return PREFIX + digest.slice(0, 32);
}

/** The parts of a first-format (ieopt 0.1) custom_id, or undefined when it is not one. */
export function decodeLegacyCustomId(id: string): CustomIdParts | undefined {
  const parts = id.split("|");
  if (parts.length !== 4 || parts[0] !== LEGACY_PREFIX) return undefined;
  try {
    return { prompt: decodeURIComponent(parts[1]!), model: decodeURIComponent(parts[2]!), sampleId: decodeURIComponent(parts[3]!) };
  } catch {
    return undefined;
  }
}

/** One line of the lookup file beside a request file. */
export function lookupLine(customId: string, parts: CustomIdParts): { custom_id: string; prompt: string; model: string; sample_id: string } {
  return { custom_id: customId, prompt: parts.prompt, model: parts.model, sample_id: parts.sampleId };
}

/** The lookup file of a request file. */
export function lookupPath(requestFile: string): string {
  return `${requestFile}.custom_ids`;
}
