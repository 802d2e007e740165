/** Number formatting shared by the report renderers. */

/** A score on the 0–100 scale with one decimal, "–" when there is none. */
export function fmtScore(x: number | null | undefined, digits = 1): string {
  return x === null || x === undefined || Number.isNaN(x) ? "–" : x.toFixed(digits);
}

/** "42.1 [38.0, 46.3]"; "–" for no value (or no such group). */
export function fmtWithCI(v: { value: number | null; ci_low: number | null; ci_high: number | null } | undefined): string {
  if (v === undefined || v.value === null) return "–";
  return `${fmtScore(v.value)} [${fmtScore(v.ci_low)}, ${fmtScore(v.ci_high)}]`;
}

/** A share in [0, 1] as a percentage. */
export function fmtPercent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** A signed difference, "+3.2" / "−1.0". */
export function fmtDiff(x: number): string {
  return `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}`;
}

/** The one wording of the paired comparisons and their p-values (console, Markdown, HTML). */
export const COMPARISON_NOTE =
  "Δ = mean(a − b) over the instances both were scored on, with a paired bootstrap 95% CI; " +
  "p (bootstrap) is the bootstrap p-value of Δ, p (permutation) a two-sided sign-flip permutation test.";

export function fmtP(p: number): string {
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

export function fmtInt(n: number): string {
  return n.toLocaleString("en-US");
}

/** Cost in the price table's currency; "n/a" when nothing was priced. */
export function fmtCost(cost: number, unpriced: number, calls: number): string {
  if (calls === 0) return "0";
  if (unpriced === calls) return "n/a";
  return `${cost.toFixed(4)}${unpriced > 0 ? ` (+${unpriced} unpriced)` : ""}`;
}
