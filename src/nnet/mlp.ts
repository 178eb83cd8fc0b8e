// A sigmoid MLP with a softmax output in tfjs-core, trained by hand-written backprop (tfjs-core registers no gradients).
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng.ts";
import { affineParameters, type NamedParameters } from "./checkpoint.ts";
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
  return {
    w: tf.variable(tf.tensor2d(w, [inDim, outDim])),
    b: tf.variable(tf.zeros([outDim])),
  };
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

/**
 * What the trainer and the decoder need of a network. `speaker` holds each frame's speaker vector (one row per
 * frame) for speaker-aware networks; others ignore it.
 */
export interface Network {
  step(x: tf.Tensor2D, labels: tf.Tensor1D, rate: number, speaker?: tf.Tensor2D): StepResult;
  evaluate(x: tf.Tensor2D, labels: tf.Tensor1D, speaker?: tf.Tensor2D): StepResult;
  logPosteriors(x: tf.Tensor2D, speaker?: tf.Tensor2D): tf.Tensor2D;
  namedParameters(): NamedParameters;
  dispose(): void;
}

/**
 * Layers: sigmoid hidden layers then a softmax output. Gradients are sums over the minibatch, as Kaldi nnet1's, so
 * learning rates are per frame summed (nnet1's 0.008 at minibatch 256).
 */
export class Mlp implements Network {
  constructor(readonly layers: Affine[]) {}

  static create(dims: number[], seed: number | string, stddev = 0.1): Mlp {
    const rng = new Rng(seed, "mlp init");
    return new Mlp(dims.slice(1).map((out, l) => initAffine(rng, dims[l], out, stddev)));
  }

  get inputDim() {
    return this.layers[0].w.shape[0];
  }
  get outputDim() {
    return this.layers[this.layers.length - 1].w.shape[1];
  }

  /** Hidden activations (input first) and the output logits. */
  forwardAll(x: tf.Tensor2D): { hidden: tf.Tensor2D[]; logits: tf.Tensor2D } {
    const hidden = [x];
    const L = this.layers.length;
    for (let l = 0; l < L - 1; l++) {
      hidden.push(tf.sigmoid(affine(hidden[l], this.layers[l])));
    }
    return { hidden, logits: affine(hidden[L - 1], this.layers[L - 1]) };
  }

  /** Log posteriors of the output classes. */
  logPosteriors(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => logSoftmax(this.forwardAll(x).logits));
  }

  /**
   * Backpropagation of `scale` x the summed loss: for each layer from the top, `visit(l, input, delta)` gets the
   * layer's input and the loss gradient at its pre-activation, after the gradient for the layer below has been
   * taken through the layer's current weights (so `visit` may update them).
   */
  private backward(
    x: tf.Tensor2D,
    labels: tf.Tensor1D,
    scale: number,
    visit: (l: number, input: tf.Tensor2D, delta: tf.Tensor2D) => void,
  ): StepResult {
    const { hidden, logits } = this.forwardAll(x);
    const out = softmaxCrossEntropy(logits, labels, scale);
    let delta = out.delta;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const below = l > 0 ? sigmoidBackprop(delta, this.layers[l].w, hidden[l]) : null;
      visit(l, hidden[l], delta);
      if (below) delta = below;
    }
    return { loss: out.loss, correct: out.correct };
  }

  /**
   * Loss, accuracy and every parameter's gradient of `scale` x the summed loss (same order as `parameters()`),
   * without updating. Bias gradients are column sums, taken as a product with a row of ones (faster than a sum).
   */
  gradients(x: tf.Tensor2D, labels: tf.Tensor1D, scale = 1): StepResult & { grads: tf.Tensor[] } {
    const grads: tf.Tensor[] = [];
    const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
    const r = this.backward(x, labels, scale, (_, input, delta) => {
      grads.unshift(mm(input, delta, true, false), tf.reshape(mm(ones, delta), [delta.shape[1]]));
    });
    return { ...r, grads };
  }

  /** Summed cross-entropy and correct frames of a labelled batch, forward only. */
  evaluate(x: tf.Tensor2D, labels: tf.Tensor1D): StepResult {
    return tf.tidy(() => {
      const { loss, correct } = softmaxCrossEntropy(this.forwardAll(x).logits, labels, 1);
      return { loss, correct };
    });
  }

  parameters(): tf.Variable[] {
    return this.layers.flatMap((a) => [a.w, a.b] as tf.Variable[]);
  }

  namedParameters(): NamedParameters {
    return affineParameters(this.layers);
  }

  /** One SGD step: p <- p - rate * gradient, each layer updated as soon as its gradient is known. */
  step(x: tf.Tensor2D, labels: tf.Tensor1D, rate: number): StepResult {
    return tf.tidy(() => {
      const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
      return this.backward(x, labels, rate, (l, input, delta) => {
        const { w, b } = this.layers[l];
        w.assign(sgdUpdate(w, input, delta));
        b.assign(tf.sub(b, tf.reshape(mm(ones, delta), [delta.shape[1]])));
      });
    });
  }

  dispose() {
    for (const p of this.parameters()) p.dispose();
  }
}
