// fMLLR (constrained MLLR) per speaker: x' = A x + b maximizing the likelihood under a diagonal GMM (Gales 1998).
import { inverse, logDet, type Mat, mat } from "../linalg/matrix.ts";
import { type CoreVariant, loadCore } from "../simd/core.ts";

/**
 * Statistics for one speaker: beta = total occupancy; with xi = [x; 1], G_i = sum_t xi xi' sum_m gamma_tm / var_m,i
 * (upper triangles, packed row by row) and k_i = sum_t xi' sum_m gamma_tm mean_m,i / var_m,i (Kaldi's
 * FmllrDiagGmmAccs).
 */
export class FmllrStats {
  beta = 0;
  readonly g: Float64Array;
  readonly k: Float64Array;
  private readonly xi: Float64Array;
  private readonly outer: Float64Array;

  constructor(readonly dim: number) {
    const n = dim + 1, packed = (n * (n + 1)) / 2;
    this.g = new Float64Array(dim * packed);
    this.k = new Float64Array(dim * n);
    this.xi = new Float64Array(n);
    this.outer = new Float64Array(packed);
  }

  /**
   * Adds the frame x[offset .. offset+dim) with, per dimension i, w[i] = sum_m gamma_m / var_m,i and
   * wMean[i] = sum_m gamma_m mean_m,i / var_m,i over the frame's Gaussians, whose posteriors sum to `gamma`.
   */
  addWeighted(
    x: ArrayLike<number>,
    offset: number,
    w: ArrayLike<number>,
    wMean: ArrayLike<number>,
    gamma: number,
  ) {
    const d = this.dim, n = d + 1, xi = this.xi, outer = this.outer, packed = outer.length;
    for (let a = 0; a < d; a++) xi[a] = x[offset + a];
    xi[d] = 1;
    for (let a = 0, e = 0; a < n; a++) for (let b = a; b < n; b++) outer[e++] = xi[a] * xi[b];
    for (let i = 0; i < d; i++) {
      const wi = w[i], gi = i * packed, ki = i * n, wm = wMean[i];
      if (wi === 0) continue;
      for (let e = 0; e < packed; e++) this.g[gi + e] += wi * outer[e];
      for (let a = 0; a < n; a++) this.k[ki + a] += wm * xi[a];
    }
    this.beta += gamma;
  }

  /**
   * Adds an utterance's frames (frames x dim) with their per-dimension weights `w` and `wMean` (as addWeighted,
   * frames x dim) and total occupancy `gamma`, in the wasm core: float32 sums per utterance added to the float64
   * totals.
   */
  addUtterance(
    x: Float32Array,
    w: Float32Array,
    wMean: Float32Array,
    gamma: number,
    variant: CoreVariant = "simd",
  ) {
    const d = this.dim,
      n = d + 1,
      packed = this.outer.length,
      stride = (packed + 3) & ~3,
      frames = x.length / d;
    const core = loadCore(variant);
    core.heap.scoped((h) => {
      const xb = h.copy(x), wb = h.copy(w), mb = h.copy(wMean);
      const g = h.f32(d * stride), k = h.f32(d * n), scratch = h.f32(stride + n + 4);
      g.view.fill(0), k.view.fill(0);
      core.exports.fmllrAccumulate(xb.ptr, frames, d, wb.ptr, mb.ptr, stride, g.ptr, k.ptr, scratch.ptr);
      const gv = g.view, kv = k.view;
      for (let i = 0; i < d; i++) {
        for (let e = 0; e < packed; e++) this.g[i * packed + e] += gv[i * stride + e];
      }
      for (let e = 0; e < d * n; e++) this.k[e] += kv[e];
    });
    this.beta += gamma;
  }

  /** Adds a frame that one Gaussian (mean, variance) explains with posterior gamma. */
  add(x: ArrayLike<number>, gamma: number, means: ArrayLike<number>, vars: ArrayLike<number>) {
    const w = Float64Array.from({ length: this.dim }, (_, i) => gamma / vars[i]);
    this.addWeighted(x, 0, w, w.map((v, i) => v * means[i]), gamma);
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
    const n = this.dim + 1, packed = (n * (n + 1)) / 2, g = new Float64Array(n * n);
    for (let a = 0, e = i * packed; a < n; a++) {
      for (let b = a; b < n; b++, e++) g[a * n + b] = g[b * n + a] = this.g[e];
    }
    return g;
  }

  /**
   * Gales' row-by-row update from W (identity by default): w_i = (alpha p_i + k_i) G_i^-1, p_i the cofactor row of
   * A extended by 0, alpha the root of alpha^2 p G^-1 p' + alpha p G^-1 k' - beta = 0 that maximizes the objective.
   * Each row update maximizes the objective given the others, so it never decreases; A^-1 follows each row change
   * by a rank-one (Sherman-Morrison) update. Returns W (dim x dim+1) and the objective after each sweep.
   */
  estimate(sweeps = 10, start?: Mat): { transform: Mat; objectives: number[] } {
    const d = this.dim, n = d + 1;
    const w = start ? mat(d, n, start.data.slice()) : mat(d, n);
    if (!start) { for (let i = 0; i < d; i++) w.data[i * n + i] = 1; }
    if (this.beta <= 0) return { transform: w, objectives: [] };
    const gInv = Array.from({ length: d }, (_, i) => inverse(mat(n, n, this.full(i))).data);
    const objectives = [this.objective(w)];
    const pG = new Float64Array(n),
      kG = new Float64Array(n),
      u = new Float64Array(d),
      v = new Float64Array(d);
    for (let sweep = 0; sweep < sweeps; sweep++) {
      const a = mat(d, d);
      for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) a.data[r * d + c] = w.data[r * n + c];
      const aInv = inverse(a).data;
      for (let i = 0; i < d; i++) {
        const gi = gInv[i], k = this.k.subarray(i * n, (i + 1) * n);
        // column i of A^-1 is the cofactor row i of A over det A: the scale is absorbed by alpha
        pG.fill(0), kG.fill(0);
        for (let t = 0; t < n; t++) {
          const p = t < d ? aInv[t * d + i] : 0, kt = k[t];
          for (let s = 0; s < n; s++) (pG[s] += p * gi[t * n + s]), (kG[s] += kt * gi[t * n + s]);
        }
        let e1 = 0, e2 = 0;
        for (let s = 0; s < d; s++) e1 += pG[s] * aInv[s * d + i];
        for (let s = 0; s < n; s++) e2 += pG[s] * k[s];
        const disc = Math.sqrt(e2 * e2 + 4 * e1 * this.beta);
        const roots = [(-e2 + disc) / (2 * e1), (-e2 - disc) / (2 * e1)];
        const value = (alpha: number) =>
          this.beta * Math.log(Math.abs(alpha * e1 + e2)) - 0.5 * alpha * alpha * e1;
        const alpha = value(roots[0]) >= value(roots[1]) ? roots[0] : roots[1];
        // new row; A^-1 <- A^-1 - (A^-1 e_i)(delta' A^-1) / (1 + delta' A^-1 e_i)
        for (let s = 0; s < d; s++) u[s] = alpha * pG[s] + kG[s] - w.data[i * n + s];
        for (let s = 0; s < n; s++) w.data[i * n + s] = alpha * pG[s] + kG[s];
        v.fill(0);
        for (let r = 0; r < d; r++) for (let c = 0; c < d; c++) v[c] += u[r] * aInv[r * d + c];
        const denom = 1 + v[i];
        for (let r = 0; r < d; r++) {
          const f = aInv[r * d + i] / denom;
          if (f !== 0) { for (let c = 0; c < d; c++) aInv[r * d + c] -= f * v[c]; }
        }
      }
      objectives.push(this.objective(w));
    }
    return { transform: w, objectives };
  }
}
