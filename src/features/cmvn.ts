// Cepstral mean and variance normalization: statistics in Kaldi's layout, per speaker or global, and their use.
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

/** Sums, sums of squares and the frame count of some features (Kaldi: a 2 x (dim+1) matrix). */
export class CmvnStats {
  count = 0;
  readonly sum: Float64Array;
  readonly sumSq: Float64Array;

  constructor(readonly dim: number) {
    this.sum = new Float64Array(dim);
    this.sumSq = new Float64Array(dim);
  }

  add(x: FeatureMatrix): this {
    if (x.cols !== this.dim) throw new Error(`cmvn: ${x.cols}-dim features for ${this.dim}-dim statistics`);
    for (let t = 0; t < x.rows; t++) {
      for (let d = 0; d < this.dim; d++) {
        const v = x.data[t * this.dim + d];
        this.sum[d] += v;
        this.sumSq[d] += v * v;
      }
    }
    this.count += x.rows;
    return this;
  }

  merge(o: CmvnStats): this {
    for (let d = 0; d < this.dim; d++) (this.sum[d] += o.sum[d]), (this.sumSq[d] += o.sumSq[d]);
    this.count += o.count;
    return this;
  }

  /** Kaldi's layout: row 0 = sums then the count, row 1 = sums of squares then 0. */
  toMatrix(): FeatureMatrix {
    const m = featureMatrix(2, this.dim + 1);
    m.data.set(this.sum, 0);
    m.data[this.dim] = this.count;
    m.data.set(this.sumSq, this.dim + 1);
    return m;
  }

  static fromMatrix(m: FeatureMatrix): CmvnStats {
    if (m.rows !== 2 || m.cols < 2) {
      throw new Error(`cmvn: a ${m.rows} x ${m.cols} matrix is not CMVN statistics`);
    }
    const s = new CmvnStats(m.cols - 1);
    for (let d = 0; d < s.dim; d++) (s.sum[d] = m.data[d]), (s.sumSq[d] = m.data[m.cols + d]);
    s.count = m.data[s.dim];
    return s;
  }
}

/** Subtracts the mean (and, with `normVars`, divides by the standard deviation, floored at 1e-10 variance). */
export function applyCmvn(x: FeatureMatrix, stats: CmvnStats, normVars = false): FeatureMatrix {
  if (stats.count < 1) throw new Error("cmvn: statistics of zero frames");
  const dim = stats.dim;
  if (x.cols !== dim) throw new Error(`cmvn: ${x.cols}-dim features for ${dim}-dim statistics`);
  const mean = stats.sum.map((s) => s / stats.count);
  const scale = mean.map((
    m,
    d,
  ) => (normVars ? 1 / Math.sqrt(Math.max(stats.sumSq[d] / stats.count - m * m, 1e-10)) : 1));
  const out = featureMatrix(x.rows, dim);
  for (let t = 0; t < x.rows; t++) {
    for (let d = 0; d < dim; d++) out.data[t * dim + d] = (x.data[t * dim + d] - mean[d]) * scale[d];
  }
  return out;
}
