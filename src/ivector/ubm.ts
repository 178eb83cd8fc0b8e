// Diagonal-covariance UBM trained by EM, growing from one Gaussian by splitting (Kaldi's train_diag_ubm, diagonal).
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import type { DiagGaussians } from "../gmm/scorer.ts";
import { Rng } from "../util/rng.ts";
import { addStats, emptyStats, StatsKernel } from "./stats.ts";

export interface UbmConfig {
  gaussians: number;
  /** EM iterations after each doubling, and at the end. */
  itersPerSplit: number;
  finalIters: number;
  /** Variance floor as a fraction of the global variance. */
  varFloorFraction: number;
  seed: number;
}

export const UBM_DEFAULTS: UbmConfig = {
  gaussians: 128,
  itersPerSplit: 4,
  finalIters: 8,
  varFloorFraction: 0.01,
  seed: 1,
};

export function ubmGaussians(weights: Float64Array, means: Float64Array, vars: Float64Array): DiagGaussians {
  return {
    dim: means.length / weights.length,
    count: weights.length,
    means,
    vars,
    logWeights: weights.map(Math.log),
  };
}

/** One EM step: statistics with the wasm kernel, then ML weights, means and floored variances. */
function emStep(
  ubm: DiagGaussians,
  frames: FeatureMatrix[],
  varFloor: Float64Array,
): { ubm: DiagGaussians; loglikPerFrame: number } {
  const kernel = new StatsKernel(ubm);
  const total = emptyStats(ubm.count, ubm.dim, true);
  try {
    for (const x of frames) addStats(total, kernel.stats(x, 0, true));
  } finally {
    kernel.free();
  }
  const { count, dim } = ubm, n = total.n;
  const weights = new Float64Array(count),
    means = new Float64Array(count * dim),
    vars = new Float64Array(count * dim);
  for (let c = 0; c < count; c++) {
    const occ = Math.max(n[c], 1e-10);
    weights[c] = occ / total.frames;
    for (let d = 0; d < dim; d++) {
      const m = total.f[c * dim + d] / occ;
      means[c * dim + d] = n[c] > 1e-3 ? m : ubm.means[c * dim + d];
      vars[c * dim + d] = n[c] > 1e-3
        ? Math.max(total.s![c * dim + d] / occ - m * m, varFloor[d])
        : ubm.vars[c * dim + d];
    }
  }
  return { ubm: ubmGaussians(weights, means, vars), loglikPerFrame: total.loglik / total.frames };
}

/** Trains the UBM: one Gaussian from the global statistics, doubled by splitting until `gaussians`, EM throughout. */
export function trainUbm(
  frames: FeatureMatrix[],
  c: UbmConfig,
  log: (line: string) => void = () => {},
): { ubm: DiagGaussians; history: number[] } {
  const dim = frames[0].cols;
  let count = 0;
  const mean = new Float64Array(dim), sq = new Float64Array(dim);
  for (const x of frames) {
    for (let t = 0; t < x.rows; t++) {
      for (let d = 0; d < dim; d++) (mean[d] += x.data[t * dim + d]), (sq[d] += x.data[t * dim + d] ** 2);
    }
    count += x.rows;
  }
  const vars = sq.map((s, d) => s / count - (mean[d] / count) ** 2);
  mean.forEach((m, d) => (mean[d] = m / count));
  const varFloor = vars.map((v) => v * c.varFloorFraction);
  let ubm = ubmGaussians(Float64Array.from([1]), mean, vars);
  const rng = new Rng(c.seed, "ubm split");
  const history: number[] = [];
  const run = (iters: number) => {
    for (let i = 0; i < iters; i++) {
      const step = emStep(ubm, frames, varFloor);
      ubm = step.ubm;
      history.push(step.loglikPerFrame);
      log(
        `${ubm.count} Gaussians, EM iteration ${i + 1}: log-likelihood/frame ${
          step.loglikPerFrame.toFixed(4)
        }`,
      );
    }
  };
  while (ubm.count < c.gaussians) {
    ubm = split(ubm, Math.min(2 * ubm.count, c.gaussians), rng);
    run(c.itersPerSplit);
  }
  run(c.finalIters);
  return { ubm, history };
}

/** Splits the heaviest Gaussians until there are `target`, means moved ±0.2 standard deviations apart. */
function split(ubm: DiagGaussians, target: number, rng: Rng): DiagGaussians {
  const { dim } = ubm;
  const comps = Array.from({ length: ubm.count }, (_, c) => ({
    w: Math.exp(ubm.logWeights[c]),
    mean: Array.from(ubm.means.subarray(c * dim, (c + 1) * dim)),
    v: Array.from(ubm.vars.subarray(c * dim, (c + 1) * dim)),
  }));
  while (comps.length < target) {
    let i = 0;
    for (let j = 1; j < comps.length; j++) if (comps[j].w > comps[i].w) i = j;
    const c = comps[i], r = c.v.map((v) => 0.2 * Math.sqrt(v) * rng.normal());
    comps[i] = { w: c.w / 2, mean: c.mean.map((m, k) => m - r[k]), v: c.v };
    comps.push({ w: c.w / 2, mean: c.mean.map((m, k) => m + r[k]), v: [...c.v] });
  }
  return ubmGaussians(
    Float64Array.from(comps, (c) => c.w),
    Float64Array.from(comps.flatMap((c) => c.mean)),
    Float64Array.from(comps.flatMap((c) => c.v)),
  );
}
