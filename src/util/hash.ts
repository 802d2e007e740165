/** Stable JSON: object keys sorted, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v;
  });
}

export function sha256(text: string): string {
  // Loaded on first use: commands that never hash (`ieopt score`) start without node:crypto.
  return process.getBuiltinModule("node:crypto").createHash("sha256").update(text).digest("hex");
}

/** A short, stable fingerprint of any JSON-able value. */
export function fingerprint(value: unknown, length = 16): string {
  return sha256(stableStringify(value)).slice(0, length);
}
