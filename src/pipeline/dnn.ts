// Pipeline: the initial DNN (RBM pretraining, newbob fine-tuning) on tri3_ali's fMLLR features, hybrid decoding and scoring.
import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import { type ErrorCounts, formatCounts } from "../decode/score.ts";
import { readArk } from "../io/ark.ts";
import { type BackendChoice, initBackend, productsTag } from "../nnet/backend.ts";
import { affineParameters, loadParameters, saveParameters } from "../nnet/checkpoint.ts";
import type { DnnConfig } from "../nnet/config.ts";
import { FrameSet, minibatches, splitHeldOut } from "../nnet/data.ts";
import { acousticSpec, Network } from "../nnet/network.ts";
import { type Affine, affine, initAffine } from "../nnet/ops.ts";
import { trainRbm, visibleBiasFromMeans } from "../nnet/rbm.ts";
import { type EpochLog, trainNewbob } from "../nnet/train.ts";
import { Rng } from "../util/rng.ts";
import { exists, writeFileAtomic } from "../util/fs.ts";
import { totals } from "../decode/hyps.ts";
import { DECODE_DEFAULTS, type DecodeConfig, type Decoded, extendedLines } from "../decode/search.ts";
import { decodeHybrid, HybridSetup, significance, testHyps } from "./hybrid.ts";
import type { GmmStageSummary } from "./ladder.ts";
import { runStage, type Stage } from "./stage.ts";

export interface DnnSummary extends Decoded {
  backend: string;
  blas: string | null;
  /** What ran the wasm backend's matrix products (BackendInfo.matmul); absent in summaries from before it. */
  matmul?: string | null;
  epochs: EpochLog[];
  pretrainSeconds: number;
  trainSeconds: number;
  decodeSeconds: number;
  versusTri3: { pValue: number; z: number; tri3Test: ErrorCounts };
  config: DnnConfig;
}

/** RBMs for every hidden layer, each trained on the probabilities of the stack below; checkpointed per layer. */
async function pretrain(
  train: FrameSet,
  c: DnnConfig,
  dir: string,
  log: (line: string) => void,
): Promise<Affine[]> {
  const rbm = c.rbm!, layers: Affine[] = [];
  Deno.mkdirSync(dir, { recursive: true });
  const inDim = (2 * c.context + 1) * train.dim;
  const below = (x: tf.Tensor2D) => layers.reduce((h, l) => tf.sigmoid(affine(h, l)), x);
  const batches = (pass: number) =>
    (function* () {
      for (
        const b of minibatches(train, c.context, rbm.batchSize, c.seed, 1000 * (layers.length + 1) + pass)
      ) {
        yield tf.tidy(() => below(tf.tensor2d(b.x, [b.frames.length, inDim])));
      }
    })();
  for (let l = 0; l < c.hiddenLayers; l++) {
    const path = join(dir, `rbm${l + 1}.params.ark`), visible = l === 0 ? inDim : c.hiddenDim;
    if (exists(path)) {
      const layer = initAffine(new Rng(c.seed), visible, c.hiddenDim);
      loadParameters(path, affineParameters([layer]));
      layers.push(layer);
      log(`RBM ${l + 1}: loaded from ${path}`);
      continue;
    }
    let bias: Float32Array = new Float32Array(visible);
    if (l > 0) {
      const sum = new Float32Array(visible);
      let n = 0;
      for (const v of batches(0)) {
        const total = tf.sum(v, 0), m = await total.data();
        total.dispose();
        for (let i = 0; i < visible; i++) sum[i] += m[i];
        n += v.shape[0];
        v.dispose();
        if (n >= 10000) break;
      }
      bias = visibleBiasFromMeans(sum.map((s) => s / n));
    }
    log(`RBM ${l + 1} (${l === 0 ? "Gaussian" : "Bernoulli"}-Bernoulli, ${visible} x ${c.hiddenDim}):`);
    const { layer } = await trainRbm(
      visible,
      c.hiddenDim,
      l === 0,
      batches,
      bias,
      rbm,
      `rbm ${l + 1} ${c.seed}`,
      log,
    );
    await saveParameters(path, affineParameters([layer]));
    layers.push(layer);
  }
  return layers;
}

/**
 * tri3_ali's training utterances with their senone targets, 10% of the speakers (seeded) held out for newbob's
 * cross-validation.
 */
export function trainingData(h: HybridSetup, c: DnnConfig) {
  const targets = new Map(readArk(join(h.aliDir, "ali.train.ark"), "ints"));
  const utt2spk = h.sets.train.utt2spk;
  const speakerOf = (key: string) => {
    const speaker = utt2spk.get(key);
    if (speaker === undefined) throw new Error(`${h.aliDir}/feats/train/utt2spk: no speaker for '${key}'`);
    return speaker;
  };
  const split = splitHeldOut([...targets.keys()], speakerOf, c.cvFraction, c.seed);
  const data = {
    train: FrameSet.load(h.featsScp("train"), split.train, h.cmvn, targets),
    cv: FrameSet.load(h.featsScp("train"), split.cv, h.cmvn, targets),
  };
  return { data, split };
}

/** The stage key of the initial DNN: its config less the speaker-aware settings (they do not touch it), tri3_ali's hash. */
export function dnnKey(c: DnnConfig, aliHash: string) {
  const { speaker: _, ...config } = c;
  return { stage: "dnn", config, ali: aliHash };
}

/**
 * The initial DNN from `aliDir` (tri3_ali): 10% of the training speakers held out, RBM pretraining,
 * newbob fine-tuning (checkpointed: a killed run resumes), then dev and test forwarded, turned into scaled
 * likelihoods (log posterior - log prior) and decoded with tri3's tree and the phone bigram, dev-tuned as the
 * GMMs; significance against tri3's test hypotheses.
 */
export function runDnn(
  ali: Stage<unknown>,
  tri3: Stage<GmmStageSummary>,
  dir: string,
  command: string,
  c: DnnConfig,
  backend: BackendChoice,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
): Promise<Stage<DnnSummary>> {
  return runStage(dir, dnnKey(c, ali.hash), async (out) => {
    const log = logTo(join(out, "log.txt"));
    const info = await initBackend(backend);
    log(`tfjs backend: ${info.name}${info.matmul ? ` (matrix products by ${info.matmul})` : ""}`);
    if (info.name === "wasm" && !info.blas) {
      log(
        "no BLAS library found: phl's wasm core trains about half as fast as OpenBLAS (Debian/Ubuntu: apt-get install libopenblas0-pthread; or set BLAS_LIB)",
      );
    }
    const hybrid = new HybridSetup(ali.dir), numPdfs = hybrid.numPdfs;
    const { data, split } = trainingData(hybrid, c);
    log(
      `train ${split.train.length} utterances (${data.train.frames} frames), CV ${split.cv.length} (${data.cv.frames})`,
    );
    const inDim = (2 * c.context + 1) * hybrid.cmvn.dim;
    const t0 = performance.now();
    const hidden = c.rbm ? await pretrain(data.train, c, join(out, "pretrain"), log) : [];
    const pretrainSeconds = (performance.now() - t0) / 1000;
    const rng = new Rng(c.seed, "dnn init");
    const layers = [...hidden];
    while (layers.length < c.hiddenLayers) {
      layers.push(initAffine(rng, layers.length ? c.hiddenDim : inDim, c.hiddenDim, c.initStddev));
    }
    layers.push(initAffine(rng, c.hiddenDim, numPdfs, c.initStddev));
    const net = new Network(
      acousticSpec([inDim, ...Array(c.hiddenLayers).fill(c.hiddenDim), numPdfs]),
      layers,
    );
    const t1 = performance.now();
    const { epochs } = await trainNewbob(net, data, c, join(out, "train"), log);
    const trainSeconds = (performance.now() - t1) / 1000;
    await saveParameters(join(out, "final.params.ark"), net.namedParameters());
    data.train.free(), data.cv.free();

    const result = await decodeHybrid(net, hybrid, c, decodeConfig, out, { extra: true, jobs, log });
    net.dispose();
    const versusTri3 = {
      ...significance(hybrid.sets.test.text, testHyps(out, "test"), testHyps(tri3.dir, "test")),
      tri3Test: tri3.summary.test,
    };
    const summary: DnnSummary = {
      ...totals(result),
      acousticScale: result.acousticScale,
      insertionPenalty: result.insertionPenalty,
      devGrid: result.devGrid,
      backend: info.name,
      blas: info.blas,
      matmul: info.matmul,
      epochs,
      pretrainSeconds,
      trainSeconds,
      decodeSeconds: result.decodeSeconds,
      versusTri3,
      config: c,
    };
    const features = ali.key.stage === "si_feats" ? "LDA+MLLT" : "fMLLR";
    writeFileAtomic(join(out, "RESULTS.md"), dnnResults(command, c, summary, hybrid.numPdfs, features));
    return summary;
  }, { resumable: true });
}

/** A log line to stderr (with a tag) and to a file. */
export function logTo(path: string, tag = "dnn") {
  return (line: string) => {
    console.error(`[${tag}] ${line}`);
    Deno.writeTextFileSync(path, line + "\n", { append: true });
  };
}

function dnnResults(command: string, c: DnnConfig, s: DnnSummary, numPdfs: number, features: string): string {
  const arch = `${(2 * c.context + 1) * 40}-${Array(c.hiddenLayers).fill(c.hiddenDim).join("-")}-${numPdfs}`;
  const last = s.epochs[s.epochs.length - 1];
  return [
    `# ${command}`,
    "",
    `Initial DNN (hybrid): ${arch} sigmoid, 40-dim ${features} features (tri3) with global CMVN spliced ±${c.context},`,
    `${
      c.rbm
        ? `RBM pretraining (CD-1, ${c.rbm.passes} pass(es) per Bernoulli RBM, ${
          2 * c.rbm.passes
        } for the Gaussian one), `
        : ""
    }` +
    `cross-entropy with newbob from ${c.learnRate} (minibatch ${c.batchSize}, ${s.epochs.length} epochs), ` +
    `backend ${s.backend}${productsTag(s)}.`,
    "Scaled likelihoods (log posterior - log prior from the tri3 alignment counts) decoded with tri3's tree and the",
    `phone bigram; acoustic scale and insertion penalty chosen on dev (${s.acousticScale}, ${s.insertionPenalty}).`,
    "",
    `dev:  ${formatCounts(s.dev)}`,
    `test: ${formatCounts(s.test)}`,
    ...extendedLines(s),
    ...(s.versusTri3
      ? [
        `tri3 test: ${formatCounts(s.versusTri3.tri3Test)}; MAPSSWE DNN vs tri3 on test: z = ${
          s.versusTri3.z.toFixed(2)
        }, p = ${s.versusTri3.pValue.toPrecision(3)}`,
      ]
      : []),
    "",
    `Pretraining ${s.pretrainSeconds.toFixed(0)} s, fine-tuning ${s.trainSeconds.toFixed(0)} s${
      last ? ` (${last.framesPerSecond.toFixed(0)} frames/s in the last epoch)` : ""
    }, decoding ${s.decodeSeconds.toFixed(0)} s.`,
    "",
    "| epoch | rate | train loss | train acc % | CV loss | CV acc % | accepted | frames/s |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...s.epochs.map((e) =>
      `| ${e.epoch} | ${e.learnRate.toPrecision(3)} | ${e.trainLoss.toFixed(4)} | ${
        (100 * e.trainAccuracy).toFixed(2)
      } | ${e.cvLoss.toFixed(4)} | ${(100 * e.cvAccuracy).toFixed(2)} | ${e.accepted ? "yes" : "no"} | ${
        e.framesPerSecond.toFixed(0)
      } |`
    ),
    "",
    `Dev search: ${
      s.devGrid.map((g) => `${g.acousticScale}/${g.insertionPenalty}: ${g.per.toFixed(2)}`).join(", ")
    }`,
    "",
  ].join("\n");
}
