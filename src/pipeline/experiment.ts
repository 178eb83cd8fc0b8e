// What every experiment script shares: its options, the stages before the speaker-aware DNNs, the registry's chains.
import { join } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { type ErrorCounts, formatCounts } from "../decode/score.ts";
import { type Decoded, extendedTest } from "../decode/search.ts";
import { type BackendChoice, productsTag } from "../nnet/backend.ts";
import type { DnnConfig } from "../nnet/config.ts";
import { model, type ModelSpec } from "../nnet/models.ts";
import { JOB_USAGE, type JobOptions, type JobResult, parseJobArgs } from "../jobs/job.ts";
import { applyOverrides, parseArgs, splitOverrides, usage, UsageError } from "../util/args.ts";
import { type AlignmentSummary, runSatAlignments } from "./alignments.ts";
import { CORPUS_OPTION, prepareCorpus } from "./corpus.ts";
import { type DnnSummary, runDnn } from "./dnn.ts";
import { mfccFeatures } from "./features.ts";
import { type Significance, significance, testHyps, testRefs, type TestSet } from "./hybrid.ts";
import { type IvectorStageSummary, runIvectors } from "./ivector.ts";
import { type GmmStage, ladderTable, runLadder } from "./ladder.ts";
import { type Profile, PROFILES } from "./profiles.ts";
import {
  gridAround,
  runChain,
  type SpeakerStage,
  type SpeakerStageInputs,
  warmStartConfig,
} from "./speaker_dnn.ts";
import type { Stage } from "./stage.ts";

const EXPERIMENT_OPTIONS = {
  corpus: CORPUS_OPTION,
  profile: {
    kind: "string",
    default: "cpu",
    help: `experiment profile: ${Object.keys(PROFILES).join(", ")}`,
  },
  backend: { kind: "string", default: "auto", help: "tfjs backend: auto, webgpu, wasm, cpu" },
  nj: {
    kind: "int",
    default: navigator.hardwareConcurrency,
    help: "worker threads per stage (feature extraction, GMM training, decoding)",
  },
  seeds: {
    kind: "string",
    default: "",
    help:
      "seeds of the speaker-aware stages, comma-separated (default: the profile's count from config.seed on)",
  },
  "speaker-units": {
    kind: "string",
    default: "profile",
    help:
      "speaker units of Table 1 and Figure 3: profile (its speaker.speakerUnits) or table2 (the size of Table 2 with the lowest mean dev PER)",
  },
  exp: { kind: "string", default: "exp", help: "where the stage folders go (<exp>/<corpus name>/...)" },
  plan: {
    kind: "boolean",
    default: false,
    help:
      "train and decode nothing: list the stages the run would make, with times estimated on this machine",
  },
  "data-root": {
    kind: "string",
    default: "data/kaldi",
    help: "where the Kaldi data dirs go (<root>/<corpus name>/...)",
  },
} as const;

export interface ExperimentArgs {
  /** The command line less the job options: what each job of the grid is given. */
  argv: string[];
  corpus: string;
  expRoot: string;
  dataRoot: string;
  /** Worker threads per stage. */
  nj: number;
  /** Where and how many jobs the experiment grid runs as (--cmd, --jobs, --slurm.*). */
  run: JobOptions;
  profile: string;
  /** The profile's ladder and i-vectors, and its DNN config with the --key=value overrides applied. */
  ladder: Profile["ladder"];
  ivector: Profile["ivector"];
  probe: Profile["probe"];
  config: DnnConfig;
  /** The speaker-aware stages' seeds; the initial DNN is config.seed's, shared by all (a paired design). */
  seeds: number[];
  /** Where Table 1 and Figure 3 take their speaker units from (partition_size.ts). */
  speakerUnits: "profile" | "table2";
  backend: BackendChoice;
  overrides: [string, string][];
  command: string;
  /** --plan: print the stages the run would make and their estimated times instead of running. */
  plan: boolean;
}

/**
 * --corpus, --profile, --backend and --key=value overrides of the DNN config (validated against the profile's);
 * without --seeds, `seedCount` of the profile's seeds.
 */
export function parseExperimentArgs(
  task: string,
  argv = Deno.args,
  seedCount = (p: Profile) => p.seeds,
): ExperimentArgs {
  if (argv.includes("--help")) {
    console.log(
      `deno task ${task} [options] [--key=value ...]\n${usage(EXPERIMENT_OPTIONS)}\n${JOB_USAGE}\n` +
        "  --key=value  overrides a DNN config value of the profile, e.g. --speaker.speakerUnits=50",
    );
    Deno.exit(0);
  }
  const { options: run, rest } = parseJobArgs(argv);
  const { options, overrides } = splitOverrides(rest, EXPERIMENT_OPTIONS);
  const args = parseArgs(options, EXPERIMENT_OPTIONS);
  const profile = PROFILES[args.profile];
  if (!profile) {
    throw new UsageError(`unknown profile '${args.profile}' (${Object.keys(PROFILES).join(", ")})`);
  }
  if (!["auto", "webgpu", "wasm", "cpu"].includes(args.backend)) {
    throw new UsageError(`--backend: '${args.backend}' is not one of auto, webgpu, wasm, cpu`);
  }
  const config = applyOverrides(profile.dnn, overrides);
  const seeds = args.seeds
    ? args.seeds.split(",").map((v) => {
      if (!/^\d+$/.test(v.trim()) || +v < 1) {
        throw new UsageError(`--seeds: '${v}' is not a positive integer`);
      }
      return +v;
    })
    : Array.from({ length: seedCount(profile) }, (_, i) => config.seed + i);
  if (new Set(seeds).size !== seeds.length) throw new UsageError(`--seeds: ${args.seeds} repeats a seed`);
  const speakerUnits = args["speaker-units"];
  if (speakerUnits !== "profile" && speakerUnits !== "table2") {
    throw new UsageError(`--speaker-units: '${speakerUnits}' is not one of profile, table2`);
  }
  console.error(
    `DNN config (${args.profile}${overrides.length ? " + overrides" : ""}): ${JSON.stringify(config)}`,
  );
  return {
    argv: rest,
    corpus: args.corpus,
    expRoot: args.exp,
    dataRoot: args["data-root"],
    nj: args.nj,
    run,
    profile: args.profile,
    ladder: profile.ladder,
    ivector: profile.ivector,
    probe: profile.probe,
    config,
    seeds,
    speakerUnits,
    backend: args.backend as BackendChoice,
    overrides,
    command: `deno task ${task} ${argv.join(" ")}`.trim(),
    plan: args.plan,
  };
}

/** Wall-clock seconds of each step in this run (a reused stage takes about none). */
class Timings {
  readonly steps: { step: string; seconds: number }[] = [];
  private readonly start = performance.now();

  time = async <T>(step: string, f: () => Promise<T>): Promise<T> => {
    const t = performance.now(), r = await f();
    this.steps.push({ step, seconds: Math.round((performance.now() - t) / 100) / 10 });
    return r;
  };

  get total() {
    return Math.round((performance.now() - this.start) / 100) / 10;
  }
}

/** Corpus, MFCC, the GMM ladder and tri3's alignments, each reused when already made; prints the ladder. */
export async function prepareLadder(a: ExperimentArgs, timings = new Timings()) {
  const corpus = await timings.time("corpus", () => prepareCorpus(a.corpus || null, a.dataRoot));
  const exp = join(a.expRoot, corpus.name), n = corpus.splits;
  console.log(
    `corpus ${corpus.root}: ${SPLITS.map((s) => `${s} ${n[s].length}`).join(", ")} utterances`,
  );
  const feats = await timings.time("features", () => mfccFeatures(corpus, join(exp, "mfcc"), a.nj));
  const ladder = await runLadder(feats, exp, a.command, a.ladder, { jobs: a.nj, time: timings.time });
  const ali = await timings.time(
    "tri3_ali",
    () => runSatAlignments(feats, ladder.tri3, join(exp, "tri3_ali"), a.nj),
  );
  console.log(ladderTable(ladder));
  return { exp, feats, ladder, ali };
}

/** tri3_ali's fMLLR feature dirs, which the DNNs and the i-vectors are made from. */
export const fmllrFeatures = (ali: Pick<Stage<AlignmentSummary>, "dir">) =>
  Object.fromEntries(SPLITS.map((s) => [s, join(ali.dir, "feats", s)])) as Record<Split, string>;

export interface SpeakerExperiment {
  exp: string;
  /** The MFCC feature dirs of train, dev and test. */
  feats: Awaited<ReturnType<typeof mfccFeatures>>;
  ladder: Record<string, GmmStage>;
  ali: Stage<AlignmentSummary>;
  dnn: Stage<DnnSummary>;
  ivectors: Stage<IvectorStageSummary>;
  /** Where the speaker-aware stages of this profile live, and their inputs, for the profile's seed (config.seed). */
  speakerRoot: string;
  inputs: SpeakerStageInputs;
  timings: Timings;
}

/**
 * The ladder, the initial DNN and i-vectors on the fMLLR features: every stage the speaker-aware DNNs need, each
 * reused when already made. Prints one line per stage.
 */
export async function prepareSpeakerExperiment(a: ExperimentArgs): Promise<SpeakerExperiment> {
  const timings = new Timings();
  const { exp, feats, ladder, ali } = await prepareLadder(a, timings);
  const dnn = await timings.time(
    "initial DNN",
    () =>
      runDnn(
        ali,
        ladder.tri3,
        join(exp, `dnn_${a.profile}`),
        a.command,
        a.config,
        a.backend,
        a.ladder.decode,
        a.nj,
      ),
  );
  const d = dnn.summary;
  console.log(
    `initial DNN (${dnn.dir}/RESULTS.md, ${d.backend}${productsTag(d)}): dev ${formatCounts(d.dev)}; test ${
      formatCounts(d.test)
    }`,
  );
  const ivectors = await timings.time(
    "i-vectors",
    () => runIvectors(fmllrFeatures(ali), join(exp, "ivector_fmllr"), a.ivector),
  );
  console.log(
    `i-vectors (${a.ivector.ivectorDim} dims, UBM ${a.ivector.ubm.gaussians}, on the fMLLR features): ${ivectors.dir}`,
  );
  return {
    exp,
    feats,
    ladder,
    ali,
    dnn,
    ivectors,
    speakerRoot: join(exp, `speaker_${a.profile}`),
    inputs: speakerInputs(a, ali.dir, d, ivectors),
    timings,
  };
}

/** The inputs of the speaker-aware stages of the profile's seed, from the stages before them. */
export function speakerInputs(
  a: ExperimentArgs,
  aliDir: string,
  dnn: DnnSummary,
  ivectors: { dir: string; hash: string },
): SpeakerStageInputs {
  return {
    seed: a.config.seed,
    aliDir,
    ivectorDir: ivectors.dir,
    ivectorHash: ivectors.hash,
    config: warmStartConfig(a.config, dnn),
    backend: a.backend,
    decode: gridAround(dnn, a.config.speaker.decodeNeighbours, a.ladder.decode),
    command: a.command,
    jobs: a.nj,
  };
}

/**
 * The speaker-aware stages of seed `seed`: where they live (the profile's seed in speaker_<profile>, any other in
 * speaker_<profile>_seed<N>) and their inputs.
 */
export function seeded(
  x: Pick<SpeakerExperiment, "speakerRoot" | "inputs">,
  seed: number,
): { root: string; inputs: SpeakerStageInputs } {
  return seed === x.inputs.seed
    ? { root: x.speakerRoot, inputs: x.inputs }
    : { root: `${x.speakerRoot}_seed${seed}`, inputs: { ...x.inputs, seed } };
}

/** Trains (or reuses) every progressive stage of a model of the registry; `units` per speaker node. */
export function runModel(
  x: SpeakerExperiment,
  m: ModelSpec | string,
  units = x.inputs.config.speaker.speakerUnits,
  seed = x.inputs.seed,
): Promise<SpeakerStage[]> {
  const spec = typeof m === "string" ? model(m) : m, { root, inputs } = seeded(x, seed);
  return x.timings.time(
    `${spec.name}${spec.hasUnits ? `-${units}` : ""}${seed === x.inputs.seed ? "" : ` seed ${seed}`} (${
      x.inputs.config.hiddenLayers + 1
    } stages)`,
    () => runChain(spec, units, x.dnn, root, inputs),
  );
}

/** A stage's error counts on the extended test; an error for a stage not decoded on the extra test speakers. */
export function stageExtendedTest(s: { dir: string; summary: Decoded }): ErrorCounts {
  const counts = extendedTest(s.summary);
  if (!counts) {
    throw new Error(`${s.dir}: not decoded on the extra test speakers (made by an older phl? rerun it)`);
  }
  return counts;
}

/** MAPSSWE on a test set (core test by default) between two stages' hypotheses. */
export function testSignificance(
  x: SpeakerExperiment,
  dirA: string,
  dirB: string,
  set: TestSet = "test",
): Significance {
  return significance(testRefs(x.inputs.aliDir, set), testHyps(dirA, set), testHyps(dirB, set));
}

/**
 * What every results JSON records about its run besides the numbers: command, config, seeds (`seeds`: those of
 * the speaker-aware stages it read), backend, times.
 */
export function runRecord(
  a: ExperimentArgs,
  x: SpeakerExperiment,
  jobs: JobResult[] = [],
  seeds = [x.inputs.seed],
) {
  return {
    command: a.command,
    profile: a.profile,
    overrides: a.overrides,
    config: a.config,
    seeds: { dnn: a.config.seed, speakerStages: seeds, ivector: a.ivector.seed },
    backend: x.dnn.summary.backend,
    blas: x.dnn.summary.blas,
    matmul: x.dnn.summary.matmul ?? null,
    timings: { steps: x.timings.steps, total: x.timings.total },
    cmd: a.run.cmd,
    jobs: jobs.map(({ id, status, seconds, log, slurmJobId }) => ({ id, status, seconds, log, slurmJobId })),
  };
}
