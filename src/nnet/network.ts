// The one network of phl: sigmoid hidden layers under a softmax (eq. 1), with speaker inputs as in the paper (eq. 2-7).
import * as tf from "@tensorflow/tfjs-core";
import type { Rng } from "../util/rng.ts";
import { affineParameters, type NamedParameters } from "./checkpoint.ts";
import {
  type Affine,
  affine,
  initAffine,
  logSoftmax,
  mm,
  sgdUpdate,
  sigmoidBackprop,
  softmaxCrossEntropy,
  type StepResult,
  variableOf,
} from "./ops.ts";

/** Where a speaker input comes from: the i-vector itself, or a speaker node by name. */
export const IVECTOR = "ivector";

/**
 * One layer of the speaker side, s = sigmoid(W x + b) (or W x + b when `linear`), x the i-vector or another node's
 * output.
 */
export interface SpeakerNode {
  name: string;
  input: string;
  units: number;
  linear?: boolean;
}

/**
 * A network's graph. The acoustic layers h^l = sigmoid(W^l h^(l-1) + b^l) (eq. 1) run bottom up to the softmax;
 * `speakerInputs[l]` names what layer l also takes through its speaker weights V_l, turning its bias into the
 * speaker-dependent b_s^l = V_l u_l + b^l (eq. 2-3). u_l is the i-vector (the i-vector baseline, the extended
 * i-vector system) or a speaker node: the top of a 1- or 2-layer transform of the i-vector (eq. 4-5), or the speaker
 * partition of the layer below, s^l = sigmoid(W_t^l s^(l-1) + b_t^l) with s^0 the i-vector (eq. 6-7; a `linear`
 * node drops the sigmoid).
 */
export interface NetworkSpec {
  /** Acoustic layer sizes: the spliced input, the hidden layers, the senones. */
  dims: number[];
  /** Dimension of the i-vector (0 without speaker input). */
  speakerDim: number;
  /** The speaker side in order: every node's input is the i-vector or a node listed before it. */
  nodes: SpeakerNode[];
  /** Per acoustic layer from the bottom: the source of its speaker input, or null. */
  speakerInputs: (string | null)[];
}

/** The graph of a plain DNN (the initial DNN, the control). */
export const acousticSpec = (dims: number[]): NetworkSpec => ({
  dims,
  speakerDim: 0,
  nodes: [],
  speakerInputs: dims.slice(1).map(() => null),
});

/** -1 for the i-vector, else the index of the speaker node `source` names. */
function sourceIndex(spec: NetworkSpec, source: string): number {
  if (source === IVECTOR) return -1;
  const i = spec.nodes.findIndex((n) => n.name === source);
  if (i < 0) throw new Error(`speaker input '${source}' is neither the i-vector nor a speaker node`);
  return i;
}

/** A speaker node's layer and, once forwarded, its activation. */
interface NodeState {
  spec: SpeakerNode;
  layer: Affine;
  /** Index of the input node, or -1 for the i-vector. */
  from: number;
}

/** Every layer's activations of one forward pass: the acoustic hidden layers (input first) and the speaker nodes. */
export interface Activations {
  hidden: tf.Tensor2D[];
  nodes: tf.Tensor2D[];
  logits: tf.Tensor2D;
}

/**
 * Parameters are named as Kaldi-style checkpoints hold them: affine<l>.weight / .bias (W^l, b^l; rows are inputs),
 * affine<l>.speaker_weight (V_l), <node>.weight / .bias. Gradients are sums over the minibatch (nnet1's convention,
 * so 0.008 means what it means in Kaldi). With `trainable` set, steps update only those parameters and the
 * backward pass stops below the lowest layer they need (warm start, step 1).
 */
export class Network {
  trainable: Set<string> | null = null;
  private readonly nodeStates: NodeState[];
  private readonly sourceOf: number[];

  constructor(
    readonly spec: NetworkSpec,
    readonly layers: Affine[],
    readonly speakerWeights: (tf.Variable<tf.Rank.R2> | null)[] = spec.speakerInputs.map(() => null),
    nodeLayers: Affine[] = [],
  ) {
    const index = (source: string) => sourceIndex(spec, source);
    this.nodeStates = spec.nodes.map((n, i) => {
      const from = index(n.input);
      if (from >= i) throw new Error(`speaker node '${n.name}' takes '${n.input}', which comes after it`);
      return { spec: n, layer: nodeLayers[i], from };
    });
    this.sourceOf = spec.speakerInputs.map((s) => (s === null ? NaN : index(s)));
    if (layers.length !== spec.dims.length - 1) {
      throw new Error(`${spec.dims.length - 1} layers expected, ${layers.length} given`);
    }
  }

  /**
   * Random weights in the order the draws have always been taken (acoustic layers, speaker nodes, speaker weights):
   * acoustic and speaker-node layers with `stddev`, the speaker weights V_l with `speakerStddev`.
   */
  static create(spec: NetworkSpec, rng: Rng, stddev = 0.1, speakerStddev = stddev): Network {
    const { dims } = spec;
    const layers = dims.slice(1).map((out, l) => initAffine(rng, dims[l], out, stddev));
    const width = (source: string) => {
      const i = sourceIndex(spec, source);
      return i < 0 ? spec.speakerDim : spec.nodes[i].units;
    };
    const nodes = spec.nodes.map((n) => initAffine(rng, width(n.input), n.units, stddev));
    const speakerWeights = spec.speakerInputs.map((source, l) => {
      if (source === null) return null;
      const w = new Float32Array(width(source) * dims[l + 1]);
      for (let i = 0; i < w.length; i++) w[i] = speakerStddev * rng.normal();
      return variableOf(tf.tensor2d(w, [width(source), dims[l + 1]]));
    });
    return new Network(spec, layers, speakerWeights, nodes);
  }

  get takesSpeaker() {
    return this.spec.speakerInputs.some((s) => s !== null);
  }

  namedParameters(): NamedParameters {
    return [
      ...affineParameters(this.layers),
      ...this.speakerWeights.flatMap((w, l): NamedParameters =>
        w ? [[`affine${l + 1}.speaker_weight`, w]] : []
      ),
      ...this.nodeStates.flatMap((n): NamedParameters => [
        [`${n.spec.name}.weight`, n.layer.w],
        [`${n.spec.name}.bias`, n.layer.b],
      ]),
    ];
  }

  /** How many weights and biases the network has. */
  get size(): number {
    return this.namedParameters().reduce((n, [, p]) => n + p.size, 0);
  }

  /**
   * One forward pass: the speaker nodes, then each acoustic layer with its speaker input added; with `hiddenOnly`
   * it stops below the output layer (logits are then the top hidden layer's, for probes that need no output).
   */
  forward(x: tf.Tensor2D, speaker?: tf.Tensor2D, hiddenOnly = false): Activations {
    if (this.takesSpeaker && !speaker) {
      throw new Error("a speaker-aware network needs each frame's speaker vector");
    }
    const u = speaker!;
    const nodes: tf.Tensor2D[] = [];
    for (const n of this.nodeStates) {
      const pre = affine(n.from < 0 ? u : nodes[n.from], n.layer);
      nodes.push(n.spec.linear ? pre : tf.sigmoid(pre));
    }
    const hidden = [x], L = this.layers.length;
    let pre = x;
    for (let l = 0; l < (hiddenOnly ? L - 1 : L); l++) {
      pre = affine(hidden[l], this.layers[l]); // W^l h^(l-1) + b^l
      const v = this.speakerWeights[l];
      if (v) pre = tf.add(pre, mm(this.input(l, u, nodes), v)); // + V_l u_l: the speaker-dependent bias
      if (l < L - 1) hidden.push(tf.sigmoid(pre));
    }
    return { hidden, nodes, logits: pre };
  }

  /** u_l: the i-vector or the speaker node that layer l takes. */
  private input(l: number, u: tf.Tensor2D, nodes: tf.Tensor2D[]): tf.Tensor2D {
    const from = this.sourceOf[l];
    return from < 0 ? u : nodes[from];
  }

  logPosteriors(x: tf.Tensor2D, speaker?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => logSoftmax(this.forward(x, speaker).logits));
  }

  /** Summed cross-entropy and correct frames of a labelled batch, forward only. */
  evaluate(x: tf.Tensor2D, labels: tf.Tensor1D, speaker?: tf.Tensor2D): StepResult {
    return tf.tidy(() => {
      const { loss, correct } = softmaxCrossEntropy(this.forward(x, speaker).logits, labels, 1);
      return { loss, correct };
    });
  }

  private isTrainable = (name: string) => !this.trainable || this.trainable.has(name);

  /** Whether a speaker node's output gradient is needed: it or a node below it on its path is trainable. */
  private nodeNeeded(n: number): boolean {
    for (let i = n; i >= 0; i = this.nodeStates[i].from) {
      const name = this.nodeStates[i].spec.name;
      if (this.isTrainable(`${name}.weight`) || this.isTrainable(`${name}.bias`)) return true;
    }
    return false;
  }

  /** The lowest layer whose pre-activation gradient is needed for the trainable parameters. */
  private lowestNeeded(): number {
    for (let l = 0; l < this.layers.length; l++) {
      if (this.isTrainable(`affine${l + 1}.weight`) || this.isTrainable(`affine${l + 1}.bias`)) return l;
      if (this.speakerWeights[l]) {
        if (this.isTrainable(`affine${l + 1}.speaker_weight`)) return l;
        if (this.sourceOf[l] >= 0 && this.nodeNeeded(this.sourceOf[l])) return l;
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
    speaker: tf.Tensor2D | undefined,
    visit: (
      name: string,
      w: tf.Variable<tf.Rank.R2>,
      b: tf.Variable | null,
      input: tf.Tensor2D,
      delta: tf.Tensor2D,
    ) => void,
  ): StepResult {
    const { hidden, nodes, logits } = this.forward(x, speaker);
    const u = speaker!;
    const out = softmaxCrossEntropy(logits, labels, scale);
    const nodeGrad: (tf.Tensor2D | null)[] = this.nodeStates.map(() => null);
    const addNode = (n: number, g: tf.Tensor2D) => (nodeGrad[n] = nodeGrad[n] ? tf.add(nodeGrad[n]!, g) : g);
    const lowest = this.lowestNeeded();
    let delta = out.delta;
    for (let l = this.layers.length - 1; l >= lowest; l--) {
      const below = l > lowest ? sigmoidBackprop(delta, this.layers[l].w, hidden[l]) : null;
      const v = this.speakerWeights[l];
      if (v) {
        const from = this.sourceOf[l];
        if (from >= 0 && this.nodeNeeded(from)) addNode(from, mm(delta, v, false, true));
        visit(`affine${l + 1}.speaker_weight`, v, null, this.input(l, u, nodes), delta);
      }
      visit(`affine${l + 1}`, this.layers[l].w, this.layers[l].b, hidden[l], delta);
      if (below) delta = below;
    }
    for (let n = this.nodeStates.length - 1; n >= 0; n--) {
      const g = nodeGrad[n];
      if (!g) continue;
      const node = this.nodeStates[n], y = nodes[n];
      const d = node.spec.linear ? g : tf.mul(g, tf.mul(y, tf.sub(1, y))) as tf.Tensor2D;
      if (node.from >= 0 && this.nodeNeeded(node.from)) addNode(node.from, mm(d, node.layer.w, false, true));
      visit(node.spec.name, node.layer.w, node.layer.b, node.from < 0 ? u : nodes[node.from], d);
    }
    return { loss: out.loss, correct: out.correct };
  }

  /**
   * Loss, accuracy and the gradient of `scale` x the summed loss for every parameter reached, by name, without
   * updating. Bias gradients are column sums, taken as a product with a row of ones (faster than a sum).
   */
  gradients(x: tf.Tensor2D, labels: tf.Tensor1D, speaker?: tf.Tensor2D, scale = 1) {
    const grads: Record<string, tf.Tensor> = {};
    const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
    const r = this.backward(x, labels, scale, speaker, (name, _w, b, input, delta) => {
      grads[b ? `${name}.weight` : name] = mm(input, delta, true, false);
      if (b) grads[`${name}.bias`] = tf.reshape(mm(ones, delta), [delta.shape[1]]);
    });
    return { ...r, grads };
  }

  /** One SGD step: p <- p - rate * gradient, each layer updated as soon as the gradients below it are taken. */
  step(x: tf.Tensor2D, labels: tf.Tensor1D, rate: number, speaker?: tf.Tensor2D): StepResult {
    return tf.tidy(() => {
      const ones = tf.ones([1, x.shape[0]]) as tf.Tensor2D;
      return this.backward(x, labels, rate, speaker, (name, w, b, input, delta) => {
        if (this.isTrainable(b ? `${name}.weight` : name)) w.assign(sgdUpdate(w, input, delta));
        if (b && this.isTrainable(`${name}.bias`)) {
          b.assign(tf.sub(b, tf.reshape(mm(ones, delta), [delta.shape[1]])));
        }
      });
    });
  }

  dispose() {
    for (const [, p] of this.namedParameters()) p.dispose();
  }
}
