// Frame splicing (context ±N, edge frames repeated, as Kaldi's splice-feats): SIMD core and scalar reference.
import { simdCore } from "../simd/core.ts";

function checkShape(x: Float32Array, frames: number, dim: number, context: number) {
  if (x.length !== frames * dim) {
    throw new Error(`splice: ${x.length} values is not ${frames} frames x ${dim} dims`);
  }
  if (!Number.isInteger(context) || context < 0) {
    throw new Error(`splice: context must be a non-negative integer, got ${context}`);
  }
}

/** Plain TypeScript reference: frames x dim in, frames x (2*context+1)*dim out. */
export function spliceReference(x: Float32Array, frames: number, dim: number, context: number): Float32Array {
  checkShape(x, frames, dim, context);
  const width = 2 * context + 1;
  const out = new Float32Array(frames * width * dim);
  let o = 0;
  for (let t = 0; t < frames; t++) {
    for (let k = -context; k <= context; k++) {
      const s = Math.min(frames - 1, Math.max(0, t + k));
      for (let d = 0; d < dim; d++) out[o++] = x[s * dim + d];
    }
  }
  return out;
}

/** Splices with the SIMD core; same result as spliceReference, bit for bit. */
export function splice(x: Float32Array, frames: number, dim: number, context: number): Float32Array {
  checkShape(x, frames, dim, context);
  const { exports, arena } = simdCore();
  const outLength = frames * (2 * context + 1) * dim;
  return arena.scoped((a) => {
    const input = a.allocF32(x.length);
    const output = a.allocF32(outLength);
    a.f32(input, x.length).set(x);
    exports.splice(input, frames, dim, context, output);
    return a.f32(output, outLength).slice();
  });
}
