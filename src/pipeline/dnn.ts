// Pipeline: the initial DNN (RBM pretraining, newbob fine-tuning) on tri3_ali's fMLLR features, hybrid decoding and scoring.
import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import { map48to39 } from "../corpus/phones.ts";
import { contextPhoneLoopGraph } from "../decode/graph.ts";
import { BigramLm } from "../decode/lm.ts";
import { type ErrorCounts, formatCounts } from "../decode/score.ts";
import { mapsswe } from "../decode/significance.ts";
import { CmvnStats } from "../features/cmvn.ts";
import { GmmPool } from "../gmm/pool.ts";
import { Topology } from "../hmm/topology.ts";
import { pdfTable } from "../hmm/tree.ts";
import { readArk, readScp } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";
import { type BackendChoice, initBackend } from "../nnet/backend.ts";
import { affineParameters, loadParameters, saveParameters } from "../nnet/checkpoint.ts";
import type { DnnConfig } from "../nnet/config.ts";
import { FrameSet, minibatches, splitHeldOut } from "../nnet/data.ts";
import { type Affine, affine, initAffine, Mlp } from "../nnet/mlp.ts";
import { trainRbm, visibleBiasFromMeans } from "../nnet/rbm.ts";
import { type EpochLog, trainNewbob } from "../nnet/train.ts";
import { Rng } from "../util/rng.ts";
import { exists, writeFileAtomic } from "../util/fs.ts";
import {
  DECODE_DEFAULTS,
  decodeAndScore,
  type DecodeConfig,
  readHyps,
  scoringDetail,
  writeHyps,
} from "./gmm.ts";
import { runStage } from "./stage.ts";

export interface DnnSummary {
  dev: ErrorCounts;
  test: ErrorCounts;
  acousticScale: number;
  insertionPenalty: number;
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
  backend: string;
  blas: string | null;
  epochs: EpochLog[];
  pretrainSeconds: number;
  trainSeconds: number;
  decodeSeconds: number;
  versusTri3: { pValue: number; z: number; tri3Test: ErrorCounts } | null;
}

/** Log-priors of the senones from alignment counts; senones under the floor get -1e10 (never chosen). */
export function logPriors(counts: Float64Array, floor: number): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  return Float32Array.from(counts, (c) => (c / total >= floor && c > 0 ? Math.log(c / total) : 1e10));
}

function readCounts(path: string): Float64Array {
  const text = Deno.readTextFileSync(path).replace(/[[\]]/g, " ").trim();
  const values = text.split(/\s+/).map(Number);
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${path}: count ${i + 1} ('${v}') is not a count`);
  });
  return Float64Array.from(values);
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
        const m = await tf.sum(v, 0).data();
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
 * The initial DNN from `aliDir` (tri3_ali): 90/10 split of the aligned training utterances, RBM pretraining,
 * newbob fine-tuning (checkpointed: a killed run resumes), then dev and test forwarded, turned into scaled
 * likelihoods (log posterior - log prior) and decoded with tri3's tree and the phone bigram, dev-tuned as the
 * GMMs; significance against tri3's test hypotheses.
 */
export async function runDnn(
  aliDir: string,
  tri3Dir: string,
  dir: string,
  command: string,
  c: DnnConfig,
  backend: BackendChoice,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
): Promise<DnnSummary & { dir: string }> {
  const ali = JSON.parse(Deno.readTextFileSync(join(aliDir, "stage.json"))).hash;
  await runStage(dir, { stage: "dnn", config: c, ali }, async (out) => {
    const log = logTo(join(out, "log.txt"));
    const info = await initBackend(backend);
    log(`tfjs backend: ${info.name}${info.blas ? ` (matrix products by ${info.blas})` : ""}`);
    if (info.name === "wasm" && !info.blas) {
      log(
        "no BLAS library found: tfjs-wasm's own kernels train several times slower (Debian/Ubuntu: apt-get install libopenblas0-pthread; or set BLAS_LIB)",
      );
    }
    const [[, cmvnMatrix]] = [...readArk(join(aliDir, "cmvn_global.ark"), "matrix")];
    const cmvn = CmvnStats.fromMatrix(cmvnMatrix);
    const targets = new Map(readArk(join(aliDir, "ali.train.ark"), "ints"));
    const split = splitHeldOut([...targets.keys()], c.cvFraction, c.seed);
    const trainScp = join(aliDir, "feats", "train", "feats.scp");
    const data = {
      train: FrameSet.load(trainScp, split.train, cmvn, targets),
      cv: FrameSet.load(trainScp, split.cv, cmvn, targets),
    };
    const numPdfs = Number(Deno.readTextFileSync(join(aliDir, "num_pdfs")));
    log(
      `train ${split.train.length} utterances (${data.train.frames} frames), CV ${split.cv.length} (${data.cv.frames})`,
    );
    const inDim = (2 * c.context + 1) * cmvn.dim;
    const t0 = performance.now();
    const hidden = c.rbm ? await pretrain(data.train, c, join(out, "pretrain"), log) : [];
    const pretrainSeconds = (performance.now() - t0) / 1000;
    const rng = new Rng(c.seed, "dnn init");
    const layers = [...hidden];
    while (layers.length < c.hiddenLayers) {
      layers.push(initAffine(rng, layers.length ? c.hiddenDim : inDim, c.hiddenDim, c.initStddev));
    }
    layers.push(initAffine(rng, c.hiddenDim, numPdfs, c.initStddev));
    const net = new Mlp(layers);
    const t1 = performance.now();
    const epochs = await trainNewbob(net, data, c, join(out, "train"), log);
    const trainSeconds = (performance.now() - t1) / 1000;
    await saveParameters(join(out, "final.params.ark"), net.namedParameters());
    data.train.free(), data.cv.free();

    const t2 = performance.now();
    const priors = logPriors(readCounts(join(aliDir, "pdf_counts")), c.priorFloor);
    const final = JSON.parse(Deno.readTextFileSync(join(aliDir, "final.mdl.json")));
    const topology = Topology.fromJSON(final.topology), table = pdfTable(final.tree);
    const sets = Object.fromEntries(
      (["train", "dev", "test"] as const).map((s) => [s, readDataDir(join(aliDir, "feats", s))]),
    );
    const lm = new BigramLm(topology.phones, [...sets.train.text.values()]);
    const pool = new GmmPool(jobs);
    try {
      for (const s of ["dev", "test"] as const) {
        const keys = readScp(join(aliDir, "feats", s, "feats.scp")).map((e) => e.key);
        const set = FrameSet.load(join(aliDir, "feats", s, "feats.scp"), keys, cmvn);
        const buffer = new SharedArrayBuffer(4 * set.frames * numPdfs), scores = new Float32Array(buffer);
        for (const b of minibatches(set, c.context, c.batchSize, null)) {
          const logp = tf.tidy(() => net.logPosteriors(tf.tensor2d(b.x, [b.frames.length, inDim])));
          const values = (await logp.data()) as Float32Array;
          logp.dispose();
          b.frames.forEach((f, i) => {
            for (let p = 0; p < numPdfs; p++) scores[f * numPdfs + p] = values[i * numPdfs + p] - priors[p];
          });
        }
        const utterances = keys.map((key, i) => ({ key, frames: set.offsets[i + 1] - set.offsets[i] }));
        await pool.setScores(s, { scoresId: "dnn", numPdfs }, utterances, buffer);
        set.free();
      }
      const result = await decodeAndScore(
        pool,
        { scoresId: "dnn", numPdfs },
        topology,
        (penalty) => contextPhoneLoopGraph(topology, table, lm, penalty),
        { dev: sets.dev.text, test: sets.test.text },
        { dev: sets.dev.utt2spk, test: sets.test.utt2spk },
        decodeConfig,
      );
      const decodeSeconds = (performance.now() - t2) / 1000;
      for (const s of ["dev", "test"] as const) {
        writeHyps(join(out, `decode_${s}`, "hyp.txt"), result.hyps[s]);
        writeFileAtomic(join(out, `decode_${s}`, "scoring.txt"), scoringDetail(result[s]));
      }
      const tri3Hyps = join(tri3Dir, "decode_test", "hyp.txt");
      let versusTri3: DnnSummary["versusTri3"] = null;
      if (exists(tri3Hyps)) {
        const to39 = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, map48to39(v)]));
        const tri3 = readHyps(tri3Hyps);
        const sig = mapsswe(to39(sets.test.text), to39(result.hyps.test), to39(tri3));
        const tri3Test = JSON.parse(Deno.readTextFileSync(join(tri3Dir, "results.json"))).test;
        versusTri3 = { pValue: sig.pValue, z: sig.z, tri3Test };
      }
      const summary: DnnSummary = {
        dev: result.dev.total,
        test: result.test.total,
        acousticScale: result.acousticScale,
        insertionPenalty: result.insertionPenalty,
        devGrid: result.devGrid,
        backend: info.name,
        blas: info.blas,
        epochs,
        pretrainSeconds,
        trainSeconds,
        decodeSeconds,
        versusTri3,
      };
      writeFileAtomic(join(out, "results.json"), JSON.stringify({ config: c, ...summary }, null, 2) + "\n");
      writeFileAtomic(join(out, "RESULTS.md"), dnnResults(command, c, summary, numPdfs));
    } finally {
      pool.close();
      net.dispose();
    }
  }, { resumable: true });
  const summary: DnnSummary = JSON.parse(Deno.readTextFileSync(join(dir, "results.json")));
  return { dir, ...summary };
}

function logTo(path: string) {
  return (line: string) => {
    console.error(`[dnn] ${line}`);
    Deno.writeTextFileSync(path, line + "\n", { append: true });
  };
}

function dnnResults(command: string, c: DnnConfig, s: DnnSummary, numPdfs: number): string {
  const arch = `${(2 * c.context + 1) * 40}-${Array(c.hiddenLayers).fill(c.hiddenDim).join("-")}-${numPdfs}`;
  const last = s.epochs[s.epochs.length - 1];
  return [
    `# ${command}`,
    "",
    `Initial DNN (hybrid): ${arch} sigmoid, 40-dim fMLLR features (tri3) with global CMVN spliced ±${c.context},`,
    `${
      c.rbm ? `RBM pretraining (CD-1, ${c.rbm.passes} pass per Bernoulli RBM, 2 for the Gaussian one), ` : ""
    }` +
    `cross-entropy with newbob from ${c.learnRate} (minibatch ${c.batchSize}, ${s.epochs.length} epochs), ` +
    `backend ${s.backend}${s.blas ? ` + BLAS` : ""}.`,
    "Scaled likelihoods (log posterior - log prior from the tri3 alignment counts) decoded with tri3's tree and the",
    `phone bigram; acoustic scale and insertion penalty chosen on dev (${s.acousticScale}, ${s.insertionPenalty}).`,
    "",
    `dev:  ${formatCounts(s.dev)}`,
    `test: ${formatCounts(s.test)}`,
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
