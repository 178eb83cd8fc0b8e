// The network's numeric building blocks: phl's fused kernels where the backend registered them, plain tfjs ops elsewhere.
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../util/rng.ts";
import { AFFINE, LOG_SOFTMAX, SGD_UPDATE, SIGMOID_BACKPROP, SOFTMAX_XENT } from "./wasm_blas.ts";

/** Weights of one affine layer: W is in x out (rows are inputs), b is out. */
export interface Affine {
  w: tf.Variable<tf.Rank.R2>;
  b: tf.Variable<tf.Rank.R1>;
}

/**
 * Whether matMul's transpose flags are fast on the current backend. tfjs-wasm's own kernels are 10-50x slower with
 * them than with an explicit transpose; the BLAS kernel and the other backends take them directly.
 */
let transposeFlagsFast = true;
export function setTransposeFlagsFast(fast: boolean) {
  transposeFlagsFast = fast;
}

/** Whether the current backend has one of phl's fused kernels (registered with the BLAS on wasm). */
const hasKernel = (name: string) => tf.getKernel(name, tf.getBackend()) !== undefined;

/** x W + b: one fused kernel where registered, else a product and a broadcast add. */
export function affine(x: tf.Tensor2D, layer: Affine): tf.Tensor2D {
  if (hasKernel(AFFINE)) return tf.engine().runKernel(AFFINE, { x, w: layer.w, b: layer.b }) as tf.Tensor2D;
  return tf.add(mm(x, layer.w), layer.b);
}

/**
 * scale * (softmax(logits) - one-hot(labels)), the summed cross-entropy and the count of correct arg-maxes: one
 * fused kernel where registered, else tfjs ops.
 */
export function softmaxCrossEntropy(
  logits: tf.Tensor2D,
  labels: tf.Tensor1D,
  scale: number,
): { delta: tf.Tensor2D } & StepResult {
  if (hasKernel(SOFTMAX_XENT)) {
    const [delta, loss, correct] = tf.engine().runKernel(SOFTMAX_XENT, { logits, labels }, {
      scale,
    }) as tf.Tensor[];
    return { delta: delta as tf.Tensor2D, loss: loss as tf.Scalar, correct: correct as tf.Scalar };
  }
  const logp = tf.logSoftmax(logits);
  const target = tf.cast(tf.oneHot(labels, logits.shape[1]), "float32");
  return {
    delta: tf.mul(tf.sub(tf.exp(logp), target), scale),
    loss: tf.neg(tf.sum(tf.mul(target, logp))) as tf.Scalar,
    correct: tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")) as tf.Scalar,
  };
}

/** The loss gradient below a sigmoid layer: (delta W') * h * (1 - h), fused where a kernel is registered. */
export function sigmoidBackprop(delta: tf.Tensor2D, w: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
  if (hasKernel(SIGMOID_BACKPROP)) {
    return tf.engine().runKernel(SIGMOID_BACKPROP, { delta, w, h }) as tf.Tensor2D;
  }
  return tf.mul(mm(delta, w, false, true), tf.mul(h, tf.sub(1, h)));
}

/** W - input' delta (delta already scaled by the rate), fused where a kernel is registered. */
export function sgdUpdate(w: tf.Tensor2D, input: tf.Tensor2D, delta: tf.Tensor2D): tf.Tensor2D {
  if (hasKernel(SGD_UPDATE)) return tf.engine().runKernel(SGD_UPDATE, { w, input, delta }) as tf.Tensor2D;
  return tf.sub(w, mm(input, delta, true, false));
}

/** a (or a') times b (or b'). */
export function mm(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  if (transposeFlagsFast) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? tf.transpose(a) : a, transposeB ? tf.transpose(b) : b);
}

/** Gaussian weights (Kaldi nnet1's param-stddev, 0.1 by default) and zero biases. */
export function initAffine(rng: Rng, inDim: number, outDim: number, stddev = 0.1): Affine {
  const w = new Float32Array(inDim * outDim);
  for (let i = 0; i < w.length; i++) w[i] = stddev * rng.normal();
  return { w: variableOf(tf.tensor2d(w, [inDim, outDim])), b: variableOf(tf.zeros([outDim])) };
}

/** A variable holding `t`'s values; `t` is disposed (tf.variable alone keeps it alive beside the variable). */
export function variableOf<R extends tf.Rank>(t: tf.Tensor<R>): tf.Variable<R> {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/** `p` takes `t`'s values and `t` is disposed (assign alone keeps it alive beside the variable). */
export function assignFrom(p: tf.Variable, t: tf.Tensor) {
  p.assign(t);
  t.dispose();
}

/** Log-softmax of the logits, fused where a kernel is registered. */
export function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  if (hasKernel(LOG_SOFTMAX)) return tf.engine().runKernel(LOG_SOFTMAX, { logits }) as tf.Tensor2D;
  return tf.logSoftmax(logits);
}

export type StepResult = {
  /** Summed cross-entropy over the minibatch, and the number of frames whose arg-max is the target. */
  loss: tf.Scalar;
  correct: tf.Scalar;
};
