// NIST's matched-pairs sentence-segment word error test (MAPSSWE) for two systems, as `sc_stats -t mapsswe`.
import { alignSclite, type Edit } from "./score.ts";

export interface SignificanceResult {
  /** Segments over all utterances; each holds at least one error of either system. */
  segments: number;
  /** Mean and standard deviation (divisor segments - 1) of the per-segment error difference, A minus B. */
  meanDifference: number;
  stdDifference: number;
  /** mean / (std / sqrt(segments)): positive when A makes more errors than B; 0 when all differences are equal. */
  z: number;
  /** Two-sided p-value of z under the standard normal (sc_stats prints only z and whether |z| > 1.960). */
  pValue: number;
}

/** One segment's error counts (substitutions, deletions and insertions) for system A and system B. */
export interface SegmentErrors {
  errorsA: number;
  errorsB: number;
}

/** Correct reference tokens both systems need in a row to close a segment (sc_stats fixes it at 2). */
const MIN_GOOD = 2;

const ERFC_COEFFICIENTS = [
  -1.26551223,
  1.00002368,
  0.37409196,
  0.09678418,
  -0.18628806,
  0.27886807,
  -1.13520398,
  1.48851587,
  -0.82215223,
  0.17087277,
];

/**
 * erfc(x) for x >= 0 by the Chebyshev fit of Numerical Recipes' erfcc (relative error below 1.2e-7 for all x),
 * so that p-values far in the tail keep their leading digits.
 */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * x);
  const poly = ERFC_COEFFICIENTS.reduceRight((acc, c) => c + t * acc, 0);
  return t * Math.exp(-x * x + poly);
}

/** Standard normal CDF. */
export function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const tail = 0.5 * erfc(Math.abs(x) / Math.SQRT2);
  return x >= 0 ? 1 - tail : tail;
}

/** Two-sided p-value of a standard normal statistic. */
export function twoSidedP(z: number): number {
  return Math.min(1, erfc(Math.abs(z) / Math.SQRT2));
}

/**
 * Splits one utterance into segments the way sc_stats does (mtchprs.c, test_comp_sents), walking both
 * alignments of the same reference together. Any insertion, and any reference token that either system got
 * wrong, is an error that opens a segment; the segment closes after two reference tokens in a row that both
 * systems got right with no insertion between or before them. A segment starts with the (up to) two tokens both
 * got right before its first error, or at the utterance start, and ends with its closing pair or with the
 * utterance, trailing insertions included; segments overlap only in correct tokens, so each error counts once.
 * Segments with no errors are dropped (sc_stats warns and drops them).
 */
export function mapssweSegments(editsA: readonly Edit[], editsB: readonly Edit[]): SegmentErrors[] {
  const out: SegmentErrors[] = [];
  const errorsIn = (edits: readonly Edit[], from: number, to: number) => {
    let e = 0;
    for (let k = Math.max(0, from); k <= to; k++) if (edits[k] !== "C") e++;
    return e;
  };
  const close = (toA: number, toB: number) => {
    const errorsA = errorsIn(editsA, lastGoodA - (MIN_GOOD - 1), toA);
    const errorsB = errorsIn(editsB, lastGoodB - (MIN_GOOD - 1), toB);
    if (errorsA + errorsB > 0) out.push({ errorsA, errorsB });
  };
  // clean: no error since the last closing; open: an error since, the closing run not started; closing: inside it
  let state: "clean" | "open" | "closing" = "clean";
  let a = 0, b = 0, lastGoodA = 0, lastGoodB = 0, good = 0;
  while (a < editsA.length) {
    while (a < editsA.length && editsA[a] === "I") a++, (state = "open");
    while (b < editsB.length && editsB[b] === "I") b++, (state = "open");
    if ((a < editsA.length) !== (b < editsB.length)) {
      throw new Error("MAPSSWE: the two alignments have different numbers of reference tokens");
    }
    const bothRight = a < editsA.length && editsA[a] === "C" && editsB[b] === "C";
    if (state === "clean") {
      if (bothRight) (lastGoodA = a), (lastGoodB = b);
      else state = "open";
    } else if (bothRight) {
      good = state === "open" ? 1 : good + 1;
      if (good === MIN_GOOD) {
        close(a, b);
        (lastGoodA = a), (lastGoodB = b), (state = "clean");
      } else state = "closing";
    } else state = "open";
    if (a < editsA.length) a++;
    if (b < editsB.length) b++;
  }
  if (state !== "clean" || b < editsB.length) close(editsA.length - 1, editsB.length - 1);
  return out;
}

/** Mean, standard deviation, Z and p of per-segment differences as sc_stats computes them (statdist.c). */
export function matchedPairsStatistics(differences: readonly number[]): SignificanceResult {
  const k = differences.length;
  const mean = k > 0 ? differences.reduce((s, d) => s + d, 0) / k : 0;
  const squares = differences.reduce((s, d) => s + (d - mean) * (d - mean), 0);
  const std = squares !== 0 ? Math.sqrt(squares / (k - 1)) : 0;
  const z = squares !== 0 ? mean / (std / Math.sqrt(k)) : 0;
  return { segments: k, meanDifference: mean, stdDifference: std, z, pValue: twoSidedP(z) };
}

/**
 * MAPSSWE of system A against system B over every reference utterance, both aligned as sclite aligns
 * (alignSclite). z > 0 when A makes more errors than B. Both systems must cover exactly the references' utterances.
 */
export function mapsswe(
  refs: ReadonlyMap<string, readonly string[]>,
  hypsA: ReadonlyMap<string, readonly string[]>,
  hypsB: ReadonlyMap<string, readonly string[]>,
): SignificanceResult {
  for (const [name, hyps] of [["A", hypsA], ["B", hypsB]] as const) {
    for (const utt of hyps.keys()) {
      if (!refs.has(utt)) throw new Error(`MAPSSWE: system ${name} has '${utt}', which has no reference`);
    }
  }
  const differences: number[] = [];
  for (const [utt, ref] of refs) {
    const a = hypsA.get(utt), b = hypsB.get(utt);
    if (!a || !b) throw new Error(`MAPSSWE: '${utt}' lacks a hypothesis from system ${!a ? "A" : "B"}`);
    const edits = (hyp: readonly string[]) => alignSclite(ref, hyp).map((p) => p.edit);
    for (const s of mapssweSegments(edits(a), edits(b))) differences.push(s.errorsA - s.errorsB);
  }
  return matchedPairsStatistics(differences);
}

/** A p-value as the tables print it: two significant digits, exponent form below 1e-4. */
export const fmtP = (p: number) => (p < 1e-4 ? p.toExponential(1) : p.toPrecision(2));
