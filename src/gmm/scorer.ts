// Log-likelihoods of frames under many diagonal Gaussians: the hot loop of GMM training and decoding.
import { type CoreVariant, loadCore, type WasmF32 } from "../simd/core.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

/** Diagonal Gaussians, each with a log weight (0 for plain densities); means and variances are count x dim. */
export interface DiagGaussians {
  dim: number;
  count: number;
  means: Float64Array;
  vars: Float64Array;
  logWeights: Float64Array;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** The natural parameters the kernel needs: mean/var, -1/(2 var) and a constant per Gaussian. */
export function naturalParameters(g: DiagGaussians) {
  const { dim, count } = g;
  const meanIvar = new Float32Array(count * dim),
    negHalfIvar = new Float32Array(count * dim),
    gconst = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    let c = g.logWeights[k] - 0.5 * dim * LOG_2PI;
    for (let d = 0; d < dim; d++) {
      const v = g.vars[k * dim + d], m = g.means[k * dim + d];
      if (!(v > 0)) throw new Error(`Gaussian ${k} has variance ${v} in dimension ${d}`);
      negHalfIvar[k * dim + d] = -0.5 / v;
      meanIvar[k * dim + d] = m / v;
      c -= 0.5 * (Math.log(v) + (m * m) / v);
    }
    gconst[k] = c;
  }
  return { meanIvar, negHalfIvar, gconst };
}

/** Plain TypeScript reference: frames x count matrix of log(w_k N(x_t; mu_k, var_k)). */
export function diagLoglikReference(g: DiagGaussians, x: FeatureMatrix): FeatureMatrix {
  const { meanIvar, negHalfIvar, gconst } = naturalParameters(g);
  const out = featureMatrix(x.rows, g.count);
  for (let t = 0; t < x.rows; t++) {
    for (let k = 0; k < g.count; k++) {
      let s = gconst[k];
      for (let d = 0; d < g.dim; d++) {
        const xd = x.data[t * g.dim + d];
        s += xd * meanIvar[k * g.dim + d] + xd * xd * negHalfIvar[k * g.dim + d];
      }
      out.data[t * g.count + k] = s;
    }
  }
  return out;
}

/** Scores frames with the wasm core; the parameters are uploaded once and stay until free(). */
export class DiagScorer {
  private readonly params: WasmF32[];

  /** meanIvar, negHalfIvar and gconst in the core's memory, for kernels that score as part of their work. */
  get parameters(): readonly WasmF32[] {
    return this.params;
  }

  constructor(readonly gaussians: DiagGaussians, readonly variant: CoreVariant = "simd") {
    const { heap } = loadCore(variant);
    const { meanIvar, negHalfIvar, gconst } = naturalParameters(gaussians);
    this.params = [heap.copy(meanIvar), heap.copy(negHalfIvar), heap.copy(gconst)];
  }

  /**
   * Scores frames already in the core's memory into `out` (frames x count), with no copies; only the Gaussians in
   * `ranges` ([from, to) pairs; all by default) are computed, the other entries are left as they were.
   */
  scoreInPlace(
    x: WasmF32,
    frames: number,
    out: WasmF32,
    ranges: readonly [number, number][] = [[0, this.gaussians.count]],
  ) {
    const { dim, count } = this.gaussians;
    if (x.length < frames * dim || out.length < frames * count) throw new Error("scorer: buffer too small");
    const [mi, iv, gc] = this.params, kernel = loadCore(this.variant).exports;
    for (const [from, to] of ranges) {
      if (from < 0 || to > count || from > to) throw new Error(`scorer: bad Gaussian range [${from}, ${to})`);
      kernel.diagLoglik(x.ptr, frames, dim, mi.ptr, iv.ptr, gc.ptr, from, to, count, out.ptr);
    }
  }

  score(x: FeatureMatrix, ranges?: readonly [number, number][]): FeatureMatrix {
    const { dim, count } = this.gaussians;
    if (x.cols !== dim) throw new Error(`scorer: ${x.cols}-dim frames for ${dim}-dim Gaussians`);
    return loadCore(this.variant).heap.scoped((h) => {
      const xb = h.copy(x.data), out = h.f32(x.rows * count);
      if (ranges) out.view.fill(-Infinity);
      this.scoreInPlace(xb, x.rows, out, ranges);
      return featureMatrix(x.rows, count, out.view.slice());
    });
  }

  free() {
    for (const p of this.params) p.free();
  }
}
