// fMLLR (constrained MLLR) per speaker: x' = A x + b maximizing the likelihood under a diagonal GMM (Gales 1998).
import { inverse, logDet, type Mat, mat } from "../linalg/matrix.ts";

/**
 * Statistics for one speaker: beta = total occupancy; with xi = [x; 1], G_i = sum_t xi xi' sum_m gamma_tm / var_m,i
 * and k_i = sum_t xi' sum_m gamma_tm mean_m,i / var_m,i (Kaldi's FmllrDiagGmmAccs).
 */
export class FmllrStats {
  beta = 0;
  readonly g: Float64Array[];
  readonly k: Float64Array;

  constructor(readonly dim: number) {
    const n = dim + 1;
    this.g = Array.from({ length: dim }, () => new Float64Array(n * n));
    this.k = new Float64Array(dim * n);
  }

  /** Adds a frame with the posterior-weighted inverse variances and means of its Gaussians. */
  add(x: ArrayLike<number>, gamma: number, means: ArrayLike<number>, vars: ArrayLike<number>) {
    const d = this.dim, n = d + 1, xi = new Float64Array(n);
    for (let a = 0; a < d; a++) xi[a] = x[a];
    xi[d] = 1;
    for (let i = 0; i < d; i++) {
      const w = gamma / vars[i], wm = w * means[i], gi = this.g[i];
      for (let a = 0; a < n; a++) {
        const wa = w * xi[a];
        for (let b = a; b < n; b++) gi[a * n + b] += wa * xi[b];
        this.k[i * n + a] += wm * xi[a];
      }
    }
    this.beta += gamma;
  }

  /** beta log|det A| - 1/2 sum_i (w_i G_i w_i' - 2 w_i k_i'), the auxiliary function of W = [A b]. */
  objective(w: Mat): number {
    const d = this.dim, n = d + 1;
    const a = mat(d, d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) a.data[i * d + j] = w.data[i * n + j];
    let q = 0;
    for (let i = 0; i < d; i++) {
      const gi = this.full(i);
      for (let p = 0; p < n; p++) {
        let r = 0;
        for (let s = 0; s < n; s++) r += gi[p * n + s] * w.data[i * n + s];
        q += w.data[i * n + p] * (r - 2 * this.k[i * n + p]);
      }
    }
    return this.beta * logDet(a).logAbs - 0.5 * q;
  }

  private full(i: number): Float64Array {
    const n = this.dim + 1, g = this.g[i].slice();
    for (let a = 0; a < n; a++) for (let b = 0; b < a; b++) g[a * n + b] = g[b * n + a];
    return g;
  }

  /**
   * Gales' row-by-row update from W (identity by default): w_i = (alpha p_i + k_i) G_i^-1, p_i the cofactor row of
   * A extended by 0, alpha the root of alpha^2 p G^-1 p' + alpha p G^-1 k' - beta = 0 that maximizes the objective.
   * Each row update maximizes the objective given the others, so it never decreases. Returns W (dim x dim+1) and
   * the objective after each sweep.
   */
  estimate(sweeps = 10, start?: Mat): { transform: Mat; objectives: number[] } {
    const d = this.dim, n = d + 1;
    const w = start ? mat(d, n, start.data.slice()) : mat(d, n);
    if (!start) { for (let i = 0; i < d; i++) w.data[i * n + i] = 1; }
    if (this.beta <= 0) return { transform: w, objectives: [] };
    const gInv = this.g.map((_, i) => inverse(mat(n, n, this.full(i))));
    const objectives = [this.objective(w)];
    for (let sweep = 0; sweep < sweeps; sweep++) {
      for (let i = 0; i < d; i++) {
        const a = mat(d, d);
        for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) a.data[r * d + c] = w.data[r * n + c];
        const aInv = inverse(a);
        const p = new Float64Array(n);
        for (let c = 0; c < d; c++) p[c] = aInv.data[c * d + i]; // column i of A^-1 is proportional to cofactor row i
        const gi = gInv[i].data, k = this.k.subarray(i * n, (i + 1) * n);
        const pG = new Float64Array(n), kG = new Float64Array(n);
        for (let s = 0; s < n; s++) {
          for (let t = 0; t < n; t++) (pG[s] += p[t] * gi[t * n + s]), (kG[s] += k[t] * gi[t * n + s]);
        }
        let e1 = 0, e2 = 0;
        for (let s = 0; s < n; s++) (e1 += pG[s] * p[s]), (e2 += pG[s] * k[s]);
        const disc = Math.sqrt(e2 * e2 + 4 * e1 * this.beta);
        const roots = [(-e2 + disc) / (2 * e1), (-e2 - disc) / (2 * e1)];
        const value = (alpha: number) =>
          this.beta * Math.log(Math.abs(alpha * e1 + e2)) - 0.5 * alpha * alpha * e1;
        const alpha = value(roots[0]) >= value(roots[1]) ? roots[0] : roots[1];
        for (let s = 0; s < n; s++) w.data[i * n + s] = alpha * pG[s] + kG[s];
      }
      objectives.push(this.objective(w));
    }
    return { transform: w, objectives };
  }
}
