// Diagonal-covariance Gaussian log-likelihoods of a batch of frames against many Gaussians.

// out[t * outStride + g] = gconst[g] + sum_d (x[t,d] * meanIvar[g,d] + x[t,d]^2 * negHalfIvar[g,d]) for the
// Gaussians g in [from, to); parameter rows are `dim` floats. With SIMD, four Gaussians share each loaded (and
// squared) slice of the frame.
export function diagLoglik(
  x: usize, frames: i32, dim: i32, meanIvar: usize, negHalfIvar: usize, gconst: usize,
  from: i32, to: i32, outStride: i32, out: usize,
): void {
  const rowBytes = <usize>dim << 2;
  const vecDims = ASC_FEATURE_SIMD ? dim & ~3 : 0;
  for (let t = 0; t < frames; t++) {
    const xt = x + <usize>t * rowBytes;
    const dst = out + ((<usize>t * <usize>outStride) << 2);
    let g = from;
    if (ASC_FEATURE_SIMD) {
      for (; g + 4 <= to; g += 4) {
        const m0 = meanIvar + <usize>g * rowBytes, v0 = negHalfIvar + <usize>g * rowBytes;
        const m1 = m0 + rowBytes, m2 = m1 + rowBytes, m3 = m2 + rowBytes;
        const v1 = v0 + rowBytes, v2 = v1 + rowBytes, v3 = v2 + rowBytes;
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        for (let d = 0; d < vecDims; d += 4) {
          const off = <usize>d << 2;
          const xv = v128.load(xt + off);
          const x2 = f32x4.mul(xv, xv);
          a0 = f32x4.add(a0, f32x4.add(f32x4.mul(xv, v128.load(m0 + off)), f32x4.mul(x2, v128.load(v0 + off))));
          a1 = f32x4.add(a1, f32x4.add(f32x4.mul(xv, v128.load(m1 + off)), f32x4.mul(x2, v128.load(v1 + off))));
          a2 = f32x4.add(a2, f32x4.add(f32x4.mul(xv, v128.load(m2 + off)), f32x4.mul(x2, v128.load(v2 + off))));
          a3 = f32x4.add(a3, f32x4.add(f32x4.mul(xv, v128.load(m3 + off)), f32x4.mul(x2, v128.load(v3 + off))));
        }
        store<f32>(dst + (<usize>g << 2), hsum(a0) + tail(xt, m0, v0, vecDims, dim) + load<f32>(gconst + (<usize>g << 2)));
        store<f32>(dst + (<usize>(g + 1) << 2), hsum(a1) + tail(xt, m1, v1, vecDims, dim) + load<f32>(gconst + (<usize>(g + 1) << 2)));
        store<f32>(dst + (<usize>(g + 2) << 2), hsum(a2) + tail(xt, m2, v2, vecDims, dim) + load<f32>(gconst + (<usize>(g + 2) << 2)));
        store<f32>(dst + (<usize>(g + 3) << 2), hsum(a3) + tail(xt, m3, v3, vecDims, dim) + load<f32>(gconst + (<usize>(g + 3) << 2)));
      }
    }
    for (; g < to; g++) {
      const mi = meanIvar + <usize>g * rowBytes, iv = negHalfIvar + <usize>g * rowBytes;
      store<f32>(dst + (<usize>g << 2), tail(xt, mi, iv, 0, dim) + load<f32>(gconst + (<usize>g << 2)));
    }
  }
}

// The four lanes summed.
// @ts-ignore: decorator
@inline function hsum(acc: v128): f32 {
  return f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
}

// The terms of dimensions from..dim-1, one at a time.
// @ts-ignore: decorator
@inline function tail(xt: usize, mi: usize, iv: usize, from: i32, dim: i32): f32 {
  let sum: f32 = 0;
  for (let d = from; d < dim; d++) {
    const off = <usize>d << 2;
    const xd = load<f32>(xt + off);
    sum += xd * load<f32>(mi + off) + xd * xd * load<f32>(iv + off);
  }
  return sum;
}
