// A sigmoid MLP with a softmax output in tfjs-core, trained by hand-written backprop (tfjs-core registers no gradients).
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng.ts";

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

export type StepResult = {
  /** Summed cross-entropy over the minibatch, and the number of frames whose arg-max is the target. */
  loss: tf.Scalar;
  correct: tf.Scalar;
};

/**
 * Layers: sigmoid hidden layers then a softmax output. Gradients are sums over the minibatch, as Kaldi nnet1's, so
 * learning rates are per frame summed (nnet1's 0.008 at minibatch 256).
 */
export class Mlp {
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
      hidden.push(tf.sigmoid(tf.add(mm(hidden[l], this.layers[l].w), this.layers[l].b)));
    }
    return { hidden, logits: tf.add(mm(hidden[L - 1], this.layers[L - 1].w), this.layers[L - 1].b) };
  }

  /** Log posteriors of the output classes. */
  logPosteriors(x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => tf.logSoftmax(this.forwardAll(x).logits));
  }

  /**
   * Loss, accuracy and every parameter's gradient of `scale` x the summed loss (same order as `parameters()`),
   * without updating. Bias gradients are column sums, taken as a product with a row of ones (faster than a sum).
   */
  gradients(x: tf.Tensor2D, labels: tf.Tensor1D, scale = 1): StepResult & { grads: tf.Tensor[] } {
    const { hidden, logits } = this.forwardAll(x);
    const logp = tf.logSoftmax(logits);
    const target = tf.cast(tf.oneHot(labels, this.outputDim), "float32");
    const loss = tf.neg(tf.sum(tf.mul(target, logp))) as tf.Scalar;
    const correct = tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")) as tf.Scalar;
    const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
    const grads: tf.Tensor[] = [];
    let delta: tf.Tensor2D = tf.sub(tf.exp(logp), target);
    if (scale !== 1) delta = tf.mul(delta, scale);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      grads.unshift(mm(hidden[l], delta, true, false), tf.reshape(mm(ones, delta), [delta.shape[1]]));
      if (l > 0) {
        const h = hidden[l];
        delta = tf.mul(mm(delta, this.layers[l].w, false, true), tf.mul(h, tf.sub(1, h)));
      }
    }
    return { loss, correct, grads };
  }

  /** Summed cross-entropy and correct frames of a labelled batch, forward only. */
  evaluate(x: tf.Tensor2D, labels: tf.Tensor1D): StepResult {
    return tf.tidy(() => {
      const { logits } = this.forwardAll(x);
      const target = tf.cast(tf.oneHot(labels, this.outputDim), "float32");
      return {
        loss: tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits)))) as tf.Scalar,
        correct: tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), "float32")) as tf.Scalar,
      };
    });
  }

  parameters(): tf.Variable[] {
    return this.layers.flatMap((a) => [a.w, a.b] as tf.Variable[]);
  }

  /** One SGD step: p <- p - rate * gradient. */
  step(x: tf.Tensor2D, labels: tf.Tensor1D, rate: number): StepResult {
    return tf.tidy(() => {
      const { loss, correct, grads } = this.gradients(x, labels, rate);
      this.parameters().forEach((p, i) => p.assign(tf.sub(p, grads[i])));
      return { loss, correct };
    });
  }

  dispose() {
    for (const p of this.parameters()) p.dispose();
  }
}
