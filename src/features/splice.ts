// Frame splicing (context ±N, edge frames repeated, as Kaldi's splice-feats): wasm core and scalar reference.
import { type CoreVariant, loadCore } from "../simd/core.ts";
import { type FeatureMatrix, featureMatrix } from "./matrix.ts";

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

/** Splices with the wasm core; the same result as spliceReference, bit for bit. */
export function splice(x: FeatureMatrix, context: number, variant: CoreVariant = "simd"): FeatureMatrix {
  checkContext(context);
  const { exports, heap } = loadCore(variant);
  const cols = (2 * context + 1) * x.cols;
  return heap.scoped((a) => {
    const input = a.copy(x.data), output = a.f32(x.rows * cols);
    exports.splice(input.ptr, x.rows, x.cols, context, output.ptr);
    return featureMatrix(x.rows, cols, output.view.slice());
  });
}
