// Matrix-times-frames: out[t] = A x[t] (+ b), for LDA, MLLT and fMLLR transforms of features.
import { dot } from "./dot";

// A is outDim x stride row-major; stride = inDim (linear) or inDim + 1 (affine, last column is the offset).
export function transform(a: usize, outDim: i32, inDim: i32, affine: bool, x: usize, frames: i32, out: usize): void {
  const stride = affine ? inDim + 1 : inDim;
  for (let t = 0; t < frames; t++) {
    const row = x + ((<usize>t * <usize>inDim) << 2);
    const dst = out + ((<usize>t * <usize>outDim) << 2);
    for (let i = 0; i < outDim; i++) {
      const ai = a + ((<usize>i * <usize>stride) << 2);
      let v = dot(ai, row, inDim);
      if (affine) v += load<f32>(ai + (<usize>inDim << 2));
      store<f32>(dst + (<usize>i << 2), v);
    }
  }
}
