// The GMM acoustic model: a diagonal-covariance mixture per pdf, its statistics, ML re-estimation and mixing up.
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { Rng } from "../util/rng.ts";
import { type DiagGaussians, naturalParameters } from "./scorer.ts";

export interface AcousticModelData {
  dim: number;
  /** Component range of each pdf: pdf p owns components offsets[p] .. offsets[p+1]-1. */
  offsets: Int32Array;
  weights: Float64Array;
  means: Float64Array;
  vars: Float64Array;
}

export class AcousticModel implements AcousticModelData {
  private natural: ReturnType<typeof naturalParameters> | null = null;

  constructor(
    readonly dim: number,
    readonly offsets: Int32Array,
    readonly weights: Float64Array,
    readonly means: Float64Array,
    readonly vars: Float64Array,
  ) {}

  static from(d: AcousticModelData): AcousticModel {
    return new AcousticModel(d.dim, d.offsets, d.weights, d.means, d.vars);
  }

  /** One Gaussian per pdf, all with the same mean and variance (Kaldi's gmm-init-mono). */
  static flat(numPdfs: number, mean: Float64Array, vars: Float64Array): AcousticModel {
    const dim = mean.length;
    const means = new Float64Array(numPdfs * dim), v = new Float64Array(numPdfs * dim);
    for (let p = 0; p < numPdfs; p++) (means.set(mean, p * dim), v.set(vars, p * dim));
    return new AcousticModel(
      dim,
      Int32Array.from({ length: numPdfs + 1 }, (_, i) => i),
      new Float64Array(numPdfs).fill(1),
      means,
      v,
    );
  }

  get numPdfs() {
    return this.offsets.length - 1;
  }

  get numGaussians() {
    return this.weights.length;
  }

  data(): AcousticModelData {
    return {
      dim: this.dim,
      offsets: this.offsets,
      weights: this.weights,
      means: this.means,
      vars: this.vars,
    };
  }

  gaussians(): DiagGaussians {
    return {
      dim: this.dim,
      count: this.numGaussians,
      means: this.means,
      vars: this.vars,
      logWeights: this.weights.map(Math.log),
    };
  }

  /**
   * Per-frame pdf log-likelihoods (frames x pdfs) from per-frame Gaussian log-likelihoods (frames x Gaussians),
   * for the listed pdfs only (the others are -Infinity) or all.
   */
  pdfLoglik(gauss: FeatureMatrix, pdfs?: Iterable<number>): Float32Array {
    const P = this.numPdfs, G = this.numGaussians, out = new Float32Array(gauss.rows * P);
    const which = pdfs ? [...pdfs] : Array.from({ length: P }, (_, p) => p);
    if (pdfs) out.fill(-Infinity);
    for (let t = 0; t < gauss.rows; t++) {
      for (const p of which) {
        out[t * P + p] = logSumExp(gauss.data, t * G + this.offsets[p], t * G + this.offsets[p + 1]);
      }
    }
    return out;
  }

  /** The Gaussian ranges of a set of pdfs, adjacent ranges merged: what to score for those pdfs. */
  gaussianRanges(pdfs: Iterable<number>): [number, number][] {
    const ranges: [number, number][] = [];
    for (const p of [...new Set(pdfs)].sort((a, b) => a - b)) {
      const from = this.offsets[p], to = this.offsets[p + 1], last = ranges[ranges.length - 1];
      if (last && last[1] === from) last[1] = to;
      else ranges.push([from, to]);
    }
    return ranges;
  }

  /** Log-likelihood of frame t under component c (weight included), in TypeScript for a few components. */
  componentLoglik(x: FeatureMatrix, t: number, c: number): number {
    const n = (this.natural ??= naturalParameters(this.gaussians()));
    const d = this.dim;
    let s = n.gconst[c];
    for (let k = 0; k < d; k++) {
      const xk = x.data[t * d + k];
      s += xk * n.meanIvar[c * d + k] + xk * xk * n.negHalfIvar[c * d + k];
    }
    return s;
  }

  toJSON() {
    return {
      dim: this.dim,
      offsets: [...this.offsets],
      weights: [...this.weights],
      means: [...this.means],
      vars: [...this.vars],
    };
  }

  static fromJSON(
    j: { dim: number; offsets: number[]; weights: number[]; means: number[]; vars: number[] },
  ): AcousticModel {
    return new AcousticModel(
      j.dim,
      Int32Array.from(j.offsets),
      Float64Array.from(j.weights),
      Float64Array.from(j.means),
      Float64Array.from(j.vars),
    );
  }
}

function logSumExp(x: ArrayLike<number>, from: number, to: number): number {
  let m = -Infinity;
  for (let i = from; i < to; i++) if (x[i] > m) m = x[i];
  if (m === -Infinity) return m;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(x[i] - m);
  return m + Math.log(s);
}

/** Zeroth, first and second order statistics per Gaussian, from aligned frames. */
export class AmStats {
  readonly occ: Float64Array;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;
  loglik = 0;
  frames = 0;

  constructor(readonly dim: number, numGaussians: number) {
    this.occ = new Float64Array(numGaussians);
    this.sum = new Float64Array(numGaussians * dim);
    this.sumSq = new Float64Array(numGaussians * dim);
  }

  /**
   * Adds frame t aligned to `pdf`: component posteriors from `gauss` (frames x Gaussians log-likelihoods) when
   * given, else computed for the pdf's own components.
   */
  add(model: AcousticModel, x: FeatureMatrix, t: number, pdf: number, gauss?: FeatureMatrix) {
    const lo = model.offsets[pdf], hi = model.offsets[pdf + 1], d = this.dim;
    const ll = new Float64Array(hi - lo);
    for (let c = lo; c < hi; c++) {
      ll[c - lo] = gauss ? gauss.data[t * gauss.cols + c] : model.componentLoglik(x, t, c);
    }
    const total = logSumExp(ll, 0, ll.length);
    this.loglik += total;
    this.frames++;
    for (let c = lo; c < hi; c++) {
      const g = Math.exp(ll[c - lo] - total);
      if (g < 1e-6) continue;
      this.occ[c] += g;
      for (let k = 0; k < d; k++) {
        const v = x.data[t * d + k];
        this.sum[c * d + k] += g * v;
        this.sumSq[c * d + k] += g * v * v;
      }
    }
  }

  merge(
    o: { occ: Float64Array; sum: Float64Array; sumSq: Float64Array; loglik: number; frames: number },
  ): this {
    for (let i = 0; i < this.occ.length; i++) this.occ[i] += o.occ[i];
    for (let i = 0; i < this.sum.length; i++) (this.sum[i] += o.sum[i]), (this.sumSq[i] += o.sumSq[i]);
    this.loglik += o.loglik;
    this.frames += o.frames;
    return this;
  }

  pdfOccupancy(model: AcousticModel): Float64Array {
    return Float64Array.from({ length: model.numPdfs }, (_, p) => {
      let s = 0;
      for (let c = model.offsets[p]; c < model.offsets[p + 1]; c++) s += this.occ[c];
      return s;
    });
  }
}

export interface EstimateOptions {
  /** A Gaussian with less occupancy is dropped (unless it is its pdf's last one). Kaldi's train_mono: 3. */
  minGaussianOccupancy: number;
  /** Variance floor per dimension (phl: 1% of the global variance). */
  varFloor: Float64Array;
}

/** Maximum-likelihood re-estimation; a pdf without data keeps its old parameters. */
export function reestimate(
  model: AcousticModel,
  stats: AmStats,
  o: EstimateOptions,
): { model: AcousticModel; dropped: number; unseen: number } {
  const d = model.dim, offsets = [0], weights: number[] = [], means: number[] = [], vars: number[] = [];
  let dropped = 0, unseen = 0;
  for (let p = 0; p < model.numPdfs; p++) {
    const lo = model.offsets[p], hi = model.offsets[p + 1];
    let total = 0;
    for (let c = lo; c < hi; c++) total += stats.occ[c];
    const keep = [];
    for (let c = lo; c < hi; c++) if (stats.occ[c] >= o.minGaussianOccupancy) keep.push(c);
    if (keep.length === 0) {
      unseen++;
      for (let c = lo; c < hi; c++) {
        weights.push(model.weights[c]);
        for (let k = 0; k < d; k++) (means.push(model.means[c * d + k]), vars.push(model.vars[c * d + k]));
      }
      offsets.push(weights.length);
      continue;
    }
    dropped += hi - lo - keep.length;
    const kept = keep.reduce((s, c) => s + stats.occ[c], 0);
    for (const c of keep) {
      weights.push(stats.occ[c] / kept);
      for (let k = 0; k < d; k++) {
        const m = stats.sum[c * d + k] / stats.occ[c];
        means.push(m);
        vars.push(Math.max(stats.sumSq[c * d + k] / stats.occ[c] - m * m, o.varFloor[k]));
      }
    }
    offsets.push(weights.length);
  }
  return {
    model: new AcousticModel(
      d,
      Int32Array.from(offsets),
      Float64Array.from(weights),
      Float64Array.from(means),
      Float64Array.from(vars),
    ),
    dropped,
    unseen,
  };
}

/**
 * Mixes up towards `target` Gaussians in all (Kaldi's SplitByCount): each pdf's share grows with occupancy^power,
 * at most one Gaussian per `minCount` frames; a pdf splits its heaviest Gaussian into two, means moved apart by
 * ±perturb standard deviations along a random direction.
 */
export function mixUp(
  model: AcousticModel,
  pdfOcc: Float64Array,
  target: number,
  power: number,
  rng: Rng,
  minCount = 20,
  perturb = 0.01,
): AcousticModel {
  const P = model.numPdfs, d = model.dim;
  const raw = Array.from(pdfOcc, (o) => Math.pow(o, power)), rawSum = raw.reduce((a, b) => a + b, 0) || 1;
  const offsets = [0], weights: number[] = [], means: number[] = [], vars: number[] = [];
  for (let p = 0; p < P; p++) {
    const lo = model.offsets[p], hi = model.offsets[p + 1];
    const comps: { w: number; mean: number[]; v: number[] }[] = [];
    for (let c = lo; c < hi; c++) {
      comps.push({
        w: model.weights[c],
        mean: Array.from(model.means.subarray(c * d, (c + 1) * d)),
        v: Array.from(model.vars.subarray(c * d, (c + 1) * d)),
      });
    }
    const want = Math.max(
      comps.length,
      Math.min(Math.round((target * raw[p]) / rawSum), Math.max(1, Math.floor(pdfOcc[p] / minCount))),
    );
    while (comps.length < want) {
      let i = 0;
      for (let j = 1; j < comps.length; j++) if (comps[j].w > comps[i].w) i = j;
      const c = comps[i], r = c.v.map((v) => perturb * Math.sqrt(v) * rng.normal());
      comps.push({ w: c.w / 2, mean: c.mean.map((m, k) => m + r[k]), v: [...c.v] });
      comps[i] = { w: c.w / 2, mean: c.mean.map((m, k) => m - r[k]), v: c.v };
    }
    for (const c of comps) (weights.push(c.w), means.push(...c.mean), vars.push(...c.v));
    offsets.push(weights.length);
  }
  return new AcousticModel(
    d,
    Int32Array.from(offsets),
    Float64Array.from(weights),
    Float64Array.from(means),
    Float64Array.from(vars),
  );
}
