/**
 * The sim's randomness. Every answer is a pure function of the request: a request-level
 * generator (src/util/random.ts `createRng`) is seeded from a fingerprint of (profile,
 * messages, decoding settings, and — only when temperature > 0 — seed and draw), so
 * greedy answers ignore seed/draw like a real greedy decoder.
 *
 * Per-decision draws ("is this candidate found?") use *keyed* uniforms: a fast hash of
 * (a text-level seed, the decision's key). The text-level seed depends on the profile, the
 * query text and (temperature > 0) seed/draw, but not on the rest of the prompt. So two
 * prompts that differ only in quality face the same "difficulty" per candidate (common
 * random numbers): a better prompt raises probabilities and wins on (almost) every
 * sample, which keeps the optimizer's signal clean without making the sim deterministic
 * in a silly way.
 */
import { createRng, type Rng } from "../src/util/random.ts";
import { sha256 } from "../src/util/hash.ts";

/**
 * MurmurHash3 (x86, 32-bit) over UTF-16 code units: fast, and each unit is mixed before it
 * enters the state, so keys that differ only in the middle ("guess:<span>:<type>") are
 * independent. (FNV-1a with only a final mix left such keys correlated.)
 */
function hash32(text: string): number {
  let h = 0x9747b28c;
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= text.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export interface Keyed {
  /** Uniform in [0, 1), fixed for (stream, key). */
  u(key: string): number;
}

function keyed(seed: string): Keyed {
  return { u: (key) => hash32(`${seed}\u0000${key}`) / 4294967296 };
}

export interface SimRandom {
  /** Request-level generator (ordering, phrasing choices). */
  rng: Rng;
  /** Keyed draws that depend on the query text, not the prompt (common random numbers). */
  text: Keyed;
}

export interface RandomInputs {
  profile: string;
  messages: unknown;
  queryText: string;
  temperature: number;
  seed: number | undefined;
  draw: number | undefined;
  choice: number;
  settings: unknown;
}

export function simRandom(inp: RandomInputs): SimRandom {
  const sampling = inp.temperature > 0 ? { seed: inp.seed ?? null, draw: inp.draw ?? 0, choice: inp.choice, t: inp.temperature } : null;
  // Plain JSON (not stableStringify): every value here is built with a fixed key order,
  // and the messages array is hashed as sent, which is much faster for long prompts.
  const requestSeed = sha256(JSON.stringify([inp.profile, inp.messages, inp.settings, sampling])).slice(0, 20);
  const textSeed = sha256(JSON.stringify([inp.profile, inp.queryText, sampling])).slice(0, 20);
  return { rng: createRng(requestSeed), text: keyed(textSeed) };
}
