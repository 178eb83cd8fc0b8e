// fMLLR statistics of one utterance (Kaldi's FmllrDiagGmmAccs): per frame one outer product, added to every row's G.

// With xi = [x_t; 1] (n = dim + 1) and P_t its packed upper-triangular outer product (row by row, padded with zeros
// to `stride`, a multiple of 4): G[i] += w[t,i] P_t and K[i] += wMean[t,i] xi for every frame t and row i.
// x, w, wMean are frames x dim float32; G is dim x stride, K is dim x n; scratch holds stride + n floats.
export function fmllrAccumulate(
  x: usize,
  frames: i32,
  dim: i32,
  w: usize,
  wMean: usize,
  stride: i32,
  g: usize,
  k: usize,
  scratch: usize,
): void {
  const n = dim + 1;
  const outer = scratch, xi = scratch + (<usize>stride << 2);
  for (let t = 0; t < frames; t++) {
    const row = <usize>t * <usize>dim << 2;
    memory.copy(xi, x + row, <usize>dim << 2);
    store<f32>(xi + (<usize>dim << 2), 1);
    let e = 0;
    for (let a = 0; a < n; a++) {
      const xa = load<f32>(xi + (<usize>a << 2));
      for (let b = a; b < n; b++) store<f32>(outer + (<usize>(e++) << 2), xa * load<f32>(xi + (<usize>b << 2)));
    }
    for (; e < stride; e++) store<f32>(outer + (<usize>e << 2), 0);
    for (let i = 0; i < dim; i++) {
      const wi = load<f32>(w + row + (<usize>i << 2));
      if (wi == 0) continue;
      const gi = g + (<usize>i * <usize>stride << 2);
      if (ASC_FEATURE_SIMD) {
        const v = f32x4.splat(wi);
        for (let b = 0; b < stride; b += 4) {
          const off = <usize>b << 2;
          v128.store(gi + off, f32x4.add(v128.load(gi + off), f32x4.mul(v, v128.load(outer + off))));
        }
      } else {
        for (let b = 0; b < stride; b++) {
          const off = <usize>b << 2;
          store<f32>(gi + off, load<f32>(gi + off) + wi * load<f32>(outer + off));
        }
      }
      const wm = load<f32>(wMean + row + (<usize>i << 2)), ki = k + (<usize>i * <usize>n << 2);
      for (let a = 0; a < n; a++) {
        const off = <usize>a << 2;
        store<f32>(ki + off, load<f32>(ki + off) + wm * load<f32>(xi + off));
      }
    }
  }
}
