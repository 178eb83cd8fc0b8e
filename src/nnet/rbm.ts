// RBM pretraining with CD-1 (Kaldi's pretrain_dbn.sh / rbm-train-cd1-frmshuff): a Gaussian-Bernoulli RBM, then Bernoulli-Bernoulli ones.
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng.ts";
import { type Affine, affine, mm, variableOf } from "./ops.ts";

export interface RbmConfig {
  /** Passes over the data per Bernoulli RBM; the Gaussian-Bernoulli one gets twice as many. */
  passes: number;
  learnRate: number;
  /** Learning rate of the Gaussian-Bernoulli RBM. */
  learnRateGaussian: number;
  l2: number;
  /** Momentum grows linearly from `momentum` to `momentumMax` in `momentumSteps` steps of `momentumStepFrames`. */
  momentum: number;
  momentumMax: number;
  momentumSteps: number;
  momentumStepFrames: number;
  batchSize: number;
  /** Initial weights' standard deviation. */
  stddev: number;
}

/** pretrain_dbn.sh's numbers (rbm-train-cd1-frmshuff's momentum schedule and minibatch). */
export const RBM_KALDI: RbmConfig = {
  passes: 1,
  learnRate: 0.4,
  learnRateGaussian: 0.01,
  l2: 0.0002,
  momentum: 0.5,
  momentumMax: 0.9,
  momentumSteps: 40,
  momentumStepFrames: 500000,
  batchSize: 100,
  stddev: 0.1,
};

/**
 * Trains one RBM (visible x hidden weights, hidden and visible biases) by CD-1 on minibatches of visible vectors
 * from `passes()`: statistics from hidden probabilities, the reconstruction from sampled hidden units (linear for
 * Gaussian visible units of unit variance, sigmoid for Bernoulli ones); gradients averaged over the minibatch,
 * L2 decay on the weights, the learning rate scaled by (1 - momentum) as Kaldi does. Returns the layer and the
 * mean squared reconstruction error per pass.
 */
export async function trainRbm(
  visibleDim: number,
  hiddenDim: number,
  gaussian: boolean,
  batches: (pass: number) => Iterable<tf.Tensor2D>,
  visibleBias: Float32Array,
  c: RbmConfig,
  seed: string,
  log: (line: string) => void,
): Promise<{ layer: Affine; reconstruction: number[] }> {
  const rng = new Rng(seed, "rbm init");
  const w0 = Float32Array.from({ length: visibleDim * hiddenDim }, () => c.stddev * rng.normal());
  const w = variableOf(tf.tensor2d(w0, [visibleDim, hiddenDim]));
  const hb = variableOf(tf.zeros([hiddenDim]) as tf.Tensor1D), vb = variableOf(tf.tensor1d(visibleBias));
  const dw = variableOf(tf.zerosLike(w)),
    dhb = variableOf(tf.zerosLike(hb)),
    dvb = variableOf(tf.zerosLike(vb));
  const passes = gaussian ? 2 * c.passes : c.passes, rate = gaussian ? c.learnRateGaussian : c.learnRate;
  const reconstruction: number[] = [];
  let frames = 0, step = 0;
  for (let pass = 0; pass < passes; pass++) {
    let error = 0, seen = 0;
    const pending: tf.Scalar[] = [];
    for (const v0 of batches(pass)) {
      const n = v0.shape[0];
      const m = Math.min(
        c.momentumMax,
        c.momentum +
          ((c.momentumMax - c.momentum) / c.momentumSteps) * Math.floor(frames / c.momentumStepFrames),
      );
      const lr = (rate * (1 - m)) / n;
      pending.push(tf.tidy(() => {
        const h0 = tf.sigmoid(affine(v0, { w, b: hb }));
        const sample = tf.cast(
          tf.greater(h0, tf.randomUniform(h0.shape, 0, 1, "float32", hashSeed(seed, step))),
          "float32",
        );
        const down = tf.add(mm(sample as tf.Tensor2D, w, false, true), vb);
        const v1 = (gaussian ? down : tf.sigmoid(down)) as tf.Tensor2D;
        const h1 = tf.sigmoid(affine(v1, { w, b: hb }));
        const gw = tf.sub(mm(v0, h0, true, false), mm(v1, h1, true, false));
        dw.assign(tf.add(tf.mul(dw, m), tf.mul(tf.sub(gw, tf.mul(w, c.l2 * n)), lr)));
        dhb.assign(tf.add(tf.mul(dhb, m), tf.mul(tf.sum(tf.sub(h0, h1), 0), lr)));
        dvb.assign(tf.add(tf.mul(dvb, m), tf.mul(tf.sum(tf.sub(v0, v1), 0), lr)));
        w.assign(tf.add(w, dw));
        hb.assign(tf.add(hb, dhb));
        vb.assign(tf.add(vb, dvb));
        return tf.sum(tf.square(tf.sub(v0, v1))) as tf.Scalar;
      }));
      v0.dispose();
      frames += n, seen += n, step++;
      if (pending.length >= 64) error += await drain(pending);
    }
    error += await drain(pending);
    reconstruction.push(error / seen / visibleDim);
    log(
      `  pass ${pass + 1}/${passes}: reconstruction error ${
        reconstruction[pass].toFixed(4)
      } per unit, momentum ${
        Math.min(
          c.momentumMax,
          c.momentum +
            ((c.momentumMax - c.momentum) / c.momentumSteps) * Math.floor(frames / c.momentumStepFrames),
        ).toFixed(2)
      }`,
    );
  }
  tf.dispose([dw, dhb, dvb, vb]);
  return { layer: { w: w as tf.Variable<tf.Rank.R2>, b: hb as tf.Variable<tf.Rank.R1> }, reconstruction };
}

async function drain(pending: tf.Scalar[]): Promise<number> {
  const values = await Promise.all(pending.map((t) => t.data()));
  tf.dispose(pending);
  pending.length = 0;
  return values.reduce((a, v) => a + v[0], 0);
}

function hashSeed(seed: string, step: number): number {
  return new Rng(seed, "cd1", step).nextU32();
}

/** Visible biases of a Bernoulli RBM from the mean activations below it: log(p / (1 - p)), p clipped to [1e-4, 1-1e-4]. */
export function visibleBiasFromMeans(means: Float32Array): Float32Array {
  return means.map((p) => {
    const q = Math.min(1 - 1e-4, Math.max(1e-4, p));
    return Math.log(q / (1 - q));
  });
}
