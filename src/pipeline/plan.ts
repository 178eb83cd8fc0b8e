// --plan: the stages an experiment would make (those already made skipped) and their times estimated on this machine.
import { basename, join, resolve } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { FULL_COUNTS } from "../corpus/synth/speakers.ts";
import { FEATURE_CONFIGS } from "../features/extract.ts";
import { initBackend, productsTag } from "../nnet/backend.ts";
import { timedThroughput } from "../nnet/bench.ts";
import type { DnnConfig, WarmStartStep } from "../nnet/config.ts";
import { model, type ModelSpec, stageSpec } from "../nnet/models.ts";
import { acousticSpec, type NetworkSpec } from "../nnet/network.ts";
import { exists } from "../util/fs.ts";
import { satAlignmentsKey } from "./alignments.ts";
import { corpusMade, DEFAULT_CORPUS, DEFAULT_CORPUS_REQUEST } from "./corpus.ts";
import { dnnKey, type DnnSummary } from "./dnn.ts";
import { type ExperimentArgs, fmllrFeatures, seeded, speakerInputs } from "./experiment.ts";
import { featuresKey } from "./features.ts";
import { type Chain, chainGrid } from "./grid.ts";
import { ivectorKey } from "./ivector.ts";
import { gmmKey, LADDER, LADDER_KALDI } from "./ladder.ts";
import { PARTITION_SIZES } from "./partition_size.ts";
import { chainStages } from "./speaker_dnn.ts";
import { keyHash, stageMade } from "./stage.ts";

/** Frames per utterance assumed where no features stage has counted them (the default corpus has about 294). */
const FRAMES_PER_UTTERANCE = 300;

/**
 * Scaled references: what the stages whose cost is not timed at plan time took on the reference machine (2 cores,
 * OpenBLAS, cpu profile, default corpus: the stage records of its run), with that machine's speeds. An estimate
 * scales them by work (frames, iterations, grid points, Gaussians), by the measured speed over the reference's,
 * and by the worker count.
 */
const REFERENCE = {
  trainFrames: 1085976,
  evalFrames: 115079 + 53037,
  utterances: 3696 + 400 + 192,
  workers: 2,
  /** cpuSpeed() there, and the timed training frames/s of the cpu profile's initial DNN (timedThroughput, 2500 senones). */
  cpuSpeed: 6.0e8,
  trainFps: 15000,
  seconds: {
    corpus: 120,
    features: 5,
    gmm: {
      mono: { train: 165, decode: 5 },
      tri1: { train: 102, decode: 73 },
      tri2: { train: 134, decode: 83 },
      tri3: { train: 223, decode: 130 },
    },
    tri3Ali: 35,
    ivector: 37,
    /** RBM pretraining of 3 x 512 (one pass, the Gaussian RBM two). */
    pretrain: 191,
    /** The Viterbi searches of decoding, less the forward pass: the initial DNN's full grid, one scale. */
    dnnSearch: 58,
    speakerSearch: 32,
  },
};

/** One stage of the plan: made (reused as it is) or to make, with its estimate (upper bound and least). */
export interface PlannedStage {
  name: string;
  dir: string;
  work: string;
  made: boolean;
  seconds: number;
  least: number;
}

/** What the plan's estimates are computed from: measured throughputs and the corpus's size. */
export interface PlanSpeeds {
  /** The initial DNN's (and the control's) graph and the largest speaker-aware one's, frames/s. */
  acoustic: { trainFps: number; forwardFps: number };
  speaker: { trainFps: number; forwardFps: number };
  /** cpuSpeed() here over the reference machine's. */
  cpu: number;
}

/** Scalar work per second: a max-plus recursion as the Viterbi search runs, timed for about `seconds`. */
function cpuSpeed(seconds: number): number {
  const S = 1024, prev = new Float32Array(S), cur = new Float32Array(S), obs = new Float32Array(4096);
  for (let i = 0; i < obs.length; i++) obs[i] = Math.sin(i);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < 1000 * seconds) {
    for (let t = 0; t < 64; t++) {
      cur[0] = prev[0] + obs[t];
      for (let s = 1; s < S; s++) {
        cur[s] = Math.max(prev[s] - 0.5, prev[s - 1] - 1.2) + obs[(t * 7 + s) & 4095];
      }
      prev.set(cur);
    }
    n += 64 * S;
  }
  return n / ((performance.now() - t0) / 1000);
}

/** The acoustic network's layer sizes: spliced fMLLR input, the hidden layers, the senones. */
const acousticDims = (c: DnnConfig, inputDim: number, numPdfs: number) => [
  (2 * c.context + 1) * inputDim,
  ...Array(c.hiddenLayers).fill(c.hiddenDim),
  numPdfs,
];

/** Times the initial DNN's graph and the largest speaker-aware one on the chosen backend, and the scalar speed. */
async function measureSpeeds(a: ExperimentArgs, numPdfs: number, seconds = 1.5) {
  const info = await initBackend(a.backend);
  const dims = acousticDims(a.config, a.ladder.tri2.ldaDim, numPdfs), L = a.config.hiddenLayers + 1;
  const speakerSpec = stageSpec(
    model("partitioned"),
    L,
    a.config.speaker.speakerUnits,
    dims,
    a.ivector.ivectorDim,
  );
  // the better of two short timings of each, as the machine may be busy for a moment
  const best = async (spec: NetworkSpec) => {
    const [x, y] = [
      await timedThroughput(spec, a.config.batchSize, seconds / 2),
      await timedThroughput(spec, a.config.batchSize, seconds / 2),
    ];
    return { trainFps: Math.max(x.trainFps, y.trainFps), forwardFps: Math.max(x.forwardFps, y.forwardFps) };
  };
  const speeds: PlanSpeeds = {
    acoustic: await best(acousticSpec(dims)),
    speaker: await best(speakerSpec),
    cpu: Math.max(cpuSpeed(seconds / 4), cpuSpeed(seconds / 4)) / REFERENCE.cpuSpeed,
  };
  return { speeds, backend: `${info.name}${productsTag(info)}`, dims };
}

/** What the plan is for: the speaker-aware chains, whether it stops at the initial DNN, and what it leaves out. */
export interface PlanRequest {
  /** Each chain with the number of its stages to make (default: all). */
  chains: (Chain & { rounds?: number })[];
  upTo?: "dnn";
  notes?: string[];
}

/**
 * The chains of `models` at the speaker units Table 1 and Figure 3 train with; with --speaker-units=table2 Table 2's
 * search comes first, and the grid is planned at the profile's units (the size the search picks is not known yet).
 */
export function unitsPlan(a: ExperimentArgs, models: ModelSpec[]): PlanRequest {
  const units = a.config.speaker.speakerUnits;
  if (a.speakerUnits === "profile") return { chains: chainGrid(models, [units], a.seeds) };
  return {
    chains: [
      ...chainGrid([model("partitioned")], PARTITION_SIZES, a.seeds),
      ...chainGrid(models, [units], a.seeds),
    ],
    notes: [
      `The grid after Table 2's search is planned at ${units} units; the search may pick another size.`,
    ],
  };
}

/** The corpus's utterances and frames per split: counted where the stages before have, else assumed. */
function corpusSize(dataDirs: Record<Split, string>, exp: string) {
  const counted = SPLITS.every((s) => exists(join(dataDirs[s], "text")));
  const utterances = Object.fromEntries(SPLITS.map((s) => [
    s,
    counted
      ? Deno.readTextFileSync(join(dataDirs[s], "text")).split("\n").filter((l) => l.trim()).length
      : 8 * FULL_COUNTS[s],
  ])) as Record<Split, number>;
  const featuresMade = SPLITS.every((s) => exists(join(exp, "mfcc", s, "results.json")));
  const frames = Object.fromEntries(SPLITS.map((s) => [
    s,
    featuresMade
      ? JSON.parse(Deno.readTextFileSync(join(exp, "mfcc", s, "results.json"))).frames
      : FRAMES_PER_UTTERANCE * utterances[s],
  ])) as Record<Split, number>;
  const source = featuresMade
    ? "frames counted by the features stages"
    : `${
      counted ? "utterances counted in the data dirs" : "the default corpus's plan"
    }, ${FRAMES_PER_UTTERANCE} frames per utterance assumed`;
  return { utterances, frames, source };
}

const macs = (dims: number[]) => dims.slice(1).reduce((t, n, l) => t + dims[l] * n, 0);

/**
 * Multiply-adds per frame of RBM pretraining of the hidden layers of `dims`: contrastive divergence is about five
 * products of the layer's size, after the layers below forward the frame; the Gaussian RBM runs twice the passes.
 */
const rbmWork = (dims: number[], passes: number) =>
  dims.slice(1, -1).reduce(
    (t, hidden, l) => t + (l === 0 ? 2 : 1) * passes * (5 * dims[l] * hidden + macs(dims.slice(0, l + 1))),
    0,
  );

const everySplit = (f: (s: Split) => boolean) => SPLITS.every(f);
const gridPoints = (d: { acousticScales: number[]; insertionPenalties: number[] }) =>
  d.acousticScales.length * d.insertionPenalties.length;
const millions = (n: number) => `${(n / 1e6).toFixed(2)} M`;

/**
 * Every stage the experiment would make, in order, each with whether it is made: its folder's stage.json holds the
 * hash this run's key gives it (runStage's own test). A stage whose key needs files that are not there yet (the
 * data dirs, features, the fMLLR features, the initial DNN's results) counts as to make.
 */
export function planStages(
  a: ExperimentArgs,
  r: PlanRequest,
  speeds: PlanSpeeds,
  numPdfs = a.ladder.tri3.numLeaves,
): PlannedStage[] {
  const root = a.corpus || DEFAULT_CORPUS, name = basename(resolve(root)), exp = join(a.expRoot, name);
  const dataDirs = Object.fromEntries(SPLITS.map((s) => [s, join(a.dataRoot, name, s)])) as Record<
    Split,
    string
  >;
  const { utterances, frames } = corpusSize(dataDirs, exp);
  const workers = REFERENCE.workers / Math.min(a.nj, navigator.hardwareConcurrency);
  const cpu = workers / speeds.cpu, trainScale = frames.train / REFERENCE.trainFrames;
  // the reference decoded dev and test; the extra test speakers are decoded once more, at the chosen setting
  const evalFrames = frames.dev + frames.test, withExtra = (evalFrames + frames.extra) / evalFrames;
  const evalScale = evalFrames / REFERENCE.evalFrames;
  const ref = REFERENCE.seconds, stages: PlannedStage[] = [];
  const add = (s: Omit<PlannedStage, "least"> & { least?: number }) =>
    stages.push({ ...s, least: s.made ? 0 : s.least ?? s.seconds, seconds: s.made ? 0 : s.seconds });

  if (!a.corpus) {
    const n = SPLITS.reduce((t, s) => t + utterances[s], 0);
    add({
      name: "corpus",
      dir: DEFAULT_CORPUS,
      work: `generate the default corpus (${n} utterances)`,
      made: corpusMade(DEFAULT_CORPUS_REQUEST),
      seconds: ref.corpus * (n / REFERENCE.utterances) * cpu,
    });
  }
  const mfcc = Object.fromEntries(SPLITS.map((s) => [s, join(exp, "mfcc", s)])) as Record<Split, string>;
  const haveData = everySplit((s) => exists(join(dataDirs[s], "wav.scp")));
  add({
    name: "features",
    dir: join(exp, "mfcc"),
    work: `MFCC of ${millions(frames.train + evalFrames + frames.extra)} frames`,
    made: haveData &&
      everySplit((s) => stageMade(mfcc[s], keyHash(featuresKey(dataDirs[s], FEATURE_CONFIGS.mfcc)))),
    seconds: ref.features * (trainScale + evalScale * withExtra) / 2 * cpu,
  });
  const haveFeats = everySplit((s) => exists(join(mfcc[s], "feats.scp")));
  let parentHash: string | null = null;
  for (const system of LADDER) {
    const hash: string | null = haveFeats ? keyHash(gmmKey(system, mfcc, a.ladder, parentHash)) : null;
    const c = a.ladder[system.name], g = ref.gmm[system.name];
    const iterations = c.numIters / LADDER_KALDI[system.name].numIters;
    const grid = gridPoints(a.ladder.decode) / gridPoints(LADDER_KALDI.decode);
    add({
      name: system.name,
      dir: join(exp, system.name),
      work: `${c.numIters} iterations on ${millions(frames.train)} frames; decode dev (${
        gridPoints(a.ladder.decode)
      } grid points), test, extra`,
      made: hash !== null && stageMade(join(exp, system.name), hash),
      seconds: (g.train * iterations * trainScale + g.decode * grid * evalScale * withExtra) * cpu,
    });
    parentHash = hash;
  }
  const aliDir = join(exp, "tri3_ali");
  const aliHash = parentHash && keyHash(satAlignmentsKey(mfcc, parentHash));
  add({
    name: "tri3_ali",
    dir: aliDir,
    work: `align and fMLLR-transform ${millions(frames.train + evalFrames + frames.extra)} frames`,
    made: aliHash !== null && stageMade(aliDir, aliHash),
    seconds: ref.tri3Ali * (trainScale + evalScale * withExtra) / 2 * cpu,
  });

  const c = a.config, cvFrames = c.cvFraction * frames.train, trainFrames = frames.train - cvFrames;
  /** One newbob run: `epochs` epochs over a share of the training frames, each followed by a CV pass. */
  const newbobSeconds = (
    step: Pick<WarmStartStep, "epochFraction">,
    epochs: number,
    fps: PlanSpeeds["acoustic"],
  ) => epochs * (trainFrames * step.epochFraction / fps.trainFps + cvFrames / fps.forwardFps);
  const least = (maxEpochs: number) => Math.min(2, maxEpochs); // newbob stops after the second epoch at the earliest
  const dnnDir = join(exp, `dnn_${a.profile}`), dnnHash = aliHash && keyHash(dnnKey(c, aliHash));
  const dnnMade = dnnHash !== null && stageMade(dnnDir, dnnHash);
  const dims = acousticDims(c, a.ladder.tri2.ldaDim, numPdfs), refDims = [440, 512, 512, 512, 2500];
  // the machine's speed in multiply-adds per second of training (frames/s x the network's size), here and there
  const pretrain = ref.pretrain * (rbmWork(dims, c.rbm?.passes ?? 0) / rbmWork(refDims, 1)) * trainScale *
    (REFERENCE.trainFps * macs(refDims)) / (speeds.acoustic.trainFps * macs(dims));
  const decode = (fps: PlanSpeeds["acoustic"], search: number, extra: boolean) =>
    (evalFrames / fps.forwardFps + search * evalScale * cpu) * (extra ? withExtra : 1);
  const dnnSearch = ref.dnnSearch * gridPoints(a.ladder.decode) / gridPoints(LADDER_KALDI.decode);
  const initialCv = cvFrames / speeds.acoustic.forwardFps;
  add({
    name: "initial DNN",
    dir: dnnDir,
    work: `${c.rbm ? "RBMs, " : ""}≤ ${c.maxEpochs} epochs x ${
      millions(trainFrames * c.epochFraction)
    } frames; decode`,
    made: dnnMade,
    seconds: pretrain + initialCv + newbobSeconds(c, c.maxEpochs, speeds.acoustic) +
      decode(speeds.acoustic, dnnSearch, true),
    least: pretrain + initialCv + newbobSeconds(c, least(c.maxEpochs), speeds.acoustic) +
      decode(speeds.acoustic, dnnSearch, true),
  });
  if (r.upTo === "dnn") return stages;

  const fmllr = fmllrFeatures({ dir: aliDir });
  const ivectorDir = join(exp, "ivector_fmllr");
  const ivectorHash = everySplit((s) => exists(join(fmllr[s], "feats.scp")))
    ? keyHash(ivectorKey(fmllr, a.ivector))
    : null;
  add({
    name: "i-vectors",
    dir: ivectorDir,
    work: `UBM ${a.ivector.ubm.gaussians}, ${a.ivector.ivectorDim} dims on ${millions(frames.train)} frames`,
    made: ivectorHash !== null && stageMade(ivectorDir, ivectorHash),
    seconds: ref.ivector * trainScale * (a.ivector.ubm.gaussians / 128) / speeds.cpu,
  });

  // the speaker-aware stages' keys need the initial DNN's decoding results and the i-vectors' hash
  const inputs = dnnMade && ivectorHash
    ? speakerInputs(
      a,
      aliDir,
      JSON.parse(Deno.readTextFileSync(join(dnnDir, "results.json"))) as DnnSummary,
      { dir: ivectorDir, hash: ivectorHash },
    )
    : null;
  const speakerRoot = join(exp, `speaker_${a.profile}`), seen = new Set<string>();
  const scales = Math.min(2 * c.speaker.decodeNeighbours + 1, a.ladder.decode.acousticScales.length);
  for (const chain of r.chains) {
    const seededInputs = inputs && seeded({ speakerRoot, inputs }, chain.seed);
    const chainRoot = chain.seed === c.seed ? speakerRoot : `${speakerRoot}_seed${chain.seed}`;
    const planned = chainStages(
      chain.model,
      chain.units,
      dnnHash ?? "",
      seededInputs?.root ?? chainRoot,
      seededInputs?.inputs ?? null,
      chain.rounds ?? c.hiddenLayers + 1,
    );
    for (const s of planned) {
      if (seen.has(s.dir)) continue;
      seen.add(s.dir);
      const fps = s.owner.layer ? speeds.speaker : speeds.acoustic, { newOnly, all } = c.speaker;
      const steps = (e1: number, e2: number) =>
        (s.owner.layer ? cvFrames / fps.forwardFps + newbobSeconds(newOnly, e1, fps) : 0) +
        newbobSeconds(all, e2, fps) + decode(fps, ref.speakerSearch * scales, s.extra);
      add({
        name: `${stageName(s.owner, chain.units, s.round)}${
          chain.seed === c.seed ? "" : ` seed ${chain.seed}`
        }`,
        dir: s.dir,
        work: `${
          s.owner.layer
            ? `step 1 ≤ ${newOnly.maxEpochs} x ${millions(trainFrames * newOnly.epochFraction)}, `
            : ""
        }step 2 ≤ ${all.maxEpochs} x ${millions(trainFrames * all.epochFraction)} frames; decode`,
        made: s.hash !== null && stageMade(s.dir, s.hash),
        seconds: steps(newOnly.maxEpochs, all.maxEpochs),
        least: steps(least(newOnly.maxEpochs), least(all.maxEpochs)),
      });
    }
  }
  return stages;
}

const stageName = (m: ModelSpec, units: number, round: number) =>
  `${m.name}${m.hasUnits ? `-${units}` : ""} ${round}`;

const clock = (s: number) => {
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
};

/** The plan as a table and a total line (plain text). */
export function planTable(stages: PlannedStage[]): string {
  const rows = stages.map((s) => [s.name, s.made ? "made" : "to make", s.work, s.seconds.toFixed(0), s.dir]);
  const head = ["stage", "status", "work", "est. s", "folder"];
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r.map((v, i) => (i === 3 ? v.padStart(width[i]) : v.padEnd(width[i]))).join("  ").trimEnd();
  const total = stages.reduce((t, s) => t + s.seconds, 0), least = stages.reduce((t, s) => t + s.least, 0);
  const made = stages.filter((s) => s.made).length;
  return [
    line(head),
    line(width.map((w) => "-".repeat(w))),
    ...rows.map(line),
    "",
    `total: ${stages.length} stages, ${made} made, ${stages.length - made} to make: about ${
      total.toFixed(0)
    } s (${clock(total)}), an upper bound with every newbob run to its maxEpochs; ${least.toFixed(0)} s (${
      clock(least)
    }) if each stops at its earliest (2 epochs)`,
  ].join("\n");
}

/** --plan: measures this machine's speeds, then prints the stages the run would make and their estimated times. */
export async function printPlan(a: ExperimentArgs, r: PlanRequest): Promise<void> {
  const t0 = performance.now();
  const root = a.corpus || DEFAULT_CORPUS, exp = join(a.expRoot, basename(resolve(root)));
  const aliResults = join(exp, "tri3_ali", "results.json");
  const numPdfs = exists(aliResults)
    ? JSON.parse(Deno.readTextFileSync(aliResults)).numPdfs as number
    : a.ladder.tri3.numLeaves;
  const { speeds, backend, dims } = await measureSpeeds(a, numPdfs);
  const stages = planStages(a, r, speeds, numPdfs);
  const dataDirs = Object.fromEntries(SPLITS.map((s) => [s, join(a.dataRoot, basename(resolve(root)), s)]));
  const size = corpusSize(dataDirs as Record<Split, string>, exp);
  const fps = (v: number) => Math.round(v).toLocaleString("en-US");
  console.log([
    `ESTIMATE for \`${a.command}\` (nothing is trained or decoded): profile ${a.profile}, backend ${backend}, ${
      Math.min(a.nj, navigator.hardwareConcurrency)
    } workers, one stage after another.`,
    `Measured here in ${((performance.now() - t0) / 1000).toFixed(1)} s: DNN ${dims.join("-")} (senones ${
      exists(aliResults) ? "of tri3_ali" : "assumed tri3's numLeaves"
    }) trains ${fps(speeds.acoustic.trainFps)} frames/s, forwards ${fps(speeds.acoustic.forwardFps)}; ` +
    `with speaker input (Partitioned DNN, last stage) ${fps(speeds.speaker.trainFps)} and ${
      fps(speeds.speaker.forwardFps)
    }; scalar speed ${speeds.cpu.toFixed(2)} x the reference machine's.`,
    `Corpus: ${
      SPLITS.map((s) => `${s} ${size.utterances[s]} utterances, ${size.frames[s]} frames`).join("; ")
    } (${size.source}).`,
    "DNN training and forward passes are timed; RBM pretraining, corpus generation, features, the GMM ladder, " +
    "alignments, i-vectors and the Viterbi search are scaled references (2-core machine, cpu profile, default corpus).",
    "",
    planTable(stages),
    ...(r.notes ?? []),
  ].join("\n"));
}
