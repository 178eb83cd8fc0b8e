// Summaries over seeds: mean, sample standard deviation and the Student-t 95% interval of a mean, and their cells.
import { fmtP } from "../decode/significance.ts";

/** ln Γ(x) for x > 0 (Lanczos, g = 7, nine terms; relative error below 1e-15). */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  x -= 1;
  let a = c[0];
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1, d = 1 - ((a + b) * x) / (a + 1);
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 300; m++) {
    for (
      const aa of [
        (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)),
        -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1)),
      ]
    ) {
      d = 1 + aa * d;
      d = 1 / (Math.abs(d) < tiny ? tiny : d);
      c = 1 + aa / c;
      if (Math.abs(c) < tiny) c = tiny;
      h *= d * c;
    }
    if (Math.abs(d * c - 1) < 1e-15) break;
  }
  return h;
}

/** I_x(a, b), the regularized incomplete beta function. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  // P(|T| > |t|) from whichever argument of I keeps its precision
  const tail = t * t < df
    ? 0.5 * (1 - incompleteBeta(0.5, df / 2, (t * t) / (df + t * t)))
    : 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T <= t) = p, by bisection (p in (0, 1)). */
export function studentTQuantile(p: number, df: number): number {
  let lo = -1e4, hi = 1e4;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface SeedSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n - 1); null for one seed. */
  sd: number | null;
  /** The mean's two-sided 95% interval, Student t with n - 1 degrees of freedom; null for one seed. */
  interval: [number, number] | null;
}

/** Mean, spread and 95% interval of one value per seed. */
export function overSeeds(values: readonly number[]): SeedSummary {
  const n = values.length;
  if (!n) throw new Error("overSeeds: no values");
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n === 1) return { n, mean, sd: null, interval: null };
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, interval: [mean - half, mean + half] };
}

/** overSeeds of one value per seed, from the model of each seed in `dirs`: one model shared by all counts once. */
export const overModels = (values: readonly number[], dirs: readonly string[]) =>
  overSeeds(new Set(dirs).size === 1 ? values.slice(0, 1) : values);

/** "15.62 ± 0.10" (or "15.62" for one seed). */
export const meanSd = (s: SeedSummary, digits = 2) =>
  s.sd === null ? s.mean.toFixed(digits) : `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;

/** "-0.31 [-0.52, -0.10]" (or the mean alone for one seed). */
export const meanInterval = (s: SeedSummary, digits = 2) =>
  s.interval === null
    ? s.mean.toFixed(digits)
    : `${s.mean.toFixed(digits)} [${s.interval[0].toFixed(digits)}, ${s.interval[1].toFixed(digits)}]`;

/** Per-seed MAPSSWE p-values in seed order: "0.11 b · 0.30 w" (b / w: the first system made fewer / more errors). */
export const pValues = (ps: ({ pValue: number; z: number } | null)[]) =>
  ps.map((p) => (p ? `${fmtP(p.pValue)}${p.z < 0 ? " b" : p.z > 0 ? " w" : ""}` : "-")).join(" · ");

/** Whether a mean difference over seeds is beyond their spread: its 95% interval below or above 0; null for one seed. */
export function beyondSpread(d: SeedSummary): "lower" | "higher" | "within" | null {
  if (!d.interval) return null;
  return d.interval[1] < 0 ? "lower" : d.interval[0] > 0 ? "higher" : "within";
}
