// Baum-Welch statistics of frames under a diagonal UBM: posteriors, then zeroth and first order sums.
import { diagLoglik } from "./gmm";

// For each frame: loglik against all Gaussians into `post` (numGauss floats of scratch), posteriors by softmax,
// posteriors below minPost dropped and the rest renormalized; n[c] += gamma, f[c] += gamma * x (f is numGauss x dim)
// and, when s is not 0, s[c] += gamma * x^2. Returns the total log-likelihood of the frames.
export function bwStats(
  x: usize, frames: i32, dim: i32, meanIvar: usize, negHalfIvar: usize, gconst: usize, numGauss: i32,
  minPost: f32, post: usize, n: usize, f: usize, s: usize,
): f64 {
  let total: f64 = 0;
  const rowBytes = <usize>dim << 2;
  for (let t = 0; t < frames; t++) {
    const xt = x + <usize>t * rowBytes;
    diagLoglik(xt, 1, dim, meanIvar, negHalfIvar, gconst, 0, numGauss, numGauss, post);
    let max: f32 = -Infinity;
    for (let c = 0; c < numGauss; c++) max = Mathf.max(max, load<f32>(post + (<usize>c << 2)));
    let sum: f32 = 0;
    for (let c = 0; c < numGauss; c++) {
      const p = Mathf.exp(load<f32>(post + (<usize>c << 2)) - max);
      store<f32>(post + (<usize>c << 2), p);
      sum += p;
    }
    total += <f64>(max + Mathf.log(sum));
    let kept: f32 = 0;
    for (let c = 0; c < numGauss; c++) {
      const p = load<f32>(post + (<usize>c << 2)) / sum;
      const q = p >= minPost ? p : 0;
      store<f32>(post + (<usize>c << 2), q);
      kept += q;
    }
    for (let c = 0; c < numGauss; c++) {
      const g = load<f32>(post + (<usize>c << 2)) / kept;
      if (g == 0) continue;
      store<f32>(n + (<usize>c << 2), load<f32>(n + (<usize>c << 2)) + g);
      const fc = f + <usize>c * rowBytes, sc = s + <usize>c * rowBytes;
      let d = 0;
      if (ASC_FEATURE_SIMD) {
        const gv = f32x4.splat(g);
        for (; d + 4 <= dim; d += 4) {
          const off = <usize>d << 2;
          const gx = f32x4.mul(gv, v128.load(xt + off));
          v128.store(fc + off, f32x4.add(v128.load(fc + off), gx));
          if (s != 0) v128.store(sc + off, f32x4.add(v128.load(sc + off), f32x4.mul(gx, v128.load(xt + off))));
        }
      }
      for (; d < dim; d++) {
        const off = <usize>d << 2;
        const xd = load<f32>(xt + off);
        store<f32>(fc + off, load<f32>(fc + off) + g * xd);
        if (s != 0) store<f32>(sc + off, load<f32>(sc + off) + g * xd * xd);
      }
    }
  }
  return total;
}
