// Delta and delta-delta features as Kaldi's add-deltas computes them (window 2, edge frames repeated).
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

/** The filter for each order: order 0 is [1]; order i convolves order i-1 with [-w..w] / sum j^2. */
export function deltaFilters(order: number, window: number): Float64Array[] {
  const filters = [Float64Array.from([1])];
  let normalizer = 0;
  for (let j = -window; j <= window; j++) normalizer += j * j;
  for (let i = 1; i <= order; i++) {
    const prev = filters[i - 1], prevHalf = (prev.length - 1) / 2, half = prevHalf + window;
    const cur = new Float64Array(2 * half + 1);
    for (let j = -window; j <= window; j++) {
      for (let k = -prevHalf; k <= prevHalf; k++) cur[j + k + half] += j * prev[k + prevHalf];
    }
    filters.push(cur.map((v) => v / normalizer));
  }
  return filters;
}

/** Appends deltas up to `order` (Kaldi's default: 2, window 2): dim becomes dim * (order + 1). */
export function addDeltas(x: FeatureMatrix, order = 2, window = 2): FeatureMatrix {
  const filters = deltaFilters(order, window), { rows, cols } = x;
  const out = featureMatrix(rows, cols * (order + 1));
  for (let t = 0; t < rows; t++) {
    for (let i = 0; i <= order; i++) {
      const f = filters[i], half = (f.length - 1) / 2;
      for (let j = -half; j <= half; j++) {
        const w = f[j + half];
        if (w === 0) continue;
        const s = Math.min(rows - 1, Math.max(0, t + j));
        for (let d = 0; d < cols; d++) out.data[t * out.cols + i * cols + d] += w * x.data[s * cols + d];
      }
    }
  }
  return out;
}
