// Pipeline: the registry's models (sec. 3.3), each stage warm-started from the one below it and trained in two newbob steps, progressively layer by layer; every stage decoded.
import { type Split, SPLITS } from "../corpus/timit.ts";
import { join } from "node:path";
import { totals } from "../decode/hyps.ts";
import {
  DECODE_DEFAULTS,
  type DecodeConfig,
  type Decoded,
  type EvalSplit,
  extendedLines,
} from "../decode/search.ts";
import { formatCounts } from "../decode/score.ts";
import { type BackendChoice, initBackend, productsTag } from "../nnet/backend.ts";
import { loadParameters, saveParameters } from "../nnet/checkpoint.ts";
import type { DnnConfig } from "../nnet/config.ts";
import type { FrameSet } from "../nnet/data.ts";
import { model, type ModelSpec, stageFolder, stageSpec } from "../nnet/models.ts";
import { Network, type NetworkSpec } from "../nnet/network.ts";
import { type EpochLog, trainNewbob } from "../nnet/train.ts";
import { Rng } from "../util/rng.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { logTo, trainingData } from "./dnn.ts";
import { decodeHybrid, HybridSetup } from "./hybrid.ts";
import { readIvectors } from "./ivector.ts";
import { keyHash, runStage, type Stage, stageMade } from "./stage.ts";

export interface SpeakerStageSummary extends Decoded {
  model: string;
  /** Layers with speaker input (the stage's place in its chain), and the units of its speaker nodes. */
  stage: number;
  units: number;
  spec: NetworkSpec;
  /** The stage it was warm-started from (from scratch: whose RBMs it started from, or the initial DNN). */
  parent: string;
  /** Set when the stage was trained from scratch (absent: warm-started). */
  start?: Exclude<StageStart, "warm">;
  parameters: number;
  steps: { newOnly: EpochLog[]; all: EpochLog[] };
  seconds: { newOnly: number; all: number; decode: number };
  backend: string;
  blas: string | null;
  /** What ran the wasm backend's matrix products (BackendInfo.matmul); absent in summaries from before it. */
  matmul?: string | null;
  config: DnnConfig;
}

export type SpeakerStage = Stage<SpeakerStageSummary>;

/** The acoustic network's layer sizes: spliced input, the hidden layers, the senones. */
const acousticDims = (c: DnnConfig, h: HybridSetup) => [
  (2 * c.context + 1) * h.cmvn.dim,
  ...Array(c.hiddenLayers).fill(c.hiddenDim),
  h.numPdfs,
];

/**
 * Which i-vector each speaker gets, for the ablations: another speaker's of the same split (a seeded derangement),
 * or one training speaker's, the same for every speaker of every split. Absent: its own.
 */
export type IvectorSource = "shuffled" | "constant";

/**
 * Each utterance's speaker vector: its speaker's i-vector (from all of the speaker's utterances in that split),
 * every dimension shifted and scaled to zero mean and unit variance over the training speakers. `override`
 * replaces the stored i-vectors of dev or test speakers (re-estimated ones, say); `source` hands speakers other
 * speakers' vectors (the shuffle seeded by `seed`).
 */
export function speakerVectors(
  ivectorDir: string,
  h: HybridSetup,
  override?: Partial<Record<EvalSplit, Map<string, Float32Array>>>,
  source?: IvectorSource,
  seed = 1,
): Record<Split, (key: string) => Float32Array> {
  const trainPairs = [...readIvectors(ivectorDir, "train", "spk")], train = trainPairs.map(([, v]) => v);
  const dim = train[0].length, mean = new Float64Array(dim), sd = new Float64Array(dim);
  for (const v of train) v.forEach((x, i) => (mean[i] += x / train.length));
  for (const v of train) v.forEach((x, i) => (sd[i] += (x - mean[i]) ** 2 / train.length));
  sd.forEach((v, i) => (sd[i] = Math.sqrt(v) || 1));
  const forSplit = (split: "train" | EvalSplit) => {
    const replaced = override?.[split as EvalSplit];
    const own = replaced
      ? [...replaced]
      : split === "train"
      ? trainPairs
      : [...readIvectors(ivectorDir, split, "spk")];
    const given = source
      ? assignIvectors(own, trainPairs, source, new Rng(seed, `${source} i-vectors ${split}`))
      : own;
    const bySpeaker = new Map(
      given.map(([spk, v]) => [spk, Float32Array.from(v, (x, i) => (x - mean[i]) / sd[i])]),
    );
    const utt2spk = h.sets[split].utt2spk;
    return (key: string) => {
      const speaker = utt2spk.get(key), v = speaker === undefined ? undefined : bySpeaker.get(speaker);
      if (!v) {
        throw new Error(`${ivectorDir}/${split}: no i-vector for the speaker of '${key}' ('${speaker}')`);
      }
      return v;
    };
  };
  return Object.fromEntries(SPLITS.map((s) => [s, forSplit(s)])) as Record<
    Split,
    (key: string) => Float32Array
  >;
}

/**
 * The vector each speaker of a split gets under `source`. shuffled: another speaker's of the split, by a random
 * cyclic permutation (Sattolo's algorithm, so none keeps its own); a split of one speaker takes a random training
 * speaker's. constant: the first training speaker's (by id), for everyone.
 */
export function assignIvectors<T>(
  split: [string, T][],
  train: [string, T][],
  source: IvectorSource,
  rng: Rng,
): [string, T][] {
  const byId = (pairs: [string, T][]) => [...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted = byId(split), trainSorted = byId(train);
  if (source === "constant") return sorted.map(([spk]) => [spk, trainSorted[0][1]]);
  if (sorted.length === 1) return [[sorted[0][0], trainSorted[rng.int(trainSorted.length)][1]]];
  const order = sorted.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return sorted.map(([spk], i) => [spk, sorted[order[i]][1]]);
}

/**
 * The decoding grid of the speaker-aware stages: the initial DNN's acoustic scale and `neighbours` scales on each
 * side of it (of the grid as its search widened it), at its insertion penalty.
 */
export function gridAround(
  initial: Pick<Decoded, "acousticScale" | "insertionPenalty" | "devGrid">,
  neighbours: number,
  d: DecodeConfig = DECODE_DEFAULTS,
): DecodeConfig {
  const scale = initial.acousticScale, penalty = initial.insertionPenalty;
  const tried = initial.devGrid.map((g) => g.acousticScale);
  const scales = [...new Set([...d.acousticScales, ...tried])].sort((a, b) => a - b);
  const at = scales.indexOf(scale);
  if (at < 0) throw new Error(`acoustic scale ${scale} is not in the grid ${scales.join(", ")}`);
  return {
    ...d,
    acousticScales: scales.slice(Math.max(0, at - neighbours), at + neighbours + 1),
    insertionPenalties: [penalty],
  };
}

/** The training data with speaker vectors, kept loaded across the stages of one run that share it. */
let loaded: {
  key: string;
  hybrid: HybridSetup;
  speakerOf: ReturnType<typeof speakerVectors>;
  data: { train: FrameSet; cv: FrameSet };
} | null = null;

function loadTrainingData(o: SpeakerStageInputs) {
  const key = JSON.stringify([
    o.aliDir,
    o.ivectorDir,
    o.ivectorSource,
    o.ivectorSource && o.seed, // the shuffle's seed
    o.config.cvFraction,
    o.config.seed,
    o.config.context,
  ]);
  if (loaded?.key !== key) {
    if (loaded) loaded.data.train.free(), loaded.data.cv.free();
    const hybrid = new HybridSetup(o.aliDir),
      speakerOf = speakerVectors(o.ivectorDir, hybrid, undefined, o.ivectorSource, o.seed);
    const { data } = trainingData(hybrid, o.config);
    for (const set of [data.train, data.cv]) set.attachSpeakers(speakerOf.train);
    loaded = { key, hybrid, speakerOf, data };
  }
  return loaded;
}

export interface SpeakerStageInputs {
  /** The seed of these stages (their new weights, frame order); the CV split is the initial DNN's (config.seed). */
  seed: number;
  aliDir: string;
  ivectorDir: string;
  /** The stage hash of the i-vectors, for the stage keys. */
  ivectorHash: string;
  /** Other speakers' i-vectors in place of each speaker's own (ablations); absent for its own. */
  ivectorSource?: IvectorSource;
  config: DnnConfig;
  backend: BackendChoice;
  decode: DecodeConfig;
  command: string;
  jobs?: number;
}

const speakerStageKey = (
  m: ModelSpec,
  k: number,
  units: number,
  parentHash: string,
  o: SpeakerStageInputs,
  extra: boolean,
) => ({
  stage: "speaker-dnn",
  model: m.name,
  round: k,
  units: m.hasUnits ? units : 0,
  config: stageConfig(o),
  decode: o.decode,
  extra,
  parent: parentHash,
  ivectors: o.ivectorHash,
  ivectorSource: o.ivectorSource, // absent (so left out of the key) for the speakers' own
});

/** `c` with step 2's rate lowered to where `initial`'s newbob ended, where the profile asks (continueRate). */
export function warmStartConfig(c: DnnConfig, initial: { epochs: { learnRate: number }[] }): DnnConfig {
  const ended = initial.epochs.at(-1)?.learnRate;
  if (!c.speaker.continueRate || ended === undefined || ended >= c.speaker.all.learnRate) return c;
  return { ...c, speaker: { ...c.speaker, all: { ...c.speaker.all, learnRate: ended } } };
}

/**
 * How a stage's network starts: warm, from its parent's weights (new ones random), trained in the two warm-start
 * steps; or from scratch, random or with the hidden layers of its parent's RBMs (the parent is the initial DNN),
 * trained in one step over all weights with the initial DNN's schedule.
 */
export type StageStart = "warm" | "random" | "rbm";

/** The DNN config a speaker-aware stage trains with: the experiment's, with the stages' seed. */
const stageConfig = (o: SpeakerStageInputs): DnnConfig => ({ ...o.config, seed: o.seed });

/**
 * Stage k of a model in `dir`: the network of its graph takes every weight `parent`'s final.params.ark has (names
 * match), the rest start random; step 1 trains the new weights only, step 2 all (newbob each, checkpointed in
 * train_new/ and train_all/); then dev and test are decoded with each speaker's i-vector on every frame. The
 * round k and the stages' seed give the order of the training frames, the same for every chain at the same round.
 * `start` other than warm trains the stage from scratch instead (see StageStart). `extra`: decode the extra test
 * speakers too.
 */
export function runSpeakerStage(
  m: ModelSpec,
  k: number,
  units: number,
  parent: Stage<unknown>,
  dir: string,
  o: SpeakerStageInputs,
  start: StageStart = "warm",
  extra = true,
): Promise<SpeakerStage> {
  const c = stageConfig(o);
  // each round and seed draws its own frames (epochs over a fraction of them would otherwise repeat); the
  // profile's own seed keeps the draws stages had before there were seeds
  const base = o.config.seed + 1000 * k + 2 * (o.seed - o.config.seed);
  const seeds = { newOnly: base, all: base + 1 };
  const key = {
    ...speakerStageKey(m, k, units, parent.hash, o, extra),
    start: start === "warm" ? undefined : start,
  };
  return runStage(dir, key, async (out) => {
    const log = logTo(join(out, "log.txt"), `${m.name} ${k}`);
    const info = await initBackend(o.backend);
    const { hybrid, speakerOf, data } = loadTrainingData(o);
    const spec = stageSpec(m, k, units, acousticDims(c, hybrid), data.train.speakerDim);
    const net = Network.create(
      spec,
      new Rng(c.seed, `speaker net ${m.name} ${k}`),
      c.initStddev,
      c.speaker.newWeightStddev,
    );
    const named = net.namedParameters();
    let t = performance.now(), step1: Awaited<ReturnType<typeof trainNewbob>> | null = null;
    if (start === "warm") {
      const kept = loadParameters(join(parent.dir, "final.params.ark"), named, true);
      const fresh = named.map(([n]) => n).filter((n) => !kept.has(n));
      if (!fresh.length && m.layer) {
        throw new Error(`${dir}: ${parent.dir} already has every weight of this model`);
      }
      log(`warm start from ${parent.dir}: ${kept.size} parameters kept, new: ${fresh.join(", ") || "none"}`);
      net.trainable = new Set(fresh);
      if (fresh.length) {
        step1 = await trainNewbob(
          net,
          data,
          { ...c, ...c.speaker.newOnly, seed: seeds.newOnly },
          join(out, "train_new"),
          log,
        );
      }
    } else if (start === "rbm") {
      if (!c.rbm) throw new Error(`${dir}: the initial DNN ${parent.dir} was not pretrained (rbm: null)`);
      // the initial DNN's RBMs under its hidden layers, one file a layer, each stored as a one-layer stack
      for (let l = 0; l < c.hiddenLayers; l++) {
        const layer = net.layers[l];
        loadParameters(join(parent.dir, "pretrain", `rbm${l + 1}.params.ark`), [
          ["affine1.weight", layer.w],
          ["affine1.bias", layer.b],
        ]);
      }
      log(`from ${parent.dir}'s RBMs, the output layer and the speaker weights random`);
    } else log("from random weights");
    const newOnlySeconds = (performance.now() - t) / 1000;
    t = performance.now();
    net.trainable = null;
    // from scratch: one step over all weights with the initial DNN's schedule
    const step2 = await trainNewbob(
      net,
      data,
      start === "warm" ? { ...c, ...c.speaker.all, seed: seeds.all } : { ...c, seed: seeds.all },
      join(out, "train_all"),
      log,
      step1?.cv,
    );
    const allSeconds = (performance.now() - t) / 1000;
    await saveParameters(join(out, "final.params.ark"), net.namedParameters());
    const result = await decodeHybrid(net, hybrid, c, o.decode, out, {
      speakerOf: net.takesSpeaker ? speakerOf : undefined,
      extra,
      jobs: o.jobs,
      log,
    });
    const summary: SpeakerStageSummary = {
      model: m.name,
      stage: k,
      units: key.units,
      spec,
      parent: parent.dir,
      ...(start === "warm" ? {} : { start }),
      parameters: net.size,
      ...totals(result),
      acousticScale: result.acousticScale,
      insertionPenalty: result.insertionPenalty,
      devGrid: result.devGrid,
      steps: { newOnly: step1?.epochs ?? [], all: step2.epochs },
      seconds: { newOnly: newOnlySeconds, all: allSeconds, decode: result.decodeSeconds },
      backend: info.name,
      blas: info.blas,
      matmul: info.matmul,
      config: c,
    };
    net.dispose();
    log(`dev ${formatCounts(summary.dev)}; test ${formatCounts(summary.test)}`);
    writeFileAtomic(join(out, "RESULTS.md"), stageResults(o.command, m, summary));
    return summary;
  }, { resumable: true });
}

/** A finished stage's network: its graph from results.json, its weights from final.params.ark. */
export function loadNetwork(stage: SpeakerStage): Network {
  const net = Network.create(stage.summary.spec, new Rng(0, "weights loaded below"));
  loadParameters(join(stage.dir, "final.params.ark"), net.namedParameters());
  return net;
}

/**
 * Progressive training of one model (sec. 3.3): stage 1 from the initial DNN (or the stage 1 it shares), stage k
 * from stage k - 1, up to speaker input into every layer including the output (hidden layers + 1 stages), under
 * `root`. Stages already made are reused. The first and the last stage also decode the extra test speakers (the
 * i-vector baseline and the final models are what Table 1 reports on the extended test).
 */
export async function runChain(
  m: ModelSpec,
  units: number,
  initialDnn: Stage<unknown>,
  root: string,
  o: SpeakerStageInputs,
  rounds = o.config.hiddenLayers + 1,
): Promise<SpeakerStage[]> {
  const stages: SpeakerStage[] = [];
  let parent = initialDnn;
  for (let k = 1; k <= rounds; k++) {
    const owner = stageOwner(m, k);
    const dir = join(root, stageFolder(owner, k, units));
    const made = await runSpeakerStage(owner, k, units, parent, dir, o, "warm", withExtra(k, rounds));
    console.error(
      `[speaker-dnn] ${m.title}${m.hasUnits ? ` (${units} units)` : ""}, ${k} round${
        k > 1 ? "s" : ""
      } (${made.dir}): ` +
        `dev ${formatCounts(made.summary.dev)}; test ${formatCounts(made.summary.test)}`,
    );
    stages.push(made);
    parent = made;
  }
  return stages;
}

const withExtra = (k: number, rounds: number) => k === 1 || k === rounds;

/** The model whose stage k this is: stage 1 of a model that shares it belongs to the model it shares. */
export const stageOwner = (
  m: ModelSpec,
  k: number,
) => (k === 1 && m.firstStageOf ? model(m.firstStageOf) : m);

/**
 * The folder, owner model and hash of each of the first `rounds` stages of a chain, as runChain makes them; without
 * inputs (`o` null) only their folders (hash null).
 */
export function chainStages(
  m: ModelSpec,
  units: number,
  initialHash: string,
  root: string,
  o: SpeakerStageInputs | null,
  rounds: number,
): { dir: string; owner: ModelSpec; round: number; extra: boolean; hash: string | null }[] {
  const stages = [];
  let parentHash = initialHash;
  for (let k = 1; k <= rounds; k++) {
    const owner = stageOwner(m, k), extra = withExtra(k, rounds);
    const hash = o && keyHash(speakerStageKey(owner, k, units, parentHash, o, extra));
    stages.push({ dir: join(root, stageFolder(owner, k, units)), owner, round: k, extra, hash });
    parentHash = hash ?? "";
  }
  return stages;
}

/** Whether the first `rounds` stages of a chain are made, with these inputs, so that runChain would only read them. */
export function chainMade(...[m, units, initialDnn, root, o, rounds]: Parameters<typeof runChain>): boolean {
  return chainStages(m, units, initialDnn.hash, root, o, rounds ?? o.config.hiddenLayers + 1)
    .every((s) => stageMade(s.dir, s.hash!));
}

function stageResults(command: string, m: ModelSpec, s: SpeakerStageSummary): string {
  const epochRows = (step: string, epochs: EpochLog[]) =>
    epochs.map((e) =>
      `| ${step} | ${e.epoch} | ${e.learnRate.toPrecision(3)} | ${e.trainLoss.toFixed(4)} | ${
        e.cvLoss.toFixed(4)
      } | ${(100 * e.cvAccuracy).toFixed(2)} | ${e.accepted ? "yes" : "no"} | ${
        e.framesPerSecond.toFixed(0)
      } |`
    );
  return [
    `# ${command}`,
    "",
    `${m.title}${s.units ? ` (${s.units} speaker units)` : ""}, ${
      m.layer
        ? `speaker input into ${s.stage} layer(s)`
        : `round ${s.stage} of further training without speaker input`
    }, ${s.parameters} parameters, ${
      s.start === "random"
        ? "trained from random weights"
        : s.start === "rbm"
        ? `trained from the RBMs of ${s.parent}`
        : `warm-started from ${s.parent}`
    }; backend ${s.backend}${productsTag(s)}.`,
    `Acoustic scale ${s.acousticScale}, insertion penalty ${s.insertionPenalty} (dev).`,
    "",
    `dev:  ${formatCounts(s.dev)}`,
    `test: ${formatCounts(s.test)}`,
    ...extendedLines(s),
    "",
    s.start
      ? `One step over all weights ${s.seconds.all.toFixed(0)} s, decoding ${s.seconds.decode.toFixed(0)} s.`
      : `Step 1 (new weights) ${s.seconds.newOnly.toFixed(0)} s, step 2 (all) ${
        s.seconds.all.toFixed(0)
      } s, decoding ${s.seconds.decode.toFixed(0)} s.`,
    "",
    "| step | epoch | rate | train loss | CV loss | CV acc % | accepted | frames/s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...epochRows("new weights", s.steps.newOnly),
    ...epochRows("all", s.steps.all),
    "",
  ].join("\n");
}
