// Diagonal-covariance Gaussian log-likelihoods of a batch of frames against many Gaussians.

// out[t, g] = gconst[g] + sum_d x[t,d] * (meanIvar[g,d] - 0.5 * x[t,d] * ivar[g,d]); parameter rows are `dim` floats.
export function diagLoglik(x: usize, frames: i32, dim: i32, meanIvar: usize, ivar: usize, gconst: usize, gaussians: i32, out: usize): void {
  const rowBytes = <usize>dim << 2;
  for (let t = 0; t < frames; t++) {
    const xt = x + <usize>t * rowBytes;
    const dst = out + ((<usize>t * <usize>gaussians) << 2);
    for (let g = 0; g < gaussians; g++) {
      const mi = meanIvar + <usize>g * rowBytes;
      const iv = ivar + <usize>g * rowBytes;
      let d = 0;
      let sum: f32 = 0;
      if (ASC_FEATURE_SIMD) {
        const half = f32x4.splat(0.5);
        let acc = f32x4.splat(0);
        for (; d + 4 <= dim; d += 4) {
          const off = <usize>d << 2;
          const xv = v128.load(xt + off);
          const term = f32x4.sub(v128.load(mi + off), f32x4.mul(f32x4.mul(half, xv), v128.load(iv + off)));
          acc = f32x4.add(acc, f32x4.mul(xv, term));
        }
        sum = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      }
      for (; d < dim; d++) {
        const off = <usize>d << 2;
        const xd = load<f32>(xt + off);
        sum += xd * (load<f32>(mi + off) - 0.5 * xd * load<f32>(iv + off));
      }
      store<f32>(dst + (<usize>g << 2), load<f32>(gconst + (<usize>g << 2)) + sum);
    }
  }
}
