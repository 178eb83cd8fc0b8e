// Pipeline: speaker-aware DNNs (sec. 3.3), each warm-started from the model below it and trained in two newbob steps, progressively layer by layer; every stage decoded.
import { join } from "node:path";
import { type ErrorCounts, formatCounts } from "../decode/score.ts";
import { type BackendChoice, initBackend } from "../nnet/backend.ts";
import { loadParameters, saveParameters } from "../nnet/checkpoint.ts";
import type { DnnConfig } from "../nnet/config.ts";
import type { FrameSet } from "../nnet/data.ts";
import { type SpeakerArch, type SpeakerModel, SpeakerNet } from "../nnet/speaker.ts";
import { type EpochLog, trainNewbob } from "../nnet/train.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { logTo, trainingData } from "./dnn.ts";
import { DECODE_DEFAULTS, type DecodeConfig } from "./gmm.ts";
import { decodeHybrid, type EvalSplit, HybridSetup } from "./hybrid.ts";
import { readIvectors } from "./ivector.ts";
import { runStage } from "./stage.ts";

export interface SpeakerStageSummary {
  arch: SpeakerArch;
  /** The stage it was warm-started from. */
  parent: string;
  parameters: number;
  dev: ErrorCounts;
  test: ErrorCounts;
  acousticScale: number;
  insertionPenalty: number;
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
  steps: { newOnly: EpochLog[]; all: EpochLog[] };
  seconds: { newOnly: number; all: number; decode: number };
  backend: string;
  blas: string | null;
}

/** A made stage: its summary and its folder. */
export type SpeakerStage = SpeakerStageSummary & { dir: string };

/** The acoustic network's layer sizes: spliced input, the hidden layers, the senones. */
export const acousticDims = (c: DnnConfig, h: HybridSetup) => [
  (2 * c.context + 1) * h.cmvn.dim,
  ...Array(c.hiddenLayers).fill(c.hiddenDim),
  h.numPdfs,
];

const stageHash = (dir: string): string => JSON.parse(Deno.readTextFileSync(join(dir, "stage.json"))).hash;

/**
 * Each utterance's speaker vector: its speaker's i-vector (from all of the speaker's utterances in that split),
 * every dimension shifted and scaled to zero mean and unit variance over the training speakers. `override`
 * replaces the stored i-vectors of dev or test speakers (re-estimated ones, say).
 */
export function speakerVectors(
  ivectorDir: string,
  h: HybridSetup,
  override?: Partial<Record<EvalSplit, Map<string, Float32Array>>>,
): Record<"train" | EvalSplit, (key: string) => Float32Array> {
  const train = [...readIvectors(ivectorDir, "train", "spk").values()];
  const dim = train[0].length, mean = new Float64Array(dim), sd = new Float64Array(dim);
  for (const v of train) v.forEach((x, i) => (mean[i] += x / train.length));
  for (const v of train) v.forEach((x, i) => (sd[i] += (x - mean[i]) ** 2 / train.length));
  sd.forEach((v, i) => (sd[i] = Math.sqrt(v) || 1));
  const forSplit = (split: "train" | EvalSplit) => {
    const bySpeaker = new Map(
      [...(override?.[split as EvalSplit] ?? readIvectors(ivectorDir, split, "spk"))].map((
        [spk, v],
      ) => [spk, Float32Array.from(v, (x, i) => (x - mean[i]) / sd[i])]),
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
  return { train: forSplit("train"), dev: forSplit("dev"), test: forSplit("test") };
}

/**
 * The decoding grid of the speaker-aware stages: the initial DNN's acoustic scale and `neighbours` scales of the
 * grid on each side of it, at its insertion penalty.
 */
export function gridAround(
  scale: number,
  penalty: number,
  neighbours: number,
  d: DecodeConfig = DECODE_DEFAULTS,
): DecodeConfig {
  const scales = [...d.acousticScales].sort((a, b) => a - b), at = scales.indexOf(scale);
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
  const key = JSON.stringify([o.aliDir, o.ivectorDir, o.config.cvFraction, o.config.seed, o.config.context]);
  if (loaded?.key !== key) {
    if (loaded) loaded.data.train.free(), loaded.data.cv.free();
    const hybrid = new HybridSetup(o.aliDir), speakerOf = speakerVectors(o.ivectorDir, hybrid);
    const { data } = trainingData(hybrid, o.config);
    for (const set of [data.train, data.cv]) set.attachSpeakers(speakerOf.train);
    loaded = { key, hybrid, speakerOf, data };
  }
  return loaded;
}

export interface SpeakerStageInputs {
  aliDir: string;
  ivectorDir: string;
  config: DnnConfig;
  backend: BackendChoice;
  decode: DecodeConfig;
  command: string;
  jobs?: number;
}

/**
 * One speaker-aware model in `dir`: the network of `arch` takes every weight `parentDir`'s final.params.ark has
 * (names match), the rest start random; step 1 trains the new weights only, step 2 all (newbob each, checkpointed
 * in train_new/ and train_all/); then dev and test are decoded with each speaker's i-vector on every frame.
 * `round` is the stage's place in its chain (1, 2, ...): it seeds the order of the training frames, the same for
 * every chain at the same round.
 */
export async function runSpeakerStage(
  arch: SpeakerArch,
  round: number,
  parentDir: string,
  dir: string,
  o: SpeakerStageInputs,
): Promise<SpeakerStage> {
  const c = o.config;
  // each round of a chain draws its own frames (epochs over a fraction of them would otherwise repeat)
  const seeds = { newOnly: c.seed + 1000 * round, all: c.seed + 1000 * round + 1 };
  const key = {
    stage: "speaker-dnn",
    arch,
    round,
    config: c,
    decode: o.decode,
    parent: stageHash(parentDir),
    ivectors: stageHash(o.ivectorDir),
  };
  await runStage(dir, key, async (out) => {
    const log = logTo(join(out, "log.txt"), `${arch.model} ${arch.speakerLayers}`);
    const info = await initBackend(o.backend);
    const { hybrid, speakerOf, data } = loadTrainingData(o);
    const net = SpeakerNet.create(
      arch,
      acousticDims(c, hybrid),
      data.train.speakerDim,
      c.seed,
      c.initStddev,
      c.speaker.newWeightStddev,
    );
    const named = net.namedParameters();
    const kept = loadParameters(join(parentDir, "final.params.ark"), named, true);
    const fresh = named.map(([n]) => n).filter((n) => !kept.has(n));
    if (!fresh.length && arch.speakerLayers > 0) {
      throw new Error(`${dir}: ${parentDir} already has every weight of this model`);
    }
    log(`warm start from ${parentDir}: ${kept.size} parameters kept, new: ${fresh.join(", ") || "none"}`);
    let t = performance.now();
    net.trainable = new Set(fresh);
    const step1 = fresh.length
      ? await trainNewbob(
        net,
        data,
        { ...c, ...c.speaker.newOnly, seed: seeds.newOnly },
        join(out, "train_new"),
        log,
      )
      : { epochs: [], cv: undefined };
    const newOnlySeconds = (performance.now() - t) / 1000;
    t = performance.now();
    net.trainable = null;
    const step2 = await trainNewbob(
      net,
      data,
      { ...c, ...c.speaker.all, seed: seeds.all },
      join(out, "train_all"),
      log,
      step1.cv,
    );
    const allSeconds = (performance.now() - t) / 1000;
    await saveParameters(join(out, "final.params.ark"), net.namedParameters());
    const result = await decodeHybrid(net, hybrid, c, o.decode, out, speakerOf, o.jobs);
    const summary: SpeakerStageSummary = {
      arch,
      parent: parentDir,
      parameters: net.size,
      dev: result.dev.total,
      test: result.test.total,
      acousticScale: result.acousticScale,
      insertionPenalty: result.insertionPenalty,
      devGrid: result.devGrid,
      steps: { newOnly: step1.epochs, all: step2.epochs },
      seconds: { newOnly: newOnlySeconds, all: allSeconds, decode: result.decodeSeconds },
      backend: info.name,
      blas: info.blas,
    };
    net.dispose();
    log(`dev ${formatCounts(summary.dev)}; test ${formatCounts(summary.test)}`);
    writeFileAtomic(join(out, "results.json"), JSON.stringify({ config: c, ...summary }, null, 2) + "\n");
    writeFileAtomic(join(out, "RESULTS.md"), stageResults(o.command, summary));
  }, { resumable: true });
  return { dir, ...JSON.parse(Deno.readTextFileSync(join(dir, "results.json"))) };
}

/** Stages 1 .. hidden layers + 1, each warm-started from the one before (the first from the initial DNN). */
async function runChain(
  initialDnnDir: string,
  o: SpeakerStageInputs,
  stage: (k: number) => { arch: SpeakerArch; dir: string; label: string },
): Promise<SpeakerStage[]> {
  const stages: SpeakerStage[] = [];
  let parent = initialDnnDir;
  for (let k = 1; k <= o.config.hiddenLayers + 1; k++) {
    const { arch, dir, label } = stage(k);
    const made = await runSpeakerStage(arch, k, parent, dir, o);
    console.error(
      `[speaker-dnn] ${label} (${made.dir}): dev ${formatCounts(made.dev)}; test ${formatCounts(made.test)}`,
    );
    stages.push(made);
    parent = made.dir;
  }
  return stages;
}

/**
 * The control: the initial DNN trained on exactly as a speaker-aware stage's step 2, with no speaker input, k
 * times (continued_K/), so that a gain can be told apart from the extra training the speaker-aware stages get.
 */
export function runContinued(
  initialDnnDir: string,
  root: string,
  o: SpeakerStageInputs,
): Promise<SpeakerStage[]> {
  return runChain(initialDnnDir, o, (k) => ({
    arch: { model: "extended", speakerLayers: 0, speakerUnits: 0 },
    dir: join(root, `continued_${k}`),
    label: `control (no speaker input), ${k} round${k > 1 ? "s" : ""} of further training`,
  }));
}

/** Where a model family's stage k lives; the i-vector baseline (stage 1 of extended and partitioned) is shared. */
export function stageDir(root: string, model: SpeakerModel, k: number, units: number): string {
  if (k === 1 && (model === "extended" || model === "partitioned")) return join(root, "baseline");
  return join(root, model === "extended" ? `extended_${k}` : `${model}-${units}_${k}`);
}

/**
 * Progressive training of one model family (sec. 3.3): stage 1 from the initial DNN, stage k from stage k - 1,
 * up to speaker input into every layer including the output (hidden layers + 1 stages). Stages already made are
 * reused.
 */
export function runProgressive(
  model: SpeakerModel,
  units: number,
  initialDnnDir: string,
  root: string,
  o: SpeakerStageInputs,
): Promise<SpeakerStage[]> {
  return runChain(initialDnnDir, o, (k) => {
    const baseline = k === 1 && (model === "extended" || model === "partitioned");
    return {
      arch: baseline
        ? { model: "extended", speakerLayers: 1, speakerUnits: 0 }
        : { model, speakerLayers: k, speakerUnits: model === "extended" ? 0 : units },
      dir: stageDir(root, model, k, units),
      label: `${model}${model === "extended" ? "" : ` (${units} units)`}, speaker input into ${k} layer${
        k > 1 ? "s" : ""
      }`,
    };
  });
}

function stageResults(command: string, s: SpeakerStageSummary): string {
  const a = s.arch;
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
    `Speaker-aware DNN: ${a.model}${
      a.speakerUnits ? ` (${a.speakerUnits} speaker units)` : ""
    }, speaker input into ${a.speakerLayers} layer(s), ` +
    `${s.parameters} parameters, warm-started from ${s.parent}; backend ${s.backend}${
      s.blas ? " + BLAS" : ""
    }.`,
    `Acoustic scale ${s.acousticScale}, insertion penalty ${s.insertionPenalty} (dev).`,
    "",
    `dev:  ${formatCounts(s.dev)}`,
    `test: ${formatCounts(s.test)}`,
    "",
    `Step 1 (new weights) ${s.seconds.newOnly.toFixed(0)} s, step 2 (all) ${
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
