/**
 * Similarity between schema items, for hard-negative mining. Pluggable: the study used a
 * multilingual embedding model; the offline default compares character n-grams of the type
 * names and descriptions, which already ranks `org:city_of_headquarters` next to
 * `org:country_of_headquarters` and `B-datetime` next to `recurring_datetime`.
 */

export interface Similarity {
  /** How alike two schema items are, each given as its describing text; higher is closer. */
  score(a: string, b: string): number;
}

/** The text a schema item is compared by: its name (separators as spaces) and description. */
export function schemaItemText(name: string, description?: string): string {
  const words = name.replace(/[_\-/:.]+/g, " ").trim();
  return description ? `${words} ${description}` : words;
}

type SparseVector = Map<string, number>;

function ngramVector(text: string, sizes: readonly number[]): SparseVector {
  const chars = [...` ${text.toLowerCase().replace(/\s+/gu, " ").trim()} `];
  const vector: SparseVector = new Map();
  for (const n of sizes) {
    for (let i = 0; i + n <= chars.length; i++) {
      const gram = chars.slice(i, i + n).join("");
      vector.set(gram, (vector.get(gram) ?? 0) + 1);
    }
  }
  return vector;
}

function cosine(a: SparseVector, b: SparseVector): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [k, v] of a) {
    na += v * v;
    const w = b.get(k);
    if (w !== undefined) dot += v * w;
  }
  for (const v of b.values()) nb += v * v;
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

/** Cosine similarity of character n-gram counts (default n = 2 and 3), computed offline. */
export function charNgramSimilarity(sizes: readonly number[] = [2, 3]): Similarity {
  const cache = new Map<string, SparseVector>();
  const vectorOf = (text: string): SparseVector => {
    let v = cache.get(text);
    if (!v) {
      v = ngramVector(text, sizes);
      cache.set(text, v);
    }
    return v;
  };
  return { score: (a, b) => cosine(vectorOf(a), vectorOf(b)) };
}

/**
 * Similarity from precomputed embeddings (e.g. a multilingual embedding model run once over
 * the schema texts): cosine of the vectors. A text without a vector is an error, not 0.
 */
export function embeddingSimilarity(vectors: ReadonlyMap<string, readonly number[]>): Similarity {
  const get = (text: string): readonly number[] => {
    const v = vectors.get(text);
    if (!v) throw new Error(`no embedding for schema text '${text}'`);
    return v;
  };
  return {
    score(a, b) {
      const va = get(a);
      const vb = get(b);
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < va.length; i++) {
        const x = va[i]!;
        const y = vb[i] ?? 0;
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
    },
  };
}
