// Total-variability i-vector extractor: EM training with minimum-divergence re-estimation, and extraction.
import { cholesky, inverse, logDet, type Mat, mat } from "../linalg/matrix.ts";
import type { DiagGaussians } from "../gmm/scorer.ts";
import { Rng } from "../util/rng.ts";
import type { BwStats } from "./stats.ts";

/** M_c = m_c + T_c w with w ~ N(0, I); covariances Sigma_c are the UBM's (diagonal) and stay fixed. */
export interface IvectorExtractor {
  count: number;
  dim: number;
  ivectorDim: number;
  /** Gaussians x dim. */
  means: Float64Array;
  /** Gaussians x dim, 1 / variance. */
  precisions: Float64Array;
  /** Gaussians x dim x ivectorDim. */
  t: Float64Array;
}

/** A random start: T_c = 0.1 * std_c * N(0, 1) entries (seeded), means from the UBM. */
export function initExtractor(ubm: DiagGaussians, ivectorDim: number, seed: number): IvectorExtractor {
  const { count, dim } = ubm, rng = new Rng(seed, "ivector T init");
  const t = new Float64Array(count * dim * ivectorDim);
  for (let c = 0; c < count; c++) {
    for (let d = 0; d < dim; d++) {
      const sd = Math.sqrt(ubm.vars[c * dim + d]);
      for (let r = 0; r < ivectorDim; r++) t[(c * dim + d) * ivectorDim + r] = 0.1 * sd * rng.normal();
    }
  }
  return { count, dim, ivectorDim, means: ubm.means.slice(), precisions: ubm.vars.map((v) => 1 / v), t };
}

/** U_c = T_c' Sigma_c^-1 T_c for every Gaussian (count x R x R), shared by all posteriors under one extractor. */
export function precomputeU(ex: IvectorExtractor): Float64Array {
  const { count, dim, ivectorDim: R, t, precisions } = ex;
  const u = new Float64Array(count * R * R);
  for (let c = 0; c < count; c++) {
    for (let d = 0; d < dim; d++) {
      const p = precisions[c * dim + d], row = (c * dim + d) * R;
      for (let i = 0; i < R; i++) {
        const ti = t[row + i] * p;
        for (let j = 0; j <= i; j++) u[(c * R + i) * R + j] += ti * t[row + j];
      }
    }
    for (let i = 0; i < R; i++) for (let j = 0; j < i; j++) u[(c * R + j) * R + i] = u[(c * R + i) * R + j];
  }
  return u;
}

export interface IvectorPosterior {
  /** Posterior mean of w (the i-vector). */
  mean: Float64Array;
  /** Posterior covariance L^-1. */
  cov: Mat;
  /**
   * 0.5 (b' L^-1 b - log|L|): the part of the data's marginal log-likelihood that depends on T (for fixed means;
   * the term that depends on the means needs second-order statistics and is left out).
   */
  aux: number;
  /** First-order statistics centered on the current means. */
  centered: Float64Array;
}

/** The posterior of w given one segment's statistics: precision L = I + sum_c N_c T_c' S_c^-1 T_c. */
function ivectorPosterior(
  ex: IvectorExtractor,
  stats: BwStats,
  u = precomputeU(ex),
): IvectorPosterior {
  const { count, dim, ivectorDim: R, t, precisions, means } = ex;
  const l = mat(R, R), b = new Float64Array(R), centered = new Float64Array(count * dim);
  for (let i = 0; i < R; i++) l.data[i * R + i] = 1;
  for (let c = 0; c < count; c++) {
    const n = stats.n[c];
    if (n === 0) continue;
    for (let k = 0; k < R * R; k++) l.data[k] += n * u[c * R * R + k];
    for (let d = 0; d < dim; d++) {
      const f = (centered[c * dim + d] = stats.f[c * dim + d] - n * means[c * dim + d]);
      const pf = precisions[c * dim + d] * f, row = (c * dim + d) * R;
      for (let r = 0; r < R; r++) b[r] += t[row + r] * pf;
    }
  }
  const cov = inverse(l), mean = new Float64Array(R);
  for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) mean[i] += cov.data[i * R + j] * b[j];
  let bw = 0;
  for (let i = 0; i < R; i++) bw += b[i] * mean[i];
  return { mean, cov, aux: 0.5 * (bw - logDet(l).logAbs), centered };
}

/** Kaldi's ivector-extractor-est --gaussian-min-count: a Gaussian with less total count keeps its T_c. */
const GAUSSIAN_MIN_COUNT = 100;

/**
 * One EM iteration over segments' statistics: E-step posteriors, M-step T_c = (sum F~_c w') (sum N_c E[ww'])^-1
 * for every Gaussian with at least GAUSSIAN_MIN_COUNT frames (the others keep T_c, as Kaldi's, since their
 * sum N_c E[ww'] may be singular), then the minimum-divergence step: with h and C the mean and covariance of the
 * posteriors, means += T h and T := T chol(C), which keeps the likelihood and makes the prior zero-mean and white
 * again (in place of Kaldi's prior offset). Returns the average auxiliary value per segment under the extractor it started from (comparable
 * across iterations only without the minimum-divergence step, which moves the means).
 */
export function emIteration(ex: IvectorExtractor, segments: BwStats[], minimumDivergence = true): number {
  const { count, dim, ivectorDim: R } = ex;
  const u = precomputeU(ex);
  const a = new Float64Array(count * R * R), cacc = new Float64Array(count * dim * R);
  const gamma = new Float64Array(count);
  const h = new Float64Array(R), second = new Float64Array(R * R);
  let aux = 0;
  for (const s of segments) {
    const post = ivectorPosterior(ex, s, u);
    aux += post.aux;
    const eww = new Float64Array(R * R);
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < R; j++) eww[i * R + j] = post.cov.data[i * R + j] + post.mean[i] * post.mean[j];
    }
    for (let i = 0; i < R; i++) h[i] += post.mean[i];
    for (let k = 0; k < R * R; k++) second[k] += eww[k];
    for (let c = 0; c < count; c++) {
      const n = s.n[c];
      if (n === 0) continue;
      gamma[c] += n;
      for (let k = 0; k < R * R; k++) a[c * R * R + k] += n * eww[k];
      for (let d = 0; d < dim; d++) {
        const f = post.centered[c * dim + d], row = (c * dim + d) * R;
        for (let r = 0; r < R; r++) cacc[row + r] += f * post.mean[r];
      }
    }
  }
  for (let c = 0; c < count; c++) {
    if (gamma[c] < GAUSSIAN_MIN_COUNT) continue;
    const ainv = inverse(mat(R, R, a.slice(c * R * R, (c + 1) * R * R)));
    for (let d = 0; d < dim; d++) {
      const row = (c * dim + d) * R;
      for (let r = 0; r < R; r++) {
        let v = 0;
        for (let k = 0; k < R; k++) v += cacc[row + k] * ainv.data[k * R + r];
        ex.t[row + r] = v;
      }
    }
  }
  if (minimumDivergence) {
    const n = segments.length;
    for (let i = 0; i < R; i++) h[i] /= n;
    const cw = mat(R, R);
    for (let i = 0; i < R; i++) {
      for (let j = 0; j < R; j++) cw.data[i * R + j] = second[i * R + j] / n - h[i] * h[j];
    }
    const lw = cholesky(cw);
    for (let c = 0; c < count; c++) {
      for (let d = 0; d < dim; d++) {
        const row = (c * dim + d) * R, old = ex.t.slice(row, row + R);
        let shift = 0;
        for (let r = 0; r < R; r++) shift += old[r] * h[r];
        ex.means[c * dim + d] += shift;
        for (let r = 0; r < R; r++) {
          let v = 0;
          for (let k = r; k < R; k++) v += old[k] * lw.data[k * R + r];
          ex.t[row + r] = v;
        }
      }
    }
  }
  return aux / segments.length;
}

/**
 * The i-vector of a segment (posterior mean); with lengthNorm, scaled to length sqrt(dim) as Kaldi's
 * ivector-normalize-length. Pass precomputeU(ex) when extracting many.
 */
export function extractIvector(
  ex: IvectorExtractor,
  stats: BwStats,
  lengthNorm = false,
  u = precomputeU(ex),
): Float32Array {
  const w = ivectorPosterior(ex, stats, u).mean;
  if (!lengthNorm) return Float32Array.from(w);
  const norm = Math.hypot(...w) || 1;
  return Float32Array.from(w, (v) => (v * Math.sqrt(w.length)) / norm);
}
