// The model registry: every network phl trains after the initial DNN, as its speaker input per layer and its chain.
import { IVECTOR, type NetworkSpec, type SpeakerNode } from "./network.ts";

/** What a layer given speaker input adds to the graph: speaker nodes, and the source its V_l reads. */
export interface LayerInput {
  nodes: SpeakerNode[];
  source: string;
}

/**
 * A model family, trained progressively (sec. 3.3): stage k gives speaker input to the k lowest layers (hidden
 * layers, then the output layer), warm-started from stage k - 1, stage 1 from the initial DNN.
 */
export interface ModelSpec {
  /** Stage folders are <name>_<k>, or <name>-<units>_<k> when the model has a units parameter. */
  name: string;
  /** As the paper's tables and figures name it. */
  title: string;
  /**
   * What layer l (0 = the first hidden layer) takes when it is given speaker input, with `units` per speaker node;
   * null for the control, which trains on as the others do with no speaker input at all.
   */
  layer: ((l: number, units: number) => LayerInput) | null;
  /** Stage 1 is that family's stage 1 (the shared i-vector baseline) instead of a stage of its own. */
  firstStageOf?: string;
  /** Whether `units` sizes its speaker nodes (transform layers, speaker partitions). */
  hasUnits: boolean;
  /** The paper's Table 1 (TIMIT): test and dev PER of the final model. */
  paper?: { test: number; dev: number };
}

const direct = (): LayerInput => ({ nodes: [], source: IVECTOR });

/** A sigmoid transform of the i-vector of its own before layer l, `depth` layers deep (eq. 4-5). */
const transform = (depth: number) => (l: number, units: number): LayerInput => {
  const nodes: SpeakerNode[] = [];
  for (let j = 1; j <= depth; j++) {
    nodes.push({ name: `transform${l + 1}.${j}`, input: j === 1 ? IVECTOR : nodes[j - 2].name, units });
  }
  return { nodes, source: nodes[depth - 1].name };
};

/**
 * The registry, in the order tables list it. The i-vector baseline (Fig. 1b) is the extended family's stage 1; the
 * Partitioned DNN starts from it too.
 */
export const MODELS: ModelSpec[] = [
  {
    name: "extended",
    title: "Extended i-vector",
    layer: direct, // Fig. 1c, eq. 2-3
    hasUnits: false,
    paper: { test: 18.7, dev: 17.6 },
  },
  {
    name: "transform1",
    title: "Extended i-vector 1-layer",
    layer: transform(1), // Fig. 2b, eq. 4
    hasUnits: true,
    paper: { test: 18.5, dev: 17.9 },
  },
  {
    name: "transform2",
    title: "Extended i-vector 2-layer",
    layer: transform(2), // eq. 5
    hasUnits: true,
    paper: { test: 18.7, dev: 17.7 },
  },
  {
    name: "partitioned",
    title: "Partitioned DNN",
    // Fig. 2c, eq. 6-7: layer 1 takes the i-vector (s^0); layer l > 1 the speaker partition s^(l-1) of the layer
    // below, itself computed from the partition below it
    layer: (l, units) =>
      l === 0 ? direct() : {
        nodes: [{ name: `partition${l}`, input: l === 1 ? IVECTOR : `partition${l - 1}`, units }],
        source: `partition${l}`,
      },
    firstStageOf: "extended",
    hasUnits: true,
    paper: { test: 18.2, dev: 17.5 },
  },
  {
    name: "control",
    title: "Initial DNN, trained on without i-vectors (control)",
    layer: null,
    hasUnits: false,
  },
];

/** Models that only the ablations train, beside the registry (experiments/ablations/). */
export const VARIANT_MODELS: ModelSpec[] = [
  {
    name: "partitioned-linear",
    title: "Partitioned DNN, linear speaker partitions",
    // eq. 7 without its sigmoid: s^l = W_t^l s^(l-1) + b_t^l
    layer: (l, units) => {
      const input = model("partitioned").layer!(l, units);
      return { ...input, nodes: input.nodes.map((n) => ({ ...n, linear: true })) };
    },
    firstStageOf: "extended",
    hasUnits: true,
  },
];

/** The i-vector baseline: stage 1 of the extended family. */
export const IVECTOR_BASELINE = {
  model: "extended",
  folder: "baseline",
  title: "i-vector baseline",
  paper: { test: 18.7, dev: 17.8 },
};

/** The paper's Table 1 row of the initial DNN. */
export const INITIAL_DNN = { title: "Initial DNN", paper: { test: 19.1, dev: 18.3 } };

export function model(name: string): ModelSpec {
  const all = [...MODELS, ...VARIANT_MODELS], m = all.find((m) => m.name === name);
  if (!m) throw new Error(`unknown model '${name}' (${all.map((m) => m.name).join(", ")})`);
  return m;
}

/** The graph of stage k of a model: speaker input into the k lowest of the layers `dims` describes. */
export function stageSpec(
  m: ModelSpec,
  k: number,
  units: number,
  dims: number[],
  speakerDim: number,
): NetworkSpec {
  const layers = dims.length - 1;
  if (k < 1 || k > layers) throw new Error(`${m.name}: stage ${k} is not in 1..${layers}`);
  const nodes: SpeakerNode[] = [], speakerInputs: (string | null)[] = [];
  for (let l = 0; l < layers; l++) {
    const input = m.layer && l < k ? m.layer(l, units) : null;
    if (input) nodes.push(...input.nodes);
    speakerInputs.push(input?.source ?? null);
  }
  return { dims, speakerDim: m.layer ? speakerDim : 0, nodes, speakerInputs };
}

/** Where stage k of a model lives under the speaker-aware root. */
export function stageFolder(m: ModelSpec, k: number, units: number): string {
  if (k === 1 && m.firstStageOf) return stageFolder(model(m.firstStageOf), 1, units);
  if (k === 1 && m.name === IVECTOR_BASELINE.model) return IVECTOR_BASELINE.folder;
  return m.hasUnits ? `${m.name}-${units}_${k}` : `${m.name}_${k}`;
}
