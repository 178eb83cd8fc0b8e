// Linear discriminant analysis from labelled frames (Kaldi's acc-lda / est-lda): within-class covariance -> I.
import { cholesky, inverse, type Mat, mat, matmul, symmetricEigen, transpose } from "../linalg/matrix.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";

export class LdaStats {
  readonly classCount = new Map<number, number>();
  readonly classSum = new Map<number, Float64Array>();
  readonly scatter: Float64Array;
  total = 0;

  constructor(readonly dim: number) {
    this.scatter = new Float64Array(dim * dim);
  }

  /** Adds frame t of x to `label`'s class with weight w (a posterior, or 1). */
  add(x: FeatureMatrix, t: number, label: number, w = 1) {
    const d = this.dim, row = x.data.subarray(t * d, (t + 1) * d);
    let sum = this.classSum.get(label);
    if (!sum) this.classSum.set(label, sum = new Float64Array(d));
    for (let i = 0; i < d; i++) {
      sum[i] += w * row[i];
      const wi = w * row[i];
      for (let j = 0; j <= i; j++) this.scatter[i * d + j] += wi * row[j];
    }
    this.classCount.set(label, (this.classCount.get(label) ?? 0) + w);
    this.total += w;
  }

  /** Adds another accumulator's statistics (e.g. a worker's). */
  merge(
    o: {
      classCount: Map<number, number>;
      classSum: Map<number, Float64Array>;
      scatter: Float64Array;
      total: number;
    },
  ): this {
    for (const [label, n] of o.classCount) this.classCount.set(label, (this.classCount.get(label) ?? 0) + n);
    for (const [label, sum] of o.classSum) {
      const mine = this.classSum.get(label);
      if (mine) { for (let i = 0; i < this.dim; i++) mine[i] += sum[i]; }
      else this.classSum.set(label, sum.slice());
    }
    for (let i = 0; i < this.scatter.length; i++) this.scatter[i] += o.scatter[i];
    this.total += o.total;
    return this;
  }

  /**
   * The LDA transform to `outDim` dims (outDim x dim): Cholesky W = L L', eigenvectors U of L^-1 B L^-T,
   * transform U' L^-1 (Kaldi's est-lda). Between-class eigenvalues come back too.
   */
  estimate(outDim: number): { transform: Mat; eigenvalues: Float64Array } {
    const d = this.dim;
    if (outDim > d) throw new Error(`lda: cannot reduce ${d} dims to ${outDim}`);
    if (this.classSum.size < 2) throw new Error(`lda: needs at least 2 classes, got ${this.classSum.size}`);
    const mean = new Float64Array(d);
    for (const s of this.classSum.values()) for (let i = 0; i < d; i++) mean[i] += s[i] / this.total;
    const total = mat(d, d), between = mat(d, d);
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        const v = this.scatter[i * d + j] / this.total - mean[i] * mean[j];
        total.data[i * d + j] = total.data[j * d + i] = v;
      }
    }
    for (const [label, s] of this.classSum) {
      const n = this.classCount.get(label)!, w = n / this.total;
      for (let i = 0; i < d; i++) {
        for (let j = 0; j < d; j++) {
          between.data[i * d + j] += w * (s[i] / n - mean[i]) * (s[j] / n - mean[j]);
        }
      }
    }
    const within = mat(d, d, total.data.map((v, k) => v - between.data[k]));
    const lInv = inverse(cholesky(within));
    const { values, vectors } = symmetricEigen(matmul(matmul(lInv, between), transpose(lInv)));
    const top = mat(outDim, d);
    for (let r = 0; r < outDim; r++) {
      for (let k = 0; k < d; k++) top.data[r * d + k] = vectors.data[k * d + r];
    }
    return { transform: matmul(top, lInv), eigenvalues: values.slice(0, outDim) };
  }
}
