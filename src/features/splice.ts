// Frame splicing (context ±N, edge frames repeated, as Kaldi's splice-feats): wasm core and scalar reference.
import { type CoreVariant, loadCore, type WasmF32 } from "../simd/core.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

function checkContext(context: number) {
  if (!Number.isInteger(context) || context < 0) {
    throw new Error(`splice: context must be a non-negative integer, got ${context}`);
  }
}

/** Plain TypeScript reference. */
export function spliceReference(x: FeatureMatrix, context: number): FeatureMatrix {
  checkContext(context);
  const { rows, cols } = x, width = 2 * context + 1;
  const out = featureMatrix(rows, width * cols);
  let o = 0;
  for (let t = 0; t < rows; t++) {
    for (let k = -context; k <= context; k++) {
      const s = Math.min(rows - 1, Math.max(0, t + k));
      for (let d = 0; d < cols; d++) out.data[o++] = x.data[s * cols + d];
    }
  }
  return out;
}

/** Splices frames already in the core's memory into `output` ((2*context+1)*cols per row), with no copies. */
export function spliceInPlace(
  input: WasmF32,
  rows: number,
  cols: number,
  context: number,
  output: WasmF32,
  variant: CoreVariant = "simd",
) {
  checkContext(context);
  if (input.length < rows * cols || output.length < rows * cols * (2 * context + 1)) {
    throw new Error("splice: buffer too small");
  }
  loadCore(variant).exports.splice(input.ptr, rows, cols, context, output.ptr);
}

/** Splices with the wasm core; the same result as spliceReference, bit for bit. */
export function splice(x: FeatureMatrix, context: number, variant: CoreVariant = "simd"): FeatureMatrix {
  const cols = (2 * context + 1) * x.cols;
  return loadCore(variant).heap.scoped((h) => {
    const input = h.copy(x.data), output = h.f32(x.rows * cols);
    spliceInPlace(input, x.rows, x.cols, context, output, variant);
    return featureMatrix(x.rows, cols, output.view.slice());
  });
}
