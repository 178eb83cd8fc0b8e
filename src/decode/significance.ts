// NIST's matched-pairs sentence-segment word error test (MAPSSWE, as sc_stats) for two systems on one test set.
import { type AlignedPair, alignSequences } from "./score.ts";

export interface SignificanceResult {
  segments: number;
  /** Mean error difference per segment (A minus B), its standard deviation, Z and the two-sided p-value. */
  meanDifference: number;
  stdDifference: number;
  z: number;
  pValue: number;
}

/** Standard normal CDF (Abramowitz and Stegun 7.1.26 via erf; |error| < 1.5e-7). */
export function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const t = 1 / (1 + (0.3275911 * Math.abs(x)) / Math.SQRT2);
  const poly = t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** Per reference token: was it correct, and how many errors (its own + insertions right after it) it carries. */
function perToken(alignment: AlignedPair[], n: number) {
  const correct = new Uint8Array(n), errs = new Float64Array(n + 1); // errs[n]: insertions before the first token
  let i = -1;
  for (const a of alignment) {
    if (a.ref === null) errs[i < 0 ? n : i]++;
    else {
      i++;
      if (a.edit === "C") correct[i] = 1;
      else errs[i]++;
    }
  }
  return { correct, errs };
}

/**
 * Splits each utterance into segments bounded by runs of at least `minGood` reference tokens both systems got
 * right; counts each system's errors per segment; tests the mean difference with a normal approximation.
 */
export function mapsswe(
  refs: ReadonlyMap<string, readonly string[]>,
  hypsA: ReadonlyMap<string, readonly string[]>,
  hypsB: ReadonlyMap<string, readonly string[]>,
  minGood = 2,
): SignificanceResult {
  const diffs: number[] = [];
  for (const [utt, ref] of refs) {
    const a = hypsA.get(utt), b = hypsB.get(utt);
    if (!a || !b) {
      throw new Error(`significance: '${utt}' lacks a hypothesis from ${!a ? "system A" : "system B"}`);
    }
    const n = ref.length;
    const pa = perToken(alignSequences(ref, a), n), pb = perToken(alignSequences(ref, b), n);
    let ea = pa.errs[n], eb = pb.errs[n], inSegment = ea + eb > 0, good = 0;
    for (let i = 0; i < n; i++) {
      const bothRight = pa.correct[i] && pb.correct[i];
      good = bothRight ? good + 1 : 0;
      if (!bothRight) inSegment = true;
      ea += pa.errs[i];
      eb += pb.errs[i];
      if (good >= minGood && inSegment && pa.errs[i] + pb.errs[i] === 0) {
        diffs.push(ea - eb);
        (ea = 0), (eb = 0), (inSegment = false);
      }
    }
    if (inSegment || ea + eb > 0) diffs.push(ea - eb);
  }
  const k = diffs.length;
  const mean = diffs.reduce((s, d) => s + d, 0) / Math.max(k, 1);
  const variance = k > 1 ? diffs.reduce((s, d) => s + (d - mean) ** 2, 0) / (k - 1) : 0;
  const std = Math.sqrt(variance);
  const z = std > 0 ? mean / (std / Math.sqrt(k)) : mean === 0 ? 0 : Math.sign(mean) * Infinity;
  return {
    segments: k,
    meanDifference: mean,
    stdDifference: std,
    z,
    pValue: 2 * (1 - normalCdf(Math.abs(z))),
  };
}
