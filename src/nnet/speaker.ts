// Speaker-aware DNNs (paper sec. 3.1-3.2): the i-vector fed to the first k layers directly, through per-layer sigmoid transforms, or through Partitioned Hidden Layers.
import * as tf from "@tensorflow/tfjs-core";
import { Rng } from "../util/rng.ts";
import { affineParameters, type NamedParameters } from "./checkpoint.ts";
import {
  type Affine,
  affine,
  initAffine,
  logSoftmax,
  mm,
  type Network,
  sgdUpdate,
  sigmoidBackprop,
  softmaxCrossEntropy,
  type StepResult,
} from "./mlp.ts";

/**
 * extended: the i-vector itself (k = 1 is the i-vector baseline, Fig. 1b; k = all layers the extended i-vector
 * system, Fig. 1c, eq. 2-3). transform1 / transform2: through a 1- or 2-layer sigmoid transform of its own before
 * each layer (Fig. 2b, eq. 4-5). partitioned: layer l takes the speaker partition s^(l-1) of the layer below,
 * s^l = sigmoid(W_t s^(l-1) + b_t), s^0 the i-vector (Fig. 2c, eq. 6-7).
 */
export type SpeakerModel = "extended" | "transform1" | "transform2" | "partitioned";
export const SPEAKER_MODELS: SpeakerModel[] = ["extended", "transform1", "transform2", "partitioned"];

export interface SpeakerArch {
  model: SpeakerModel;
  /** How many layers from the bottom (hidden layers, then the output layer) take speaker input. */
  speakerLayers: number;
  /** Units of each transform layer, or of each speaker partition. */
  speakerUnits: number;
}

/** One sigmoid layer of the speaker side; parent -1 is the i-vector. */
interface SpeakerNode {
  name: string;
  parent: number;
  layer: Affine;
}

/** Where each layer's speaker input comes from: a speaker node, or -1 for the i-vector itself. */
function speakerGraph(a: SpeakerArch): { nodes: { name: string; parent: number }[]; sources: number[] } {
  const nodes: { name: string; parent: number }[] = [], sources: number[] = [];
  for (let l = 0; l < a.speakerLayers; l++) {
    if (a.model === "extended") sources.push(-1);
    else if (a.model === "partitioned") {
      if (l > 0) nodes.push({ name: `partition${l}`, parent: l === 1 ? -1 : nodes.length - 1 });
      sources.push(nodes.length - 1);
    } else {
      let parent = -1;
      for (let j = 1; j <= (a.model === "transform1" ? 1 : 2); j++) {
        nodes.push({ name: `transform${l + 1}.${j}`, parent });
        parent = nodes.length - 1;
      }
      sources.push(parent);
    }
  }
  return { nodes, sources };
}

/**
 * An MLP (sigmoid hidden layers, softmax output) whose first `speakerLayers` layers also take a speaker input:
 * layer l adds V_l u_l to its pre-activation, u_l the i-vector or a speaker node's output. The acoustic layers are
 * named as the plain Mlp's (affine<l>.*), so an initial DNN's checkpoint loads into them; V_l is
 * affine<l>.speaker_weight, the speaker side's layers partition<l>.* or transform<l>.<j>.*. With `trainable` set,
 * steps update only those parameters (warm start, step 1) and skip the backward pass below where it is needed.
 */
export class SpeakerNet implements Network {
  trainable: Set<string> | null = null;

  private constructor(
    readonly arch: SpeakerArch,
    readonly layers: Affine[],
    readonly speakerWeights: tf.Variable<tf.Rank.R2>[],
    readonly nodes: SpeakerNode[],
    readonly sources: number[],
  ) {}

  /**
   * Random weights for acoustic dims `dims` (input, hidden..., output) and speaker vectors of `speakerDim`: the
   * acoustic and speaker-side layers with stddev `stddev`, the speaker weights V_l with `speakerStddev`.
   */
  static create(
    arch: SpeakerArch,
    dims: number[],
    speakerDim: number,
    seed: number | string,
    stddev = 0.1,
    speakerStddev = stddev,
  ): SpeakerNet {
    const L = dims.length - 1;
    if (arch.speakerLayers < 0 || arch.speakerLayers > L) {
      throw new Error(`speakerLayers must be 0..${L} for ${L} layers, not ${arch.speakerLayers}`);
    }
    const rng = new Rng(seed, `speaker net ${arch.model} ${arch.speakerLayers}`);
    const layers = dims.slice(1).map((out, l) => initAffine(rng, dims[l], out, stddev));
    const graph = speakerGraph(arch);
    const nodes = graph.nodes.map(({ name, parent }) => ({
      name,
      parent,
      layer: initAffine(rng, parent < 0 ? speakerDim : arch.speakerUnits, arch.speakerUnits, stddev),
    }));
    const speakerWeights = graph.sources.map((src, l) => {
      const w = new Float32Array((src < 0 ? speakerDim : arch.speakerUnits) * dims[l + 1]);
      for (let i = 0; i < w.length; i++) w[i] = speakerStddev * rng.normal();
      return tf.variable(tf.tensor2d(w, [w.length / dims[l + 1], dims[l + 1]]));
    });
    return new SpeakerNet(arch, layers, speakerWeights, nodes, graph.sources);
  }

  namedParameters(): NamedParameters {
    return [
      ...affineParameters(this.layers),
      ...this.speakerWeights.map((w, l): [string, tf.Variable] => [`affine${l + 1}.speaker_weight`, w]),
      ...this.nodes.flatMap((
        n,
      ): NamedParameters => [[`${n.name}.weight`, n.layer.w], [`${n.name}.bias`, n.layer.b]]),
    ];
  }

  /** Speaker-side activations (one per node) and each layer's pre-activations up to the logits. */
  forwardAll(x: tf.Tensor2D, speaker: tf.Tensor2D) {
    const side: tf.Tensor2D[] = [];
    for (const n of this.nodes) {
      side.push(tf.sigmoid(affine(n.parent < 0 ? speaker : side[n.parent], n.layer)));
    }
    const input = (l: number) => (this.sources[l] < 0 ? speaker : side[this.sources[l]]);
    const hidden = [x], L = this.layers.length;
    let pre = x;
    for (let l = 0; l < L; l++) {
      pre = affine(hidden[l], this.layers[l]);
      if (l < this.speakerWeights.length) pre = tf.add(pre, mm(input(l), this.speakerWeights[l]));
      if (l < L - 1) hidden.push(tf.sigmoid(pre));
    }
    return { side, input, hidden, logits: pre };
  }

  private speakerOrThrow(speaker?: tf.Tensor2D): tf.Tensor2D {
    if (!speaker) throw new Error("a speaker-aware network needs each frame's speaker vector");
    return speaker;
  }

  logPosteriors(x: tf.Tensor2D, speaker?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => logSoftmax(this.forwardAll(x, this.speakerOrThrow(speaker)).logits));
  }

  evaluate(x: tf.Tensor2D, labels: tf.Tensor1D, speaker?: tf.Tensor2D): StepResult {
    return tf.tidy(() => {
      const { loss, correct } = softmaxCrossEntropy(
        this.forwardAll(x, this.speakerOrThrow(speaker)).logits,
        labels,
        1,
      );
      return { loss, correct };
    });
  }

  private isTrainable = (name: string) => !this.trainable || this.trainable.has(name);

  /** Whether a speaker node's output gradient is needed: it or a node below it on its path is trainable. */
  private nodeNeeded(n: number): boolean {
    for (let i = n; i >= 0; i = this.nodes[i].parent) {
      const name = this.nodes[i].name;
      if (this.isTrainable(`${name}.weight`) || this.isTrainable(`${name}.bias`)) return true;
    }
    return false;
  }

  /** The lowest layer whose pre-activation gradient is needed for the trainable parameters. */
  private lowestNeeded(): number {
    for (let l = 0; l < this.layers.length; l++) {
      if (this.isTrainable(`affine${l + 1}.weight`) || this.isTrainable(`affine${l + 1}.bias`)) return l;
      if (l < this.speakerWeights.length) {
        if (this.isTrainable(`affine${l + 1}.speaker_weight`)) return l;
        if (this.sources[l] >= 0 && this.nodeNeeded(this.sources[l])) return l;
      }
    }
    return this.layers.length;
  }

  /**
   * Backpropagation of `scale` x the summed loss: `visit(name, w, b, input, delta)` gets each parameter group with
   * its input and the gradient at its pre-activation, after every gradient that needs its current weights is taken.
   */
  private backward(
    x: tf.Tensor2D,
    labels: tf.Tensor1D,
    scale: number,
    speaker: tf.Tensor2D,
    visit: (
      name: string,
      w: tf.Variable<tf.Rank.R2>,
      b: tf.Variable | null,
      input: tf.Tensor2D,
      delta: tf.Tensor2D,
    ) => void,
  ): StepResult {
    const { side, input, hidden, logits } = this.forwardAll(x, speaker);
    const out = softmaxCrossEntropy(logits, labels, scale);
    const sideGrad: (tf.Tensor2D | null)[] = this.nodes.map(() => null);
    const addSide = (n: number, g: tf.Tensor2D) => (sideGrad[n] = sideGrad[n] ? tf.add(sideGrad[n]!, g) : g);
    const lowest = this.lowestNeeded();
    let delta = out.delta;
    for (let l = this.layers.length - 1; l >= lowest; l--) {
      const below = l > lowest ? sigmoidBackprop(delta, this.layers[l].w, hidden[l]) : null;
      if (l < this.speakerWeights.length) {
        const src = this.sources[l], v = this.speakerWeights[l];
        if (src >= 0 && this.nodeNeeded(src)) addSide(src, mm(delta, v, false, true));
        visit(`affine${l + 1}.speaker_weight`, v, null, input(l), delta);
      }
      visit(`affine${l + 1}`, this.layers[l].w, this.layers[l].b, hidden[l], delta);
      if (below) delta = below;
    }
    for (let n = this.nodes.length - 1; n >= 0; n--) {
      const g = sideGrad[n];
      if (!g) continue;
      const node = this.nodes[n], y = side[n];
      const d = tf.mul(g, tf.mul(y, tf.sub(1, y))) as tf.Tensor2D;
      if (node.parent >= 0 && this.nodeNeeded(node.parent)) {
        addSide(node.parent, mm(d, node.layer.w, false, true));
      }
      visit(node.name, node.layer.w, node.layer.b, node.parent < 0 ? speaker : side[node.parent], d);
    }
    return { loss: out.loss, correct: out.correct };
  }

  /**
   * Loss, accuracy and the gradient of `scale` x the summed loss for every parameter reached, by name (weights
   * "<group>.weight" or the speaker weight's own name, biases "<group>.bias").
   */
  gradients(x: tf.Tensor2D, labels: tf.Tensor1D, speaker: tf.Tensor2D, scale = 1) {
    const grads: Record<string, tf.Tensor> = {};
    const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
    const r = this.backward(x, labels, scale, speaker, (name, _w, b, input, delta) => {
      grads[b ? `${name}.weight` : name] = mm(input, delta, true, false);
      if (b) grads[`${name}.bias`] = tf.reshape(mm(ones, delta), [delta.shape[1]]);
    });
    return { ...r, grads };
  }

  step(x: tf.Tensor2D, labels: tf.Tensor1D, rate: number, speaker?: tf.Tensor2D): StepResult {
    return tf.tidy(() => {
      const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
      return this.backward(x, labels, rate, this.speakerOrThrow(speaker), (name, w, b, input, delta) => {
        const wName = b ? `${name}.weight` : name;
        if (this.isTrainable(wName)) w.assign(sgdUpdate(w, input, delta));
        if (b && this.isTrainable(`${name}.bias`)) {
          b.assign(tf.sub(b, tf.reshape(mm(ones, delta), [delta.shape[1]])));
        }
      });
    });
  }

  /** How many weights and biases the network has. */
  get size(): number {
    return this.namedParameters().reduce((n, [, p]) => n + p.size, 0);
  }

  dispose() {
    for (const [, p] of this.namedParameters()) p.dispose();
  }
}
