// Pipeline stage: i-vectors (diagonal UBM, total-variability extractor), per utterance and per speaker, all splits.
import { join } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { addDeltas } from "../features/deltas.ts";
import { loadFeatures } from "../features/extract.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";
import { ArkWriter, readArk } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";
import {
  emIteration,
  extractIvector,
  initExtractor,
  type IvectorExtractor,
  precomputeU,
} from "../ivector/extractor.ts";
import { addStats, type BwStats, emptyStats, StatsKernel } from "../ivector/stats.ts";
import { trainUbm, UBM_DEFAULTS, type UbmConfig, ubmGaussians } from "../ivector/ubm.ts";
import type { DiagGaussians } from "../gmm/scorer.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { fingerprint, runStage, type Stage } from "./stage.ts";

export interface IvectorConfig {
  ubm: UbmConfig;
  ivectorDim: number;
  iterations: number;
  /** Keep every n-th frame for UBM training (Kaldi subsamples too). */
  ubmSubsample: number;
  /** Posteriors below this are dropped in the statistics (Kaldi's --min-post 0.025). */
  minPost: number;
  /** Append deltas and delta-deltas to the features (for MFCC input; fMLLR features come with context already). */
  deltas: boolean;
  /** Per-speaker mean normalization from the feature dir's cmvn.scp (MFCC input; not for fMLLR features). */
  speakerCmn: boolean;
  seed: number;
}

export const IVECTOR_DEFAULTS: IvectorConfig = {
  ubm: UBM_DEFAULTS,
  ivectorDim: 25,
  iterations: 10,
  ubmSubsample: 4,
  minPost: 0.025,
  deltas: true,
  speakerCmn: true,
  seed: 1,
};

/** The paper's setting (sec. 4.1): the same 40-dim fMLLR features the DNNs see, as they are. */
export const IVECTOR_FMLLR: IvectorConfig = { ...IVECTOR_DEFAULTS, deltas: false, speakerCmn: false };

export interface IvectorStageSummary {
  dims: { features: number; ubmGaussians: number; ivector: number };
  ubmLoglikPerFrame: number[];
  extractorAux: number[];
  seconds: { ubm: number; stats: number; extractor: number; extraction: number };
}

function loadSplit(dir: string, deltas: boolean, speakerCmn: boolean): Map<string, FeatureMatrix> {
  const feats = loadFeatures(dir, speakerCmn ? "speaker" : "none");
  if (deltas) { for (const [k, x] of feats) feats.set(k, addDeltas(x)); }
  return feats;
}

function subsample(x: FeatureMatrix, every: number): FeatureMatrix {
  const rows = Math.ceil(x.rows / every), out = featureMatrix(rows, x.cols);
  for (let r = 0; r < rows; r++) {
    out.data.set(x.data.subarray(r * every * x.cols, (r * every + 1) * x.cols), r * x.cols);
  }
  return out;
}

/** The stage key of the i-vectors: their config and the features they are made from. */
export const ivectorKey = (featDirs: Record<Split, string>, c: IvectorConfig) => ({
  stage: "ivector",
  config: c,
  feats: Object.fromEntries(
    Object.entries(featDirs).map((
      [s, d],
    ) => [s, fingerprint(join(d, "feats.scp"), ...(c.speakerCmn ? [join(d, "cmvn.scp")] : []))]),
  ),
});

/** Trains the UBM and extractor on train, extracts i-vectors for every split into `dir`. */
export function runIvectors(
  featDirs: Record<Split, string>,
  dir: string,
  c: IvectorConfig = IVECTOR_DEFAULTS,
): Promise<Stage<IvectorStageSummary>> {
  return runStage(dir, ivectorKey(featDirs, c), (out) => {
    const log: string[] = [];
    const say = (line: string) => (log.push(line), console.error(`[ivector] ${line}`));
    const feats = Object.fromEntries(
      SPLITS.map((s) => [s, loadSplit(featDirs[s], c.deltas, c.speakerCmn)]),
    ) as Record<Split, Map<string, FeatureMatrix>>;
    let t0 = performance.now();
    const { ubm, history } = trainUbm([...feats.train.values()].map((x) => subsample(x, c.ubmSubsample)), {
      ...c.ubm,
      seed: c.seed,
    }, say);
    const ubmSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const kernel = new StatsKernel(ubm);
    const stats = {} as Record<Split, Map<string, BwStats>>;
    for (const s of SPLITS) {
      stats[s] = new Map([...feats[s]].map(([k, x]) => [k, kernel.stats(x, c.minPost, false)]));
    }
    kernel.free();
    const statsSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const ex = initExtractor(ubm, c.ivectorDim, c.seed);
    const trainSegments = [...stats.train.values()];
    const aux: number[] = [];
    for (let i = 0; i < c.iterations; i++) {
      aux.push(emIteration(ex, trainSegments));
      say(`extractor EM iteration ${i + 1}: auxiliary/segment ${aux[i].toFixed(2)}`);
    }
    const extractorSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const u = precomputeU(ex);
    for (const s of SPLITS) {
      Deno.mkdirSync(join(out, s), { recursive: true });
      const utt = new ArkWriter(join(out, s, "ivector_utt.ark"), "vector", {
        scp: join(out, s, "ivector_utt.scp"),
      });
      for (const [k, st] of stats[s]) utt.write(k, extractIvector(ex, st, false, u));
      utt.close();
      const spk = new ArkWriter(join(out, s, "ivector_spk.ark"), "vector", {
        scp: join(out, s, "ivector_spk.scp"),
      });
      const { utt2spk } = readDataDir(featDirs[s]);
      const bySpeaker = new Map<string, BwStats>();
      for (const [k, st] of stats[s]) {
        const speaker = utt2spk.get(k)!;
        bySpeaker.set(speaker, addStats(bySpeaker.get(speaker) ?? emptyStats(ex.count, ex.dim, false), st));
      }
      for (const [speaker, st] of [...bySpeaker].sort(([a], [b]) => (a < b ? -1 : 1))) {
        spk.write(speaker, extractIvector(ex, st, false, u));
      }
      spk.close();
      Deno.copyFileSync(join(featDirs[s], "utt2spk"), join(out, s, "utt2spk"));
    }
    const model = new ArkWriter(join(out, "extractor.ark"), "matrix", { binary: true });
    model.write("ubm_weights", featureMatrix(1, ubm.count, Float32Array.from(ubm.logWeights, Math.exp)));
    model.write("ubm_means", featureMatrix(ubm.count, ubm.dim, Float32Array.from(ubm.means)));
    model.write("ubm_vars", featureMatrix(ubm.count, ubm.dim, Float32Array.from(ubm.vars)));
    model.write("means", featureMatrix(ex.count, ex.dim, Float32Array.from(ex.means)));
    model.write("T", featureMatrix(ex.count * ex.dim, ex.ivectorDim, Float32Array.from(ex.t)));
    model.close();
    const summary: IvectorStageSummary = {
      dims: { features: ubm.dim, ubmGaussians: ubm.count, ivector: c.ivectorDim },
      ubmLoglikPerFrame: history,
      extractorAux: aux,
      seconds: {
        ubm: ubmSeconds,
        stats: statsSeconds,
        extractor: extractorSeconds,
        extraction: (performance.now() - t0) / 1000,
      },
    };
    writeFileAtomic(join(out, "log.txt"), log.join("\n") + "\n");
    return summary;
  });
}

/** Per-utterance or per-speaker i-vectors of a split, from the stage's folder: finite, one dimension, unique keys. */
export function readIvectors(dir: string, split: Split, level: "utt" | "spk"): Map<string, Float32Array> {
  return new Map(readArk(join(dir, split, `ivector_${level}.ark`), "vector", { sameDim: true }));
}

/** The UBM and extractor a stage saved in extractor.ark. */
function loadExtractor(dir: string): { ubm: DiagGaussians; extractor: IvectorExtractor } {
  const path = join(dir, "extractor.ark"), m = new Map(readArk(path, "matrix"));
  const get = (name: string) => {
    const x = m.get(name);
    if (!x) throw new Error(`${path}: no '${name}'`);
    return Float64Array.from(x.data);
  };
  const ubm = ubmGaussians(get("ubm_weights"), get("ubm_means"), get("ubm_vars"));
  const t = m.get("T")!;
  return {
    ubm,
    extractor: {
      count: ubm.count,
      dim: ubm.dim,
      ivectorDim: t.cols,
      means: get("means"),
      precisions: ubm.vars.map((v) => 1 / v),
      t: get("T"),
    },
  };
}

/**
 * Each speaker's i-vector from the frames of their utterances that `keep` selects (all frames without it), as
 * the stage extracts them (posteriors under minPost dropped, no length normalization).
 */
export function speakerIvectors(
  dir: string,
  feats: Map<string, FeatureMatrix>,
  utt2spk: Map<string, string>,
  minPost: number,
  keep?: (key: string) => Uint8Array,
): Map<string, Float32Array> {
  const { ubm, extractor } = loadExtractor(dir), kernel = new StatsKernel(ubm), u = precomputeU(extractor);
  const bySpeaker = new Map<string, BwStats>();
  for (const [key, x] of feats) {
    const mask = keep?.(key), rows = mask ? mask.reduce((n, b) => n + b, 0) : x.rows;
    let y = x;
    if (mask) {
      y = featureMatrix(rows, x.cols);
      for (let r = 0, o = 0; r < x.rows; r++) {
        if (mask[r]) y.data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), o++ * x.cols);
      }
    }
    const speaker = utt2spk.get(key);
    if (!speaker) throw new Error(`no speaker for '${key}'`);
    if (!rows) continue;
    const st = kernel.stats(y, minPost, false);
    bySpeaker.set(
      speaker,
      addStats(bySpeaker.get(speaker) ?? emptyStats(extractor.count, extractor.dim, false), st),
    );
  }
  kernel.free();
  return new Map([...bySpeaker].map(([s, st]) => [s, extractIvector(extractor, st, false, u)]));
}
