// What every experiment script shares: its options, the stages before the speaker-aware DNNs, and where they live.
import { join } from "node:path";
import { formatCounts } from "../decode/score.ts";
import type { BackendChoice } from "../nnet/backend.ts";
import { DNN_PROFILES, type DnnConfig } from "../nnet/config.ts";
import { applyOverrides, parseArgs, splitOverrides, UsageError } from "../util/args.ts";
import { runSatAlignments } from "./alignments.ts";
import { CORPUS_OPTION, prepareCorpus } from "./corpus.ts";
import { type DnnSummary, runDnn } from "./dnn.ts";
import { mfccFeatures } from "./features.ts";
import { type GmmStageSummary, ladderTable, runMono, runTri1, runTri2, runTri3 } from "./gmm.ts";
import { IVECTOR_FMLLR, runIvectors } from "./ivector.ts";
import { readDataDir } from "../io/datadir.ts";
import type { SpeakerModel } from "../nnet/speaker.ts";
import { type Significance, significance } from "./hybrid.ts";
import {
  gridAround,
  runContinued,
  runProgressive,
  type SpeakerStage,
  type SpeakerStageInputs,
} from "./speaker_dnn.ts";

export const EXPERIMENT_OPTIONS = {
  corpus: CORPUS_OPTION,
  profile: { kind: "string", default: "cpu", help: `DNN profile: ${Object.keys(DNN_PROFILES).join(", ")}` },
  backend: { kind: "string", default: "auto", help: "tfjs backend: auto, webgpu, wasm, cpu" },
} as const;

export interface ExperimentArgs {
  corpus: string;
  profile: string;
  backend: BackendChoice;
  config: DnnConfig;
  overrides: [string, string][];
  command: string;
}

/** --corpus, --profile, --backend and --key=value config overrides (validated against the profile's config). */
export function parseExperimentArgs(task: string, argv = Deno.args): ExperimentArgs {
  const { options, overrides } = splitOverrides(argv, EXPERIMENT_OPTIONS);
  const args = parseArgs(options, EXPERIMENT_OPTIONS);
  const base = DNN_PROFILES[args.profile];
  if (!base) {
    throw new UsageError(`unknown profile '${args.profile}' (${Object.keys(DNN_PROFILES).join(", ")})`);
  }
  if (!["auto", "webgpu", "wasm", "cpu"].includes(args.backend)) {
    throw new UsageError(`--backend: '${args.backend}' is not one of auto, webgpu, wasm, cpu`);
  }
  const config = applyOverrides(base, overrides);
  console.error(
    `DNN config (${args.profile}${overrides.length ? " + overrides" : ""}): ${JSON.stringify(config)}`,
  );
  return {
    corpus: args.corpus,
    profile: args.profile,
    backend: args.backend as BackendChoice,
    config,
    overrides,
    command: `deno task ${task} ${argv.join(" ")}`.trim(),
  };
}

/** Wall-clock seconds of each step in this run (a reused stage takes about none). */
export class Timings {
  readonly steps: { step: string; seconds: number }[] = [];
  private readonly start = performance.now();

  async time<T>(step: string, f: () => Promise<T>): Promise<T> {
    const t = performance.now(), r = await f();
    this.steps.push({ step, seconds: Math.round((performance.now() - t) / 100) / 10 });
    return r;
  }

  get total() {
    return Math.round((performance.now() - this.start) / 100) / 10;
  }
}

export interface SpeakerExperiment {
  exp: string;
  tri3: GmmStageSummary & { dir: string };
  dnn: DnnSummary & { dir: string };
  ivectorDir: string;
  /** Where the speaker-aware stages of this profile live. */
  speakerRoot: string;
  inputs: SpeakerStageInputs;
  timings: Timings;
}

/** Corpus, MFCC, the GMM ladder and tri3's alignments, each reused when already made; prints the ladder. */
export async function runLadder(a: ExperimentArgs, timings = new Timings()) {
  const corpus = await timings.time("corpus", () => prepareCorpus(a.corpus || null));
  const exp = join("exp", corpus.name), n = corpus.splits;
  console.log(
    `corpus ${corpus.root}: train ${n.train.length}, dev ${n.dev.length}, test ${n.test.length} utterances`,
  );
  const feats = await timings.time("features", () => mfccFeatures(corpus));
  const mono = await timings.time("mono", () => runMono(feats, join(exp, "mono"), a.command));
  const tri1 = await timings.time("tri1", () => runTri1(feats, mono.dir, join(exp, "tri1"), a.command));
  const tri2 = await timings.time("tri2", () => runTri2(feats, tri1.dir, join(exp, "tri2"), a.command));
  const tri3 = await timings.time("tri3", () => runTri3(feats, tri2.dir, join(exp, "tri3"), a.command));
  const ali = await timings.time("tri3_ali", () => runSatAlignments(feats, tri3.dir, join(exp, "tri3_ali")));
  console.log(ladderTable([
    { name: "mono", result: mono },
    { name: "tri1", result: tri1 },
    { name: "tri2", result: tri2 },
    { name: "tri3", result: tri3 },
  ]));
  return { exp, tri3, ali, feats };
}

/**
 * The ladder, the initial DNN and i-vectors on the fMLLR features: every stage the speaker-aware DNNs need, each
 * reused when already made. Prints one line per stage.
 */
export async function prepareSpeakerExperiment(a: ExperimentArgs): Promise<SpeakerExperiment> {
  const timings = new Timings();
  const { exp, tri3, ali } = await runLadder(a, timings);
  const dnn = await timings.time(
    "initial DNN",
    () => runDnn(ali.dir, tri3.dir, join(exp, `dnn_${a.profile}`), a.command, a.config, a.backend),
  );
  console.log(
    `initial DNN (${dnn.dir}/RESULTS.md, ${dnn.backend}${dnn.blas ? " + BLAS" : ""}): dev ${
      formatCounts(dnn.dev)
    }; test ${formatCounts(dnn.test)}`,
  );
  const fmllr = (split: string) => join(ali.dir, "feats", split);
  const fmllrDirs = { train: fmllr("train"), dev: fmllr("dev"), test: fmllr("test") };
  const ivectorDir = await timings.time(
    "i-vectors",
    () => runIvectors(fmllrDirs, join(exp, "ivector_fmllr"), IVECTOR_FMLLR),
  );
  console.log(
    `i-vectors (${IVECTOR_FMLLR.ivectorDim} dims, UBM ${IVECTOR_FMLLR.ubm.gaussians}, on the fMLLR features): ${ivectorDir}`,
  );
  return {
    exp,
    tri3,
    dnn,
    ivectorDir,
    speakerRoot: join(exp, `speaker_${a.profile}`),
    inputs: {
      aliDir: ali.dir,
      ivectorDir,
      config: a.config,
      backend: a.backend,
      decode: gridAround(dnn.acousticScale, dnn.insertionPenalty, a.config.speaker.decodeNeighbours),
      command: a.command,
    },
    timings,
  };
}

/** Trains (or reuses) every progressive stage of each model family; the partitioned one with `units` per partition. */
export async function runFamilies(
  x: SpeakerExperiment,
  models: SpeakerModel[],
  units = x.inputs.config.speaker.speakerUnits,
): Promise<Record<SpeakerModel, SpeakerStage[]>> {
  const out = {} as Record<SpeakerModel, SpeakerStage[]>;
  for (const model of models) {
    out[model] = await x.timings.time(
      `${model} (${x.inputs.config.hiddenLayers + 1} stages)`,
      () =>
        runProgressive(
          model,
          model === "partitioned" ? units : x.inputs.config.speaker.speakerUnits,
          x.dnn.dir,
          x.speakerRoot,
          x.inputs,
        ),
    );
  }
  return out;
}

/** The control: the initial DNN trained on as the speaker-aware stages are, without speaker input (one per stage). */
export function runControl(x: SpeakerExperiment): Promise<SpeakerStage[]> {
  return x.timings.time(
    `control (${x.inputs.config.hiddenLayers + 1} stages)`,
    () => runContinued(x.dnn.dir, x.speakerRoot, x.inputs),
  );
}

/** MAPSSWE on test between two stages' hypotheses (stage dirs holding decode_test/hyp.txt). */
export function testSignificance(x: SpeakerExperiment, dirA: string, dirB: string): Significance {
  const refs = readDataDir(join(x.inputs.aliDir, "feats", "test")).text;
  return significance(refs, join(dirA, "decode_test", "hyp.txt"), join(dirB, "decode_test", "hyp.txt"));
}

/** What every results JSON records about its run besides the numbers: command, config, seeds, backend, times. */
export function runRecord(a: ExperimentArgs, x: SpeakerExperiment) {
  return {
    command: a.command,
    profile: a.profile,
    overrides: a.overrides,
    config: a.config,
    seeds: { dnn: a.config.seed, ivector: IVECTOR_FMLLR.seed },
    backend: x.dnn.backend,
    blas: x.dnn.blas,
    timings: { steps: x.timings.steps, total: x.timings.total },
  };
}

/** The model names the paper's tables use. */
export const MODEL_NAMES: Record<SpeakerModel, string> = {
  extended: "Extended i-vector",
  transform1: "Extended i-vector 1-layer",
  transform2: "Extended i-vector 2-layer",
  partitioned: "Partitioned DNN",
};
