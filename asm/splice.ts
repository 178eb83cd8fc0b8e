// Frame splicing: each output row is the 2*context+1 input rows around it, edges repeated (Kaldi's splice-feats).

// Copies one row of `rowBytes` (a multiple of 4), 16 bytes at a time where SIMD is on.
// @ts-ignore: decorator
@inline
function copyRow(src: usize, dst: usize, rowBytes: usize): void {
  let b: usize = 0;
  if (ASC_FEATURE_SIMD) {
    const vecBytes = rowBytes & ~(<usize>15);
    for (; b < vecBytes; b += 16) v128.store(dst + b, v128.load(src + b));
  }
  for (; b < rowBytes; b += 4) store<f32>(dst + b, load<f32>(src + b));
}

// out[t] = concat(in[clamp(t-context)], ..., in[clamp(t+context)]); rows are `dim` floats, `out` is frames x (2*context+1)*dim.
export function splice(input: usize, frames: i32, dim: i32, context: i32, output: usize): void {
  const rowBytes = <usize>dim << 2;
  const width = 2 * context + 1;
  let dst = output;
  for (let t = 0; t < frames; t++) {
    for (let k = 0; k < width; k++) {
      let s = t + k - context;
      if (s < 0) s = 0;
      else if (s >= frames) s = frames - 1;
      copyRow(input + <usize>s * rowBytes, dst, rowBytes);
      dst += rowBytes;
    }
  }
}

// Minibatch splicing from a frame index: for each i, frame frames[i] of the concatenated features, its context taken
// within [first[i], last[i]] (its utterance), edges repeated; output row i is (2*context+1)*dim floats.
export function spliceGather(
  input: usize,
  dim: i32,
  frames: usize,
  first: usize,
  last: usize,
  count: i32,
  context: i32,
  output: usize,
): void {
  const rowBytes = <usize>dim << 2;
  let dst = output;
  for (let i = 0; i < count; i++) {
    const t = load<i32>(frames + (<usize>i << 2));
    const lo = load<i32>(first + (<usize>i << 2)), hi = load<i32>(last + (<usize>i << 2));
    for (let k = -context; k <= context; k++) {
      let s = t + k;
      if (s < lo) s = lo;
      else if (s > hi) s = hi;
      copyRow(input + <usize>s * rowBytes, dst, rowBytes);
      dst += rowBytes;
    }
  }
}
