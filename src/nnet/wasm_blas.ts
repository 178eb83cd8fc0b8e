// Kernels for tfjs-wasm over a matrix product (a system BLAS, or phl's wasm core): BatchMatMul by sgemm, and phl's fused affine and softmax cross-entropy, on zero-copy heap views (tfjs 4.22.0 internals).
import * as tf from "@tensorflow/tfjs-core";
import type { Blas } from "./blas.ts";

/** The parts of tfjs-backend-wasm's BackendWasm these kernels use; pinned to 4.22.0 and guarded by a test. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

/** phl's kernels: callers check tf.getKernel(name, backend) and fall back to plain ops where they are missing. */
export const AFFINE = "PhlAffine",
  SOFTMAX_XENT = "PhlSoftmaxCrossEntropy",
  LOG_SOFTMAX = "PhlLogSoftmax",
  SIGMOID_BACKPROP = "PhlSigmoidBackprop",
  SGD_UPDATE = "PhlSgdUpdate";

const f32 = (backend: WasmBackendInternals, t: tf.TensorInfo, size: number) =>
  new Float32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, size);
const i32 = (backend: WasmBackendInternals, t: tf.TensorInfo, size: number) =>
  new Int32Array(backend.wasm.HEAPU8.buffer, backend.dataIdMap.get(t.dataId).memoryOffset, size);

function batchMatMul(blas: Blas): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
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
    const out = be.makeOutput([...(ra >= rb ? a.shape : b.shape).slice(0, -2), m, n], "float32");
    // views are taken after makeOutput: allocating may grow (and move) the heap
    const av = f32(be, a, batchA * m * k), bv = f32(be, b, batchB * k * n), ov = f32(be, out, batch * m * n);
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
  };
}

/** x W + b (x: n x k, W: k x m, b: m): rows filled with b, then one sgemm accumulating into them. */
function affine(blas: Blas): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { x, w, b } = inputs as unknown as { x: tf.TensorInfo; w: tf.TensorInfo; b: tf.TensorInfo };
    const be = backend as unknown as WasmBackendInternals;
    const [n, k] = x.shape, m = w.shape[1];
    const out = be.makeOutput([n, m], "float32");
    const ov = f32(be, out, n * m), bv = f32(be, b, m);
    for (let r = 0; r < n; r++) ov.set(bv, r * m);
    blas.sgemm(false, false, n, m, k, 1, f32(be, x, n * k), f32(be, w, k * m), 1, ov);
    return out;
  };
}

/** (delta W') * h * (1 - h): one sgemm into the output, then the sigmoid's derivative in place. */
function sigmoidBackprop(blas: Blas): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { delta, w, h } = inputs as unknown as { delta: tf.TensorInfo; w: tf.TensorInfo; h: tf.TensorInfo };
    const be = backend as unknown as WasmBackendInternals;
    const [n, m] = delta.shape, k = w.shape[0];
    const out = be.makeOutput([n, k], "float32");
    const ov = f32(be, out, n * k), hv = f32(be, h, n * k);
    blas.sgemm(false, true, n, k, m, 1, f32(be, delta, n * m), f32(be, w, k * m), 0, ov);
    for (let i = 0; i < n * k; i++) ov[i] *= hv[i] * (1 - hv[i]);
    return out;
  };
}

/** W - input' delta: W copied into the output, then one sgemm accumulating into it. */
function sgdUpdate(blas: Blas): tf.KernelFunc {
  return ({ inputs, backend }) => {
    const { w, input, delta } = inputs as unknown as {
      w: tf.TensorInfo;
      input: tf.TensorInfo;
      delta: tf.TensorInfo;
    };
    const be = backend as unknown as WasmBackendInternals;
    const [k, m] = w.shape, n = input.shape[0];
    const out = be.makeOutput([k, m], "float32");
    const ov = f32(be, out, k * m);
    ov.set(f32(be, w, k * m));
    blas.sgemm(true, false, k, m, n, -1, f32(be, input, n * k), f32(be, delta, n * m), 1, ov);
    return out;
  };
}

/**
 * From logits (n x k) and integer labels: scale * (softmax - one-hot) (n x k), the summed cross-entropy and the
 * number of rows whose arg-max is the label. The softmax is tfjs-wasm's own kernel (vectorized C++); one pass per
 * row then finds the arg-max p_max (log sum exp = max - ... = -log p_max, so the loss needs no log of a tiny
 * probability), scales, and subtracts the target, in the softmax's own output.
 */
const softmaxCrossEntropy: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { logits, labels } = inputs as unknown as { logits: tf.TensorInfo; labels: tf.TensorInfo };
  const { scale } = attrs as unknown as { scale: number };
  const be = backend as unknown as WasmBackendInternals;
  const [n, k] = logits.shape;
  const softmax = tf.getKernel(tf.Softmax, "wasm")!.kernelFunc;
  const delta = softmax({ inputs: { logits }, backend, attrs: { dim: 1 } }) as tf.TensorInfo;
  const loss = be.makeOutput([], "float32"), correct = be.makeOutput([], "float32");
  const z = f32(be, logits, n * k), y = i32(be, labels, n), d = f32(be, delta, n * k);
  let total = 0, right = 0;
  for (let r = 0; r < n; r++) {
    const row = r * k, label = y[r];
    let best = 0, pBest = d[row];
    for (let j = 0; j < k; j++) {
      const p = d[row + j];
      if (p > pBest) (pBest = p), (best = j);
      d[row + j] = p * scale;
    }
    // log p_label = z_label - z_best + log p_best
    total += z[row + best] - z[row + label] - Math.log(pBest);
    if (best === label) right++;
    d[row + label] -= scale;
  }
  f32(be, loss, 1)[0] = total;
  f32(be, correct, 1)[0] = right;
  return [delta, loss, correct];
};

/**
 * Log-softmax of logits (n x k) by rows from tfjs-wasm's softmax: log p_j = z_j - z_best + log p_best, where p_best
 * (the largest, at least 1/k) never underflows.
 */
const logSoftmax: tf.KernelFunc = ({ inputs, backend }) => {
  const { logits } = inputs as unknown as { logits: tf.TensorInfo };
  const be = backend as unknown as WasmBackendInternals;
  const [n, k] = logits.shape;
  const out = tf.getKernel(tf.Softmax, "wasm")!.kernelFunc({
    inputs: { logits },
    backend,
    attrs: { dim: 1 },
  });
  const z = f32(be, logits, n * k), p = f32(be, out as tf.TensorInfo, n * k);
  for (let r = 0; r < n; r++) {
    const row = r * k;
    let best = 0;
    for (let j = 1; j < k; j++) if (p[row + j] > p[row + best]) best = j;
    const shift = Math.log(p[row + best]) - z[row + best];
    for (let j = 0; j < k; j++) p[row + j] = z[row + j] + shift;
  }
  return out;
};

/** Registers the BLAS kernels on the wasm backend (BatchMatMul replaced; phl's own added, or replaced). */
export function registerBlasKernels(blas: Blas) {
  tf.unregisterKernel(tf.BatchMatMul, "wasm");
  for (const name of [AFFINE, SOFTMAX_XENT, LOG_SOFTMAX, SIGMOID_BACKPROP, SGD_UPDATE]) {
    if (tf.getKernel(name, "wasm")) tf.unregisterKernel(name, "wasm");
  }
  tf.registerKernel({ kernelName: tf.BatchMatMul, backendName: "wasm", kernelFunc: batchMatMul(blas) });
  tf.registerKernel({ kernelName: AFFINE, backendName: "wasm", kernelFunc: affine(blas) });
  tf.registerKernel({ kernelName: SOFTMAX_XENT, backendName: "wasm", kernelFunc: softmaxCrossEntropy });
  tf.registerKernel({ kernelName: LOG_SOFTMAX, backendName: "wasm", kernelFunc: logSoftmax });
  tf.registerKernel({ kernelName: SIGMOID_BACKPROP, backendName: "wasm", kernelFunc: sigmoidBackprop(blas) });
  tf.registerKernel({ kernelName: SGD_UPDATE, backendName: "wasm", kernelFunc: sgdUpdate(blas) });
}
