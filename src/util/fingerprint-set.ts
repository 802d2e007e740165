/**
 * A set of strings that keeps only a 64-bit fingerprint of each: `add` says whether the
 * string is surely new, or may have been added before. It never answers "new" for a
 * string added before; it may, with a chance of about n² / 2⁶⁵ over n strings, answer
 * "maybe seen" for a new one. So it suits a fast path whose "maybe seen" falls back to an
 * exact check (`ieopt score` redoes such files with maps of the strings themselves).
 *
 * Why not a Set: a Set keeps every string alive, and at a few hundred thousand strings
 * read from a file, keeping them (and rehashing the set as it grows) costs more than
 * reading them. Here the table is one typed array the garbage collector never scans.
 */

/** Slots to start with (a power of two; 8 bytes each); the table quadruples when half full. */
const INITIAL_SLOTS = 4096;

export class FingerprintSet {
  /**
   * Slot k holds a fingerprint's two halves at 2k and 2k + 1, side by side: a large table
   * is mostly cache misses, one per probe this way. (0, 0) marks an empty slot.
   */
  #slots = new Uint32Array(2 * INITIAL_SLOTS);
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
    // (0, 0) is the empty mark: that one fingerprint is filed as (0, 1), which can only add a "maybe".
    const hi = a >>> 0;
    return this.#insert(hi, b >>> 0 || (hi === 0 ? 1 : 0));
  }

  #insert(hi: number, lo: number): boolean {
    if (4 * (this.#size + 1) > this.#slots.length) this.#grow();
    const slots = this.#slots;
    const mask = (slots.length >>> 1) - 1;
    for (let slot = (lo ^ hi) & mask; ; slot = (slot + 1) & mask) {
      const h = slots[2 * slot]!;
      const l = slots[2 * slot + 1]!;
      if (h === 0 && l === 0) {
        slots[2 * slot] = hi;
        slots[2 * slot + 1] = lo;
        this.#size++;
        return true;
      }
      if (h === hi && l === lo) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(4 * old.length);
    this.#size = 0;
    for (let k = 0; k < old.length; k += 2) if (old[k] !== 0 || old[k + 1] !== 0) this.#insert(old[k]!, old[k + 1]!);
  }
}
