/**
 * Batched schema (method.md §2): a schema longer than `splitNum` is cut into batches of
 * `splitNum`. A short last batch stays on its own when it has at least half of `splitNum`
 * items, otherwise it joins the batch before it (so a batch holds at most
 * splitNum + ceil(splitNum/2) - 1 items).
 *
 *     13 → 6, 7     15 → 6, 6, 3     8 → 8 (the 2 left over join the first batch)
 *     9 → 6, 3      5 → 5            0 → (no batches)
 */
export function batchSchema<T>(items: readonly T[], splitNum = 6): T[][] {
  if (!Number.isInteger(splitNum) || splitNum < 1) throw new RangeError(`splitNum must be a positive integer, got ${splitNum}`);
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += splitNum) batches.push(items.slice(i, i + splitNum));
  const last = batches[batches.length - 1];
  if (batches.length > 1 && last && last.length < splitNum / 2) {
    batches.pop();
    batches[batches.length - 1]!.push(...last);
  }
  return batches;
}
