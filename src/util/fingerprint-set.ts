/**
 * A set of strings that keeps only a 64-bit fingerprint of each: `add` says whether the
 * string is surely new, or may have been added before. It never answers "new" for a
 * string added before; it may, with a chance of about n² / 2⁶⁵ over n strings, answer
 * "maybe seen" for a new one. So it suits a fast path whose "maybe seen" falls back to an
 * exact check (`ieopt score` redoes such files with maps of the strings themselves).
 *
 * Why not a Set: a Set keeps every string alive, and at a few hundred thousand strings
 * read from a file, keeping them (and rehashing the set as it grows) costs more than
 * reading them. Here the table is two typed arrays the garbage collector never scans.
 */
/** Slots to start with (a power of two; 9 bytes each); the table quadruples when half full. */
const INITIAL_SLOTS = 4096;

export class FingerprintSet {
  #hi = new Uint32Array(INITIAL_SLOTS);
  #lo = new Uint32Array(INITIAL_SLOTS);
  /** 0: empty slot; otherwise taken. (A fingerprint may be 0, so occupancy is kept apart.) */
  #used = new Uint8Array(INITIAL_SLOTS);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Adds `key` (salted by `salt`, e.g. the number of a group the key is unique in); false when it may have been added before. */
  add(key: string, salt = 0): boolean {
    // Two 32-bit hashes of the UTF-16 units: FNV-1a, and the same scheme with another
    // multiplier and start, finished with Murmur3's avalanche.
    let a = 0x811c9dc5 ^ salt;
    let b = 0x9e3779b9 ^ Math.imul(salt, 0x85ebca6b);
    for (let i = 0; i < key.length; i++) {
      const c = key.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    a ^= key.length;
    b = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
    b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35);
    b ^= b >>> 16;
    return this.#insert(a >>> 0, b >>> 0);
  }

  #insert(hi: number, lo: number): boolean {
    if (2 * (this.#size + 1) > this.#used.length) this.#grow();
    const mask = this.#used.length - 1;
    for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
      if (this.#used[slot] === 0) {
        this.#used[slot] = 1;
        this.#hi[slot] = hi;
        this.#lo[slot] = lo;
        this.#size++;
        return true;
      }
      if (this.#hi[slot] === hi && this.#lo[slot] === lo) return false;
    }
  }

  #grow(): void {
    const [hi, lo, used] = [this.#hi, this.#lo, this.#used];
    const capacity = 4 * used.length;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#used = new Uint8Array(capacity);
    this.#size = 0;
    for (let slot = 0; slot < used.length; slot++) if (used[slot] === 1) this.#insert(hi[slot]!, lo[slot]!);
  }
}
