// tfjs-wasm's BatchMatMul replaced by a BLAS sgemm on zero-copy views of the backend's heap (tfjs 4.22.0 internals).
import * as tf from "@tensorflow/tfjs-core";
import type { Blas } from "./blas.ts";

/** The parts of tfjs-backend-wasm's BackendWasm this kernel reads; pinned to 4.22.0 and guarded by a test. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

const view = (backend: WasmBackendInternals, t: tf.TensorInfo, size: number) =>
  new Float32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, size);

/** Registers the BLAS kernel for BatchMatMul on the wasm backend (rank 2 or 3, batches looped). */
export function registerBlasMatMul(blas: Blas) {
  tf.unregisterKernel(tf.BatchMatMul, "wasm");
  tf.registerKernel({
    kernelName: tf.BatchMatMul,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const be = backend as unknown as WasmBackendInternals;
      if (a.dtype !== "float32" || b.dtype !== "float32") throw new Error("BatchMatMul (BLAS): float32 only");
      const ra = a.shape.length, rb = b.shape.length;
      const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2],
        k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
      const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2],
        n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
      if (k !== kb) throw new Error(`BatchMatMul (BLAS): inner sizes ${k} and ${kb} differ`);
      const batchA = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      const batchB = b.shape.slice(0, -2).reduce((x, y) => x * y, 1);
      if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
        throw new Error(`BatchMatMul (BLAS): batch sizes ${batchA} and ${batchB} do not broadcast`);
      }
      const batch = Math.max(batchA, batchB);
      const outer = (ra >= rb ? a.shape : b.shape).slice(0, -2);
      const out = be.makeOutput([...outer, m, n], "float32");
      // views are taken after makeOutput: allocating may grow (and move) the heap
      const av = view(be, a, batchA * m * k),
        bv = view(be, b, batchB * k * n),
        ov = view(be, out, batch * m * n);
      for (let i = 0; i < batch; i++) {
        blas.sgemm(
          transposeA,
          transposeB,
          m,
          n,
          k,
          1,
          batchA === 1 ? av : av.subarray(i * m * k, (i + 1) * m * k),
          batchB === 1 ? bv : bv.subarray(i * k * n, (i + 1) * k * n),
          0,
          ov.subarray(i * m * n, (i + 1) * m * n),
        );
      }
      return out;
    },
  });
}
