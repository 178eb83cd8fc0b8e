// MLLT / semi-tied covariance (Gales 1999): a square transform under which diagonal Gaussians fit the data best.
import { identity, inverse, logDet, type Mat, mat, quadratic } from "../linalg/matrix.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";

/**
 * Statistics G_i = sum_t gamma_t (x_t - mu)(x_t - mu)' / var_i over frames and their Gaussians (mean mu, diagonal
 * var, both in the current feature space), and beta = sum_t gamma_t (Kaldi's MlltAccs).
 */
export class MlltStats {
  readonly g: Float64Array[];
  beta = 0;

  constructor(readonly dim: number) {
    this.g = Array.from({ length: dim }, () => new Float64Array(dim * dim));
  }

  add(x: FeatureMatrix, t: number, mean: ArrayLike<number>, vars: ArrayLike<number>, gamma = 1) {
    const d = this.dim, diff = new Float64Array(d);
    for (let k = 0; k < d; k++) diff[k] = x.data[t * d + k] - mean[k];
    for (let i = 0; i < d; i++) {
      const w = gamma / vars[i], gi = this.g[i];
      for (let a = 0; a < d; a++) {
        const wa = w * diff[a];
        for (let b = 0; b < d; b++) gi[a * d + b] += wa * diff[b];
      }
    }
    this.beta += gamma;
  }

  /** beta log|det A| - 1/2 sum_i a_i G_i a_i': what the update maximizes. */
  objective(a: Mat): number {
    const d = this.dim;
    let q = 0;
    for (let i = 0; i < d; i++) q += quadratic(a.data.subarray(i * d, (i + 1) * d), mat(d, d, this.g[i]));
    return this.beta * logDet(a).logAbs - 0.5 * q;
  }

  /**
   * Gales' row-by-row update from A (identity by default): a_i = c_i G_i^-1 sqrt(beta / (c_i G_i^-1 c_i')), with
   * c_i the cofactor row. Each row update maximizes the objective given the others, so it never decreases.
   * Returns the new A (to be composed with the current transform: A * current) and the objective per sweep.
   */
  update(sweeps = 10, start: Mat = identity(this.dim)): { transform: Mat; objectives: number[] } {
    const d = this.dim, a = mat(d, d, start.data.slice());
    const gInv = this.g.map((gi) => inverse(mat(d, d, gi)));
    const objectives = [this.objective(a)];
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < d; i++) {
        const cof = inverse(a); // column i of A^-1 is proportional to cofactor row i
        const c = Float64Array.from({ length: d }, (_, k) => cof.data[k * d + i]);
        const cg = new Float64Array(d);
        for (let k = 0; k < d; k++) for (let j = 0; j < d; j++) cg[k] += c[j] * gInv[i].data[j * d + k];
        let denom = 0;
        for (let k = 0; k < d; k++) denom += cg[k] * c[k];
        const scale = Math.sqrt(this.beta / denom);
        for (let k = 0; k < d; k++) a.data[i * d + k] = cg[k] * scale;
      }
      objectives.push(this.objective(a));
    }
    return { transform: a, objectives };
  }
}
