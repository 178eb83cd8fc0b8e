// Linear softmax probes on frozen features: one layer, or a softmax-weighted sum of layers (s3prl's featurizer), trained with Adam.
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng.ts";

export interface HeadConfig {
  learnRate: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

/** A trained head: logits = (sum_l weights[l] x_l) W + b; weights = softmax of one logit per layer (1 for one layer). */
export interface LinearHead {
  dim: number;
  classes: number;
  w: Float32Array;
  b: Float32Array;
  layerWeights: number[];
}

/** Rows `rows` of each layer's matrix (n x dim, row-major) mixed with `weights`, as one batch. */
function mixRows(layers: Float32Array[], dim: number, rows: ArrayLike<number>, weights: number[]) {
  const out = new Float32Array(rows.length * dim);
  layers.forEach((x, l) => {
    const a = weights[l];
    for (let i = 0; i < rows.length; i++) {
      const src = rows[i] * dim, dst = i * dim;
      for (let d = 0; d < dim; d++) out[dst + d] += a * x[src + d];
    }
  });
  return out;
}

const softmax = (v: number[]) => {
  const m = Math.max(...v), e = v.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

/**
 * Cross-entropy training of a linear softmax head on `layers` (each n x dim, the same rows), minibatches in a seeded
 * order, Adam (beta 0.9, 0.999). With more than one layer the mixing logits start at zero (equal weights) and are
 * learnt with the head, as in s3prl; their gradient is taken by hand (tfjs-core registers no gradients).
 */
export function trainHead(
  layers: Float32Array[],
  dim: number,
  labels: Int32Array,
  classes: number,
  c: HeadConfig,
): LinearHead {
  const n = labels.length, L = layers.length, rng = new Rng(c.seed, "probe head");
  let w = tf.zeros([dim, classes]) as tf.Tensor2D, b = tf.zeros([classes]) as tf.Tensor1D;
  const logits = new Float64Array(L);
  const moments = [w, b].map((p): { m: tf.Tensor; v: tf.Tensor } => ({
    m: tf.zerosLike(p),
    v: tf.zerosLike(p),
  }));
  const mix = { m: new Float64Array(L), v: new Float64Array(L) };
  const order = Int32Array.from({ length: n }, (_, i) => i);
  let t = 0;
  const adam = (g: number, i: number) => {
    mix.m[i] = 0.9 * mix.m[i] + 0.1 * g;
    mix.v[i] = 0.999 * mix.v[i] + 0.001 * g * g;
    return (c.learnRate * mix.m[i] / (1 - 0.9 ** t)) / (Math.sqrt(mix.v[i] / (1 - 0.999 ** t)) + 1e-8);
  };
  for (let e = 0; e < c.epochs; e++) {
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(i + 1), s = order[i];
      (order[i] = order[j]), (order[j] = s);
    }
    for (let at = 0; at < n; at += c.batchSize) {
      const rows = order.subarray(at, Math.min(n, at + c.batchSize)), B = rows.length;
      const a = softmax([...logits]);
      t++;
      const mixGrad = new Float64Array(L);
      const [x, d] = tf.tidy(() => {
        const x = tf.tensor2d(mixRows(layers, dim, rows, a), [B, dim]);
        const y = tf.oneHot(tf.tensor1d(Int32Array.from(rows, (r) => labels[r]), "int32"), classes);
        return [x, tf.div(tf.sub(tf.softmax(tf.add(tf.matMul(x, w), b)), y), B) as tf.Tensor2D];
      });
      if (L > 1) {
        // read outside any tidy: dataSync inside one was 50x slower on tfjs-wasm here
        const gt = tf.tidy(() => tf.matMul(d, tf.transpose(w))), g = gt.dataSync();
        gt.dispose();
        layers.forEach((xl, l) => {
          let s = 0;
          for (let i = 0; i < B; i++) {
            const src = rows[i] * dim;
            for (let k = 0; k < dim; k++) s += g[i * dim + k] * xl[src + k];
          }
          mixGrad[l] = s;
        });
      }
      const [nw, nb] = tf.tidy(() => {
        const grads = [tf.matMul(tf.transpose(x), d), tf.sum(d, 0)];
        return [w, b].map((p, i) => {
          const g = grads[i], m = moments[i];
          const m1 = tf.add(tf.mul(m.m, 0.9), tf.mul(g, 0.1)),
            v1 = tf.add(tf.mul(m.v, 0.999), tf.mul(tf.square(g), 0.001));
          tf.dispose([m.m, m.v]);
          m.m = tf.keep(m1), m.v = tf.keep(v1);
          const step = tf.div(
            tf.mul(m1, c.learnRate / (1 - 0.9 ** t)),
            tf.add(tf.sqrt(tf.div(v1, 1 - 0.999 ** t)), 1e-8),
          );
          return tf.keep(tf.sub(p, step));
        });
      });
      tf.dispose([w, b, x, d]);
      (w = nw as tf.Tensor2D), (b = nb as tf.Tensor1D);
      if (L > 1) {
        const mean = a.reduce((s, al, l) => s + al * mixGrad[l], 0);
        a.forEach((al, l) => (logits[l] -= adam(al * (mixGrad[l] - mean), l)));
      }
    }
  }
  const head = {
    dim,
    classes,
    w: w.dataSync() as Float32Array,
    b: b.dataSync() as Float32Array,
    layerWeights: softmax([...logits]),
  };
  tf.dispose([w, b, ...moments.flatMap((m) => [m.m, m.v])]);
  return head;
}

/** Log posteriors (n x classes) of a head on `layers` (each n x dim), in batches. */
export function headLogPosteriors(head: LinearHead, layers: Float32Array[], n: number): Float32Array {
  const out = new Float32Array(n * head.classes), batch = 4096;
  const w = tf.tensor2d(head.w, [head.dim, head.classes]), b = tf.tensor1d(head.b);
  for (let at = 0; at < n; at += batch) {
    const rows = Int32Array.from({ length: Math.min(batch, n - at) }, (_, i) => at + i);
    const logp = tf.tidy(() => {
      const x = tf.tensor2d(mixRows(layers, head.dim, rows, head.layerWeights), [rows.length, head.dim]);
      return tf.logSoftmax(tf.add(tf.matMul(x, w), b));
    });
    out.set(logp.dataSync(), at * head.classes);
    logp.dispose();
  }
  tf.dispose([w, b]);
  return out;
}

/** The share of rows whose arg-max class is the label. */
export function accuracy(logp: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  labels.forEach((y, i) => {
    let best = 0;
    for (let k = 1; k < classes; k++) if (logp[i * classes + k] > logp[i * classes + best]) best = k;
    if (best === y) correct++;
  });
  return correct / Math.max(1, labels.length);
}
