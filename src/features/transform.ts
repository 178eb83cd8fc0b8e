// Linear and affine feature transforms (LDA, MLLT, fMLLR): out[t] = A x[t] (+ b), wasm core and reference.
import { type CoreVariant, loadCore, type WasmF32 } from "../simd/core.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

/** A is outDim x inDim (linear) or outDim x (inDim + 1) (affine, Kaldi's layout: last column is the offset). */
function shape(a: FeatureMatrix, x: FeatureMatrix): { affine: boolean } {
  if (a.cols === x.cols) return { affine: false };
  if (a.cols === x.cols + 1) return { affine: true };
  throw new Error(`transform: a ${a.rows} x ${a.cols} matrix cannot apply to ${x.cols}-dim features`);
}

export function transformReference(a: FeatureMatrix, x: FeatureMatrix): FeatureMatrix {
  const { affine } = shape(a, x);
  const out = featureMatrix(x.rows, a.rows);
  for (let t = 0; t < x.rows; t++) {
    for (let i = 0; i < a.rows; i++) {
      let v = 0;
      for (let j = 0; j < x.cols; j++) v += a.data[i * a.cols + j] * x.data[t * x.cols + j];
      out.data[t * a.rows + i] = affine ? v + a.data[i * a.cols + x.cols] : v;
    }
  }
  return out;
}

/** Applies A (already in the core's memory) to frames in the core's memory, writing `out`, with no copies. */
export function transformInPlace(
  a: WasmF32,
  outDim: number,
  inDim: number,
  affine: boolean,
  x: WasmF32,
  frames: number,
  out: WasmF32,
  variant: CoreVariant = "simd",
) {
  if (
    a.length < outDim * (inDim + (affine ? 1 : 0)) || x.length < frames * inDim ||
    out.length < frames * outDim
  ) {
    throw new Error("transform: buffer too small");
  }
  loadCore(variant).exports.transform(a.ptr, outDim, inDim, affine, x.ptr, frames, out.ptr);
}

export function transform(a: FeatureMatrix, x: FeatureMatrix, variant: CoreVariant = "simd"): FeatureMatrix {
  const { affine } = shape(a, x);
  return loadCore(variant).heap.scoped((h) => {
    const ab = h.copy(a.data), xb = h.copy(x.data), out = h.f32(x.rows * a.rows);
    transformInPlace(ab, a.rows, x.cols, affine, xb, x.rows, out, variant);
    return featureMatrix(x.rows, a.rows, out.view.slice());
  });
}
