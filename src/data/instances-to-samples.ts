/**
 * Instances (one text, the dataset's whole schema) → samples (one query each: the text and
 * a batch of schema items). Test instances are batched in schema order with every item;
 * train/dev instances first go through negative schema mining. Sample ids are
 * `<instance_id>#<batch>`; labels and descriptions are filtered to the batch.
 *
 * Each instance draws from its own stream (seed forked by instance id), so its samples do
 * not change when other instances are added, removed or reordered.
 */
import { UserInputError } from "../errors.ts";
import { createRng } from "../util/random.ts";
import { batchSchema } from "./batch-schema.ts";
import { mineSchemaNames, rankBySimilarity } from "./negative-mining.ts";
import type { IERecord, Sample, SchemaItem } from "./sample.ts";
import { getTask } from "../tasks/registry.ts";
import { charNgramSimilarity, type Similarity } from "./similarity.ts";

export interface InstancesToSamplesOptions {
  /** Schema items per query (split_num). Default 6. */
  splitNum?: number;
  /** Hard negatives per positive item (K). Default 2: with split_num 6, a query keeps room for random negatives. */
  hardNegatives?: number;
  /** Random negatives per train/dev instance. Default: splitNum. */
  randomNegatives?: number;
  seed?: string | number;
  /** Default: character n-gram cosine of names and descriptions (offline). */
  similarity?: Similarity;
}

export const DEFAULT_SPLIT_NUM = 6;
export const DEFAULT_HARD_NEGATIVES = 2;

/** One sample per batch: the batch's items, the labels and descriptions of those items. */
function samplesForBatches(instance: Sample, batches: SchemaItem[][]): Sample[] {
  const task = getTask(instance.task);
  return batches.map((batch, i) => {
    const names = new Set(batch.map(task.itemName));
    const labels = (instance.labels as IERecord[]).filter((r) => {
      // A text-level record (no type) belongs to the text, so to every batch of it.
      const type = task.typeOf(r);
      return type === undefined || names.has(type);
    });
    const descriptions = instance.schema_descriptions
      ? Object.fromEntries(Object.entries(instance.schema_descriptions).filter(([name]) => names.has(name)))
      : undefined;
    const { schema_descriptions: _dropped, ...rest } = instance;
    return {
      ...rest,
      id: `${instance.instance_id}#${i}`,
      instance_id: instance.instance_id,
      schema: batch,
      labels,
      ...(descriptions && Object.keys(descriptions).length > 0 ? { schema_descriptions: descriptions } : {}),
    } as Sample;
  });
}

export function instancesToSamples(instances: readonly Sample[], options: InstancesToSamplesOptions = {}): Sample[] {
  const splitNum = options.splitNum ?? DEFAULT_SPLIT_NUM;
  const hardNegatives = options.hardNegatives ?? DEFAULT_HARD_NEGATIVES;
  const randomNegatives = options.randomNegatives ?? splitNum;
  const similarity = options.similarity ?? charNgramSimilarity();
  const root = createRng(options.seed ?? 0);
  // The ranking depends only on the schema and its descriptions: compute once per schema.
  const rankings = new Map<string, Map<string, string[]>>();
  const seen = new Set<string>();
  const out: Sample[] = [];
  for (const instance of instances) {
    if (seen.has(instance.instance_id)) {
      throw new UserInputError(
        `instance '${instance.instance_id}' appears more than once; batching expects one line per instance (unbatched data)`,
        { field: "instance_id" },
      );
    }
    seen.add(instance.instance_id);
    const schema = instance.schema as SchemaItem[];
    if (instance.split === "test") {
      out.push(...samplesForBatches(instance, batchSchema(schema, splitNum)));
      continue;
    }
    const task = getTask(instance.task);
    const names = schema.map(task.itemName);
    const key = JSON.stringify([names, instance.schema_descriptions ?? {}]);
    let ranked = rankings.get(key);
    if (!ranked) {
      ranked = rankBySimilarity(names, instance.schema_descriptions, similarity);
      rankings.set(key, ranked);
    }
    const positives = new Set<string>();
    for (const r of instance.labels as IERecord[]) {
      const type = task.typeOf(r);
      if (type !== undefined) positives.add(type);
    }
    const picked = mineSchemaNames(names, positives, ranked, { hardNegatives, randomNegatives }, root.fork(instance.instance_id));
    const byName = new Map(schema.map((item) => [task.itemName(item), item]));
    const items = picked.map((n) => byName.get(n)!);
    out.push(...samplesForBatches(instance, batchSchema(items, splitNum)));
  }
  return out;
}
