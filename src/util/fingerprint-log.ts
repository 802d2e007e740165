/**
 * A log of 64-bit fingerprints of strings: `add` files one, `mayRepeat` says whether two
 * strings added may have been the same. It never answers "no" when a string was added
 * twice; it may, with a chance of about n² / 2⁶⁵ over n strings, answer "maybe" for
 * distinct ones. So it suits a fast path whose "maybe" falls back to an exact check
 * (`ieopt score` redoes such files with maps of the strings themselves).
 *
 * Why not a Set: a Set keeps every string alive, and at a few hundred thousand strings
 * read from a file, keeping them (and rehashing the set as it grows) costs more than
 * reading them. Why not a hash table of fingerprints: at that size each insert is a cache
 * miss. Here adding is a sequential write into one typed array the garbage collector
 * never scans, and the repeat check is one native sort at the end.
 */

/** Fingerprints to start with (8 bytes each); the log doubles when full. */
const INITIAL_CAPACITY = 4096;

export class FingerprintLog {
  #log = new BigUint64Array(INITIAL_CAPACITY);
  /** The same memory as 32-bit halves, written without making a BigInt per fingerprint. */
  #halves = new Uint32Array(this.#log.buffer);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Files `key`'s fingerprint, salted by `salt` (e.g. the number of a group the key is unique in). */
  add(key: string, salt = 0): void {
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
    if (this.#size === this.#log.length) this.#grow();
    this.#halves[2 * this.#size] = a;
    this.#halves[2 * this.#size + 1] = b;
    this.#size++;
  }

  /** Whether two fingerprints filed are equal (sorts the log; adding may go on after). */
  mayRepeat(): boolean {
    this.#log.subarray(0, this.#size).sort();
    const halves = this.#halves;
    // Equal 64-bit values are next to each other after sorting, whatever the byte order.
    for (let k = 2; k < 2 * this.#size; k += 2) {
      if (halves[k] === halves[k - 2] && halves[k + 1] === halves[k - 1]) return true;
    }
    return false;
  }

  #grow(): void {
    const grown = new BigUint64Array(2 * this.#log.length);
    grown.set(this.#log);
    this.#log = grown;
    this.#halves = new Uint32Array(grown.buffer);
  }
}
