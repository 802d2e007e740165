/**
 * Truncated normal distribution math for the Parzen estimator's numerical kernels.
 *
 * Everything is computed in log space so that kernels far out in a tail (narrow bandwidths,
 * many trials) give finite log densities instead of log(0). The same approach as Optuna's
 * `_truncnorm.py` (itself following SciPy): work in the *left* tail, where Φ is accurate,
 * and use symmetry for the right tail.
 */

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * erf(x) through the all-positive series  erf(x) = 2/√π · e^{−x²} · Σ_n 2ⁿ x^{2n+1} / (2n+1)!!.
 * Unlike the alternating Maclaurin series it has no cancellation, so it is accurate to a few
 * ulps for the |x| < 2 range where we use it.
 */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * Continued fraction  x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))  = e^{−x²} / (√π · erfc(x)),
 * evaluated with the modified Lentz method. Converges quickly for x ≥ 2, where it gives
 * erfc(x) with full *relative* precision, even far beyond where erfc underflows.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 2000; n++) {
    const a = n / 2;
    d = x + a * d;
    if (d === 0) d = tiny;
    d = 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return f;
}

const CF_THRESHOLD = 2;

/** log erfc(x) for x ≥ 0, finite for any finite x (erfc itself underflows past x ≈ 26.5). */
function logErfcNonNegative(x: number): number {
  if (x < CF_THRESHOLD) return Math.log1p(-erfSeries(x));
  return -x * x - LOG_SQRT_PI - Math.log(erfcContinuedFraction(x));
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < CF_THRESHOLD) return 1 - erfSeries(x);
  return Math.exp(logErfcNonNegative(x));
}

/** Standard normal CDF Φ(z). */
export function ndtr(z: number): number {
  const t = z / Math.SQRT2;
  return z < 0 ? 0.5 * erfc(-t) : 1 - 0.5 * erfc(t);
}

/** log Φ(z), accurate in both tails (−z² / 2 − log(−z√2π) asymptotically on the left). */
export function logNdtr(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 0;
  if (z === -Infinity) return -Infinity;
  if (z >= 0) return Math.log1p(-0.5 * erfc(z / Math.SQRT2));
  return Math.log(0.5) + logErfcNonNegative(-z / Math.SQRT2);
}

/** log of the standard normal density. */
function normLogPdf(z: number): number {
  return -0.5 * z * z - LOG_SQRT_2PI;
}

/** log(e^p − e^q) for p ≥ q. */
function logDiff(logP: number, logQ: number): number {
  if (logQ === -Infinity) return logP;
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

/** log(e^p + e^q). */
function logAddExp(p: number, q: number): number {
  if (p === -Infinity) return q;
  if (q === -Infinity) return p;
  const m = Math.max(p, q);
  return m + Math.log1p(Math.exp(-Math.abs(p - q)));
}

/**
 * log P(a ≤ Z ≤ b) for standard normal Z. Three cases, as in SciPy/Optuna: both bounds in the
 * left tail (difference of log-CDFs), both in the right tail (mirror it), or straddling 0
 * (1 − Φ(a) − Φ(−b) via log1p, which avoids cancellation when the mass is close to 1).
 */
export function logGaussMass(a: number, b: number): number {
  if (!(a < b)) return a === b ? -Infinity : NaN;
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logGaussMass(-b, -a);
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

// Acklam's rational approximation of Φ⁻¹ (relative error ~1e-9); refined by Newton below.
const ACKLAM_A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
const ACKLAM_B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
const ACKLAM_C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];

function poly(coefs: readonly number[], x: number): number {
  let acc = 0;
  for (const c of coefs) acc = acc * x + c;
  return acc;
}

/** Rough Φ⁻¹(p) for 0 < p ≤ 0.5 (the left half only; callers mirror the right half). */
function ndtriLeftGuess(p: number): number {
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(ACKLAM_C, q) / (poly(ACKLAM_D, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(ACKLAM_A, r) * q) / (poly(ACKLAM_B, r) * r + 1);
}

/**
 * x ≤ 0 with log Φ(x) = y, for y ≤ log(1/2). Newton on the log scale: log Φ is concave and
 * increasing with derivative φ(x)/Φ(x) ≥ ~|x| on the left, so a handful of steps from a good
 * start reach full precision even where Φ(x) itself underflows.
 */
function ndtriExpLeft(y: number): number {
  if (y === -Infinity) return -Infinity;
  let x = y < -700 ? -Math.sqrt(-2 * y) : ndtriLeftGuess(Math.exp(y));
  for (let i = 0; i < 50; i++) {
    const lx = logNdtr(x);
    const step = (lx - y) / Math.exp(normLogPdf(x) - lx);
    x -= step;
    if (Math.abs(step) <= 1e-14 * (1 + Math.abs(x))) break;
  }
  return Math.min(x, 0);
}

/** Φ⁻¹(e^y): the x with log Φ(x) = y (y ≤ 0). */
export function ndtriExp(y: number): number {
  if (y >= 0) return Infinity;
  if (y <= Math.log(0.5)) return ndtriExpLeft(y);
  // Right half: Φ(x) = p  ⇔  Φ(−x) = 1 − p, and log(1 − p) = log(−expm1(y)) is exact.
  return -ndtriExpLeft(Math.log(-Math.expm1(y)));
}

/**
 * Quantile function of the standard normal truncated to [a, b]: the z with
 * P(a ≤ Z ≤ z) = q · P(a ≤ Z ≤ b). Works in whichever tail keeps Φ accurate.
 */
export function truncnormPpf(q: number, a: number, b: number): number {
  if (a === b) return a;
  if (q <= 0) return a;
  if (q >= 1) return b;
  const logMass = logGaussMass(a, b);
  let z: number;
  if (a < 0) {
    z = ndtriExp(logAddExp(logNdtr(a), Math.log(q) + logMass));
  } else {
    z = -ndtriExp(logAddExp(logNdtr(-b), Math.log1p(-q) + logMass));
  }
  return Math.min(b, Math.max(a, z));
}

/** log density at x of N(mu, sigma²) truncated to [low, high]; −∞ outside. */
export function truncnormLogPdf(x: number, mu: number, sigma: number, low: number, high: number): number {
  if (x < low || x > high) return -Infinity;
  return normLogPdf((x - mu) / sigma) - Math.log(sigma) - logGaussMass((low - mu) / sigma, (high - mu) / sigma);
}
