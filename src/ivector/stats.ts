// Baum-Welch statistics under a diagonal UBM (zeroth, first and optionally second order): wasm kernel and reference.
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { type DiagGaussians, DiagScorer, naturalParameters } from "../gmm/scorer.ts";
import { type CoreVariant, loadCore, type WasmF32 } from "../simd/core.ts";

export interface BwStats {
  /** Zeroth order, per Gaussian. */
  n: Float64Array;
  /** First order, Gaussians x dim (not centered). */
  f: Float64Array;
  /** Second order (diagonal), Gaussians x dim, when asked for. */
  s: Float64Array | null;
  loglik: number;
  frames: number;
}

export function emptyStats(count: number, dim: number, second: boolean): BwStats {
  return {
    n: new Float64Array(count),
    f: new Float64Array(count * dim),
    s: second ? new Float64Array(count * dim) : null,
    loglik: 0,
    frames: 0,
  };
}

export function addStats(into: BwStats, from: BwStats): BwStats {
  for (let i = 0; i < into.n.length; i++) into.n[i] += from.n[i];
  for (let i = 0; i < into.f.length; i++) into.f[i] += from.f[i];
  if (into.s && from.s) { for (let i = 0; i < into.s.length; i++) into.s[i] += from.s[i]; }
  into.loglik += from.loglik;
  into.frames += from.frames;
  return into;
}

/** Plain TypeScript reference of the kernel (float32 arithmetic where the kernel uses it). */
export function bwStatsReference(
  ubm: DiagGaussians,
  x: FeatureMatrix,
  minPost: number,
  second: boolean,
): BwStats {
  const { count, dim } = ubm, f = Math.fround;
  const { meanIvar, negHalfIvar, gconst } = naturalParameters(ubm);
  const out = emptyStats(count, dim, second);
  const n32 = new Float32Array(count),
    f32 = new Float32Array(count * dim),
    s32 = new Float32Array(count * dim);
  const post = new Float32Array(count);
  for (let t = 0; t < x.rows; t++) {
    for (let c = 0; c < count; c++) {
      let v = 0;
      for (let d = 0; d < dim; d++) {
        const xd = x.data[t * dim + d];
        v += xd * meanIvar[c * dim + d] + xd * xd * negHalfIvar[c * dim + d];
      }
      post[c] = v + gconst[c];
    }
    const max = post.reduce((a, b) => Math.max(a, b), -Infinity);
    let sum = 0;
    for (let c = 0; c < count; c++) (post[c] = Math.exp(post[c] - max)), (sum = f(sum + post[c]));
    out.loglik += max + Math.log(sum);
    let kept = 0;
    for (let c = 0; c < count; c++) {
      (post[c] = post[c] / sum >= minPost ? post[c] / sum : 0), (kept = f(kept + post[c]));
    }
    for (let c = 0; c < count; c++) {
      const g = f(post[c] / kept);
      if (g === 0) continue;
      n32[c] += g;
      for (let d = 0; d < dim; d++) {
        const xd = x.data[t * dim + d];
        f32[c * dim + d] += f(g * xd);
        if (second) s32[c * dim + d] += f(f(g * xd) * xd);
      }
    }
  }
  out.n.set(n32);
  out.f.set(f32);
  out.s?.set(s32);
  out.frames = x.rows;
  return out;
}

/** The UBM uploaded to the wasm core once; statistics of many utterances. */
export class StatsKernel {
  private readonly scorer: DiagScorer;
  private readonly post: WasmF32;

  constructor(readonly ubm: DiagGaussians, readonly variant: CoreVariant = "simd") {
    this.scorer = new DiagScorer(ubm, variant);
    this.post = loadCore(variant).heap.f32(ubm.count);
  }

  /** Statistics of one utterance (accumulated in float32 inside, returned as float64). */
  stats(x: FeatureMatrix, minPost: number, second: boolean): BwStats {
    const { count, dim } = this.ubm;
    if (x.cols !== dim) throw new Error(`i-vector stats: ${x.cols}-dim frames for a ${dim}-dim UBM`);
    const core = loadCore(this.variant);
    const [mi, iv, gc] = this.scorer.parameters;
    return core.heap.scoped((h) => {
      const xb = h.copy(x.data),
        n = h.f32(count),
        f = h.f32(count * dim),
        s = second ? h.f32(count * dim) : null;
      n.view.fill(0), f.view.fill(0), s?.view.fill(0);
      const loglik = core.exports.bwStats(
        xb.ptr,
        x.rows,
        dim,
        mi.ptr,
        iv.ptr,
        gc.ptr,
        count,
        minPost,
        this.post.ptr,
        n.ptr,
        f.ptr,
        s ? s.ptr : 0,
      );
      return {
        n: Float64Array.from(n.view),
        f: Float64Array.from(f.view),
        s: s ? Float64Array.from(s.view) : null,
        loglik,
        frames: x.rows,
      };
    });
  }

  free() {
    this.scorer.free();
    this.post.free();
  }
}
