/**
 * Batch request ids (stable, documented): every request of `ieopt eval --batch-out` carries
 *
 *   custom_id = "ieopt1|" + enc(prompt) + "|" + enc(model) + "|" + enc(sample id)
 *
 * where enc is encodeURIComponent (so no component contains "|"), prompt is the prompt's
 * label in the eval (e.g. "default:NER" or the run id), model the --model name and
 * sample id the query's id after batching (e.g. "xsid/SF/deu/test/7#2"). The same
 * command line always produces the same ids, so `--batch-in` can match results to
 * samples however the batch runner orders or splits its output.
 */
const PREFIX = "ieopt1";

export interface CustomIdParts {
  prompt: string;
  model: string;
  sampleId: string;
}

export function encodeCustomId(parts: CustomIdParts): string {
  return [PREFIX, parts.prompt, parts.model, parts.sampleId].map((p, i) => (i === 0 ? p : encodeURIComponent(p))).join("|");
}

/** The parts of an ieopt custom_id, or undefined when it is not one. */
export function decodeCustomId(id: string): CustomIdParts | undefined {
  const parts = id.split("|");
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  try {
    return { prompt: decodeURIComponent(parts[1]!), model: decodeURIComponent(parts[2]!), sampleId: decodeURIComponent(parts[3]!) };
  } catch {
    return undefined;
  }
}
