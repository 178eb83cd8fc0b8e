// Analysis stage: SUPERB-style frozen linear probes (phone recognition, speaker identification, verification) on every layer of a system.
import { join } from "node:path";
import { phoneLoopGraph } from "../decode/graph.ts";
import type { ErrorCounts } from "../decode/score.ts";
import { decodeAndScore, type EvalSplit } from "../decode/search.ts";
import { loadFeatures } from "../features/extract.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { equalErrorRate } from "../ivector/evaluate.ts";
import { readArk } from "../io/ark.ts";
import { type BackendChoice, initBackend } from "../nnet/backend.ts";
import { loadParameters } from "../nnet/checkpoint.ts";
import type { DnnConfig } from "../nnet/config.ts";
import { minibatches } from "../nnet/data.ts";
import { accuracy, headLogPosteriors, type LinearHead, trainHead } from "../nnet/linear_head.ts";
import { acousticSpec, Network, type NetworkSpec } from "../nnet/network.ts";
import { Rng } from "../util/rng.ts";
import * as tf from "@tensorflow/tfjs-core";
import { HybridSetup } from "./hybrid.ts";
import { utterancePool } from "./pool.ts";
import { speakerVectors } from "./speaker_dnn.ts";
import { readStage, runStage, type Stage } from "./stage.ts";

export interface ProbeConfig {
  /** PR training frames drawn (seeded) from every training utterance, and dev frames for the learning rate. */
  framesPerUtterance: number;
  devFramesPerUtterance: number;
  /** The grid each head's Adam learning rate is chosen from (PR on dev frames, SID on held-out utterances). */
  learnRates: number[];
  pr: { epochs: number; batchSize: number };
  sid: { epochs: number; batchSize: number; trainUtterances: number };
  /** Acoustic scales searched on dev (insertion penalty 0). */
  acousticScales: number[];
  seed: number;
}

export const PROBE_DEFAULTS: ProbeConfig = {
  framesPerUtterance: 8,
  devFramesPerUtterance: 8,
  learnRates: [1e-3, 3e-3, 1e-2],
  pr: { epochs: 4, batchSize: 256 },
  sid: { epochs: 30, batchSize: 128, trainUtterances: 6 },
  acousticScales: [0.2, 0.3, 0.5, 0.7, 1, 1.4],
  seed: 1,
};

/** What is probed: the inputs (MFCC, fMLLR, i-vector), or every hidden layer (and speaker partition) of a network. */
export type ProbeSystem =
  | { kind: "inputs"; name: string; title: string }
  | { kind: "network"; name: string; title: string; stage: Stage<{ spec?: NetworkSpec; config: DnnConfig }> };

export interface ProbeInputs {
  aliDir: string;
  aliHash: string;
  ivectorDir: string;
  ivectorHash: string;
  /** MFCC feature dirs per split (per-speaker CMVN stats beside them) and their stage hashes. */
  mfccDir: string;
  mfccHashes: string[];
  context: number;
  backend: BackendChoice;
  jobs?: number;
}

/** What the probes of an experiment read: tri3's alignments, the i-vectors, the MFCC stages. */
export function probeInputs(
  x: { exp: string; ali: Stage<unknown>; ivectors: Stage<unknown> },
  o: { context: number; backend: BackendChoice; jobs: number },
): ProbeInputs {
  const mfccDir = join(x.exp, "mfcc");
  return {
    aliDir: x.ali.dir,
    aliHash: x.ali.hash,
    ivectorDir: x.ivectors.dir,
    ivectorHash: x.ivectors.hash,
    mfccDir,
    mfccHashes: ["train", "dev", "test"].map((s) => readStage(join(mfccDir, s)).hash),
    ...o,
  };
}

/** One probed representation: the plot line it belongs to and its depth (0 = an input). */
export interface Representation {
  name: string;
  line: string;
  depth: number;
  dim: number;
}

interface PrResult {
  learnRate: number;
  /** Dev frame accuracy of each learning rate of the grid. */
  devFrameAccuracy: number[];
  acousticScale: number;
  dev: ErrorCounts;
  test: ErrorCounts;
}

interface SidResult {
  learnRate: number;
  /** Accuracy on each training speaker's held-out utterance for each learning rate of the grid. */
  heldOutAccuracy: number[];
  accuracy: number;
}

export interface ProbeSummary {
  system: string;
  title: string;
  /** eer: null where a split has a single speaker (no impostor trials). */
  reps: (Representation & { pr: PrResult; sid: SidResult; eer: Record<"dev" | "test", number | null> })[];
  /** Weighted sums over a line's layers: PR and SID heads with their learnt layer weights. */
  weighted: {
    line: string;
    reps: string[];
    pr: PrResult & { layerWeights: number[] };
    sid: SidResult & { layerWeights: number[] };
  }[];
  frames: { train: number; dev: number; trainUtterances: number; speakers: number };
  /** Chance levels: the most frequent phone's share of the dev frames, 1 / training speakers. */
  chance: { frameAccuracy: number; sid: number };
  seconds: number;
}

/** Every representation of a system, forwarded split by split (frames in the split's order, all of them). */
interface Forwarder {
  reps: Representation[];
  /** Weighted-sum groups: indices into reps of one line, all of one dimension. */
  groups: number[][];
  /** `begin` gets the split's utterances and their first frames (then the total) before the first batch. */
  forward(
    split: "train" | EvalSplit,
    visit: (frames: Int32Array, rows: Float32Array[]) => void,
    begin?: (keys: string[], offsets: Int32Array) => void,
  ): void;
  dispose(): void;
}

/** Rows of one utterance's features spliced ±context (edges repeated), for frames t of that utterance. */
function spliceRows(m: FeatureMatrix, t: number, context: number, out: Float32Array, at: number) {
  for (let j = -context; j <= context; j++) {
    const r = Math.min(m.rows - 1, Math.max(0, t + j));
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), at + (j + context) * m.cols);
  }
}

function forwarder(system: ProbeSystem, h: HybridSetup, o: ProbeInputs): Forwarder {
  const speakerOf = speakerVectors(o.ivectorDir, h), batch = 1024;
  if (system.kind === "inputs") {
    const w = 2 * o.context + 1;
    const reps: Representation[] = [
      { name: `MFCC + speaker CMN ±${o.context}`, line: "inputs", depth: 0, dim: 13 * w },
      { name: `fMLLR ±${o.context}`, line: "inputs", depth: 0, dim: h.cmvn.dim * w },
      {
        name: "i-vector",
        line: "inputs",
        depth: 0,
        dim: speakerOf.train(h.sets.train.utt2spk.keys().next().value!).length,
      },
    ];
    return {
      reps,
      groups: [],
      forward(split, visit, begin) {
        const set = h.load(split as EvalSplit, speakerOf[split]);
        begin?.(set.keys, set.offsets);
        const mfcc = loadFeatures(join(o.mfccDir, split), "speaker");
        for (const b of minibatches(set, o.context, batch, null)) {
          const cols = mfcc.get(set.keys[0])!.cols, rows = new Float32Array(b.frames.length * cols * w);
          b.frames.forEach((f, i) => {
            const u = set.uttOf[f], m = mfcc.get(set.keys[u]);
            if (!m || m.rows !== set.offsets[u + 1] - set.offsets[u]) {
              throw new Error(`${o.mfccDir}/${split}: no MFCC frames matching '${set.keys[u]}'`);
            }
            spliceRows(m, f - set.offsets[u], o.context, rows, i * cols * w);
          });
          visit(b.frames, [rows, b.x, b.s!]);
        }
        set.free();
      },
      dispose() {},
    };
  }
  const s = system.stage.summary, c = s.config;
  const spec = s.spec ??
    acousticSpec([(2 * c.context + 1) * h.cmvn.dim, ...Array(c.hiddenLayers).fill(c.hiddenDim), h.numPdfs]);
  const net = Network.create(spec, new Rng(0, "weights loaded below"));
  loadParameters(join(system.stage.dir, "final.params.ark"), net.namedParameters());
  const H = spec.dims.length - 2, partitions = spec.nodes.filter((n) => /^partition\d+$/.test(n.name));
  const paired = partitions.length > 0;
  const line = (part: string) => (paired ? `${system.title}: ${part}` : system.title);
  const reps: Representation[] = [];
  for (let l = 1; l <= H; l++) {
    reps.push({ name: `layer ${l}`, line: line("standard"), depth: l, dim: spec.dims[l] });
  }
  if (paired) {
    // partition<l> is hidden layer l's speaker partition s^l (the layer above it takes it, the output s^H)
    partitions.forEach((n, i) =>
      reps.push({ name: `speaker partition ${i + 1}`, line: line("speaker"), depth: i + 1, dim: n.units })
    );
    partitions.forEach((n, i) =>
      reps.push({
        name: `layer ${i + 1} + partition`,
        line: line("both"),
        depth: i + 1,
        dim: spec.dims[i + 1] + n.units,
      })
    );
  }
  const lineGroups = [...new Set(reps.map((r) => r.line))].map((ln) =>
    reps.flatMap((r, i) => (r.line === ln ? [i] : []))
  );
  return {
    reps,
    groups: lineGroups.filter((g) => g.length > 1 && g.every((i) => reps[i].dim === reps[g[0]].dim)),
    forward(split, visit, begin) {
      const set = h.load(split as EvalSplit, net.takesSpeaker ? speakerOf[split] : undefined);
      begin?.(set.keys, set.offsets);
      const nodeAt = partitions.map((p) => spec.nodes.indexOf(p));
      for (const b of minibatches(set, o.context, batch, null)) {
        const n = b.frames.length;
        const out = tf.tidy(() => {
          const x = tf.tensor2d(b.x, [n, b.x.length / n]);
          const a = net.forward(x, b.s ? tf.tensor2d(b.s, [n, b.s.length / n]) : undefined, true);
          return [...a.hidden.slice(1, H + 1), ...nodeAt.map((i) => a.nodes[i])];
        });
        const rows = out.map((t) => t.dataSync() as Float32Array); // outside the tidy: much faster there
        tf.dispose(out);
        if (paired) {
          partitions.forEach((p, i) => {
            const d = spec.dims[i + 1], both = new Float32Array(n * (d + p.units));
            for (let r = 0; r < n; r++) {
              both.set(rows[i].subarray(r * d, (r + 1) * d), r * (d + p.units));
              both.set(rows[H + i].subarray(r * p.units, (r + 1) * p.units), r * (d + p.units) + d);
            }
            rows.push(both);
          });
        }
        visit(b.frames, rows);
      }
      set.free();
    },
    dispose: () => net.dispose(),
  };
}

/** Per-dimension mean and standard deviation of the rows of `x` (n x dim). */
function moments(x: Float32Array, dim: number) {
  const n = x.length / dim, mean = new Float64Array(dim), sd = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d] / n;
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) sd[d] += (x[i * dim + d] - mean[d]) ** 2 / n;
  return { mean, sd: sd.map((v) => Math.sqrt(v) || 1) };
}

const standardize = (x: Float32Array, m: { mean: Float64Array; sd: Float64Array }) => {
  const dim = m.mean.length;
  return x.map((v, i) => (v - m.mean[i % dim]) / m.sd[i % dim]);
};

/** Each frame's phone (tri3's hmm states are phone * 3 + state). */
function framePhones(aliDir: string, split: "train" | "dev", keys: string[], offsets: Int32Array) {
  const states = new Map(readArk(join(aliDir, `states.${split}.ark`), "ints"));
  const out = new Int32Array(offsets[keys.length]);
  keys.forEach((k, u) => {
    const s = states.get(k);
    if (!s || s.length !== offsets[u + 1] - offsets[u]) throw new Error(`${aliDir}: no states for '${k}'`);
    s.forEach((v, t) => (out[offsets[u] + t] = Math.floor(v / 3)));
  });
  return out;
}

/** What one pass over a split collects: the frames' utterance boundaries, sampled rows and utterance means. */
interface Collected {
  keys: string[];
  offsets: Int32Array;
  sample: Int32Array;
  rows: Float32Array[];
  means: Float32Array[];
}

function collect(f: Forwarder, split: "train" | EvalSplit, perUtterance: number, seed: number) {
  const c: Collected = {
    keys: [],
    offsets: new Int32Array(1),
    sample: new Int32Array(0),
    rows: [],
    means: [],
  };
  let rowOf = new Map<number, number>(), sums: Float64Array[] = [];
  const begin = (keys: string[], offsets: Int32Array) => {
    const rng = new Rng(seed, "probe frames", split), picked: number[] = [];
    keys.forEach((_, u) => {
      const n = offsets[u + 1] - offsets[u], t = Int32Array.from({ length: n }, (_, i) => i);
      for (let i = 0; i < Math.min(perUtterance, n); i++) {
        const j = i + rng.int(n - i), s = t[i];
        (t[i] = t[j]), (t[j] = s);
        picked.push(offsets[u] + t[i]);
      }
    });
    (c.keys = keys), (c.offsets = offsets.slice()), (c.sample = Int32Array.from(picked).sort());
    rowOf = new Map(Array.from(c.sample, (fr, i) => [fr, i]));
  };
  f.forward(split, (frames, batchRows) => {
    if (!sums.length) {
      c.rows = batchRows.map((r) => new Float32Array(c.sample.length * (r.length / frames.length)));
      sums = batchRows.map((r) => new Float64Array(c.keys.length * (r.length / frames.length)));
    }
    batchRows.forEach((r, k) => {
      const dim = r.length / frames.length, sum = sums[k];
      frames.forEach((fr, i) => {
        const u = uttOf(c.offsets, fr), src = r.subarray(i * dim, (i + 1) * dim), at = rowOf.get(fr);
        if (at !== undefined) c.rows[k].set(src, at * dim);
        for (let d = 0; d < dim; d++) sum[u * dim + d] += src[d];
      });
    });
  }, begin);
  c.means = sums.map((s) => {
    const dim = s.length / c.keys.length, n = (u: number) => c.offsets[u + 1] - c.offsets[u];
    return Float32Array.from(s, (v, i) => v / n(Math.floor(i / dim)));
  });
  return c;
}

/** The utterance of frame `f` (binary search over the boundaries). */
function uttOf(offsets: Int32Array, f: number) {
  let lo = 0, hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= f) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Trains one head per learning rate of the grid, keeps the one best on the validation rows. */
function pickHead(
  train: Float32Array[],
  dim: number,
  labels: Int32Array,
  valid: Float32Array[],
  validLabels: Int32Array,
  classes: number,
  c: ProbeConfig,
  h: { epochs: number; batchSize: number },
) {
  const tried = c.learnRates.map((learnRate) => {
    const head = trainHead(train, dim, labels, classes, { learnRate, ...h, seed: c.seed });
    return {
      learnRate,
      head,
      acc: accuracy(headLogPosteriors(head, valid, validLabels.length), validLabels, classes),
    };
  });
  const best = tried.reduce((a, b) => (b.acc > a.acc ? b : a));
  return { best, accuracies: tried.map((t) => t.acc) };
}

/**
 * The probes of one system, each representation and each weighted sum probed the same way (see README, Probes):
 * PR heads on a seeded frame subsample of train, learning rate by dev frame accuracy, decoded with a phone loop
 * and the phone bigram (log posterior - log prior, acoustic scale on dev), PER on 39 phones; SID heads on
 * utterance means (the first `trainUtterances` of each training speaker by key, learning rate by the last of
 * those held out, tested on the rest); EER of cosine scores between utterance means of dev and of test.
 */
export function runProbes(
  system: ProbeSystem,
  dir: string,
  o: ProbeInputs,
  c: ProbeConfig,
): Promise<Stage<ProbeSummary> & { made: boolean }> {
  const key = {
    stage: "probe",
    system: system.kind === "inputs" ? "inputs" : system.stage.hash,
    ali: o.aliHash,
    ivectors: o.ivectorHash,
    mfcc: system.kind === "inputs" ? o.mfccHashes : [],
    context: o.context,
    config: c,
  };
  return runStage(dir, key, async () => {
    const t0 = performance.now();
    await initBackend(o.backend);
    const h = new HybridSetup(o.aliDir), f = forwarder(system, h, o), P = h.topology.phones.length;
    const log = (line: string) => console.error(`[probe ${system.name}] ${line}`);
    const pass = (split: "train" | EvalSplit, perUtterance: number) => {
      const t = performance.now(), r = collect(f, split, perUtterance, c.seed);
      log(
        `${split}: ${r.offsets.at(-1)} frames forwarded in ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
      return r;
    };
    const train = pass("train", c.framesPerUtterance);
    const dev = pass("dev", c.devFramesPerUtterance), test = pass("test", 0);
    log(
      `${train.sample.length} training frames, ${dev.sample.length} dev frames, ${f.reps.length} representations`,
    );
    const trainPhones = framePhones(o.aliDir, "train", train.keys, train.offsets);
    const devPhones = framePhones(o.aliDir, "dev", dev.keys, dev.offsets);
    const yTrain = Int32Array.from(train.sample, (fr) => trainPhones[fr]);
    const yDev = Int32Array.from(dev.sample, (fr) => devPhones[fr]);
    const counts = new Float64Array(P);
    trainPhones.forEach((p) => counts[p]++);
    // a phone no training frame has gets a prior of +1e10 (never chosen), as the hybrid systems' floored senones:
    // otherwise its tiny posterior over a zero prior outscores every phone seen
    const logPrior = Float32Array.from(counts, (n) => (n > 0 ? Math.log(n / trainPhones.length) : 1e10));
    const devCounts = new Float64Array(P);
    devPhones.forEach((p) => devCounts[p]++);

    const dims = f.reps.map((r, k) => train.rows[k].length / train.sample.length || r.dim);
    const frameStats = train.rows.map((x, k) => moments(x, dims[k]));
    const std = (x: Float32Array[], k: number) => standardize(x[k], frameStats[k]);
    // SID: each training speaker's utterances by key, the first `trainUtterances` for training
    const spk = h.sets.train.utt2spk, speakers = [...new Set(train.keys.map((k) => spk.get(k)!))].sort();
    const byKey = train.keys.map((k, u) => ({ k, u })).sort((a, b) => (a.k < b.k ? -1 : 1));
    const sidRole = new Int8Array(train.keys.length), nth = new Map<string, number>();
    for (const { k, u } of byKey) {
      const s = spk.get(k)!, i = nth.get(s) ?? 0;
      nth.set(s, i + 1);
      sidRole[u] = i < c.sid.trainUtterances - 1 ? 0 : i === c.sid.trainUtterances - 1 ? 1 : 2;
    }
    const sidLabel = Int32Array.from(train.keys, (k) => speakers.indexOf(spk.get(k)!));
    const pick = (role: (r: number) => boolean) =>
      Int32Array.from(sidRole.keys()).filter((u) => role(sidRole[u]));
    const fitRows = pick((r) => r < 2),
      sidStats = train.means.map((m, k) => moments(gather(m, dims[k], fitRows), dims[k]));
    const uttVec = (means: Float32Array[], k: number) => standardize(means[k], sidStats[k]);

    const pool = utterancePool(o.jobs);
    const decodeConfig = { acousticScales: c.acousticScales, insertionPenalties: [0], beam: 15 };
    const refs = { dev: h.sets.dev.text, test: h.sets.test.text };
    const utt2spk = { dev: h.sets.dev.utt2spk, test: h.sets.test.utt2spk };
    const graph = (penalty: number) => phoneLoopGraph(h.topology, (p) => p, h.lm, penalty);
    const scoresOf = (logp: Float32Array) => {
      const buffer = new SharedArrayBuffer(4 * logp.length), s = new Float32Array(buffer);
      logp.forEach((v, i) => (s[i] = v - logPrior[i % P]));
      return buffer;
    };
    // PR heads over (standardized) layers `ks`, the rate picked on dev frames
    const prHead = (ks: number[]) =>
      pickHead(
        ks.map((k) => std(train.rows, k)),
        dims[ks[0]],
        yTrain,
        ks.map((k) => std(dev.rows, k)),
        yDev,
        P,
        c,
        c.pr,
      );
    // then dev and test forwarded once for every head, and each head's posteriors decoded
    const decodeHeads = async (heads: { ks: number[]; head: LinearHead }[]) => {
      const logp = { dev: [] as Float32Array[], test: [] as Float32Array[] };
      for (const split of ["dev", "test"] as const) {
        const frames = (split === "dev" ? dev : test).offsets.at(-1)!;
        logp[split] = heads.map(() => new Float32Array(frames * P));
        f.forward(split, (fr, rows) => {
          const layers = rows.map((r, k) => standardize(r, frameStats[k]));
          heads.forEach(({ ks, head }, i) =>
            logp[split][i].set(headLogPosteriors(head, ks.map((k) => layers[k]), fr.length), fr[0] * P)
          );
        });
      }
      const out = [];
      for (const i of heads.keys()) {
        for (const split of ["dev", "test"] as const) {
          const set = split === "dev" ? dev : test;
          const utterances = set.keys.map((key, u) => ({ key, frames: set.offsets[u + 1] - set.offsets[u] }));
          await pool.setScores(
            split,
            { scoresId: "probe", numPdfs: P },
            utterances,
            scoresOf(logp[split][i]),
          );
        }
        const r = await decodeAndScore(
          pool,
          () => Promise.resolve({ scoresId: "probe", numPdfs: P }),
          h.topology,
          graph,
          refs,
          utt2spk,
          decodeConfig,
        );
        out.push({ acousticScale: r.acousticScale, dev: r.dev.total, test: r.test.total });
      }
      return out;
    };
    const sidProbe = (ks: number[]): { head: LinearHead; result: SidResult } => {
      const dim = dims[ks[0]], vecs = ks.map((k) => uttVec(train.means, k));
      const rowsOf = (role: (r: number) => boolean) => {
        const u = pick(role);
        return { x: vecs.map((v) => gather(v, dim, u)), y: Int32Array.from(u, (i) => sidLabel[i]) };
      };
      const fit = rowsOf((r) => r === 0), held = rowsOf((r) => r === 1);
      const { best, accuracies } = pickHead(fit.x, dim, fit.y, held.x, held.y, speakers.length, c, c.sid);
      const all = rowsOf((r) => r < 2), rest = rowsOf((r) => r === 2);
      const head = trainHead(all.x, dim, all.y, speakers.length, {
        learnRate: best.learnRate,
        ...c.sid,
        seed: c.seed,
      });
      const acc = accuracy(headLogPosteriors(head, rest.x, rest.y.length), rest.y, speakers.length);
      return { head, result: { learnRate: best.learnRate, heldOutAccuracy: accuracies, accuracy: acc } };
    };
    const eer = (set: Collected, split: EvalSplit, k: number) => {
      const v = uttVec(set.means, k), dim = dims[k];
      const map = new Map(set.keys.map((key, u) => [key, v.subarray(u * dim, (u + 1) * dim)]));
      const u2s = h.sets[split].utt2spk;
      return new Set(set.keys.map((k) => u2s.get(k))).size > 1 ? equalErrorRate(map, u2s) : null;
    };
    try {
      const units = [...f.reps.map((_, k) => [k]), ...f.groups];
      const heads = units.map((ks) => prHead(ks));
      log(`PR heads trained (${units.length}); decoding dev and test`);
      const decoded = await decodeHeads(units.map((ks, i) => ({ ks, head: heads[i].best.head })));
      const pr = units.map((_, i): PrResult => ({
        learnRate: heads[i].best.learnRate,
        devFrameAccuracy: heads[i].accuracies,
        ...decoded[i],
      }));
      const reps = f.reps.map((rep, k) => {
        const sid = sidProbe([k]).result;
        const r = {
          ...rep,
          dim: dims[k],
          pr: pr[k],
          sid,
          eer: { dev: eer(dev, "dev", k), test: eer(test, "test", k) },
        };
        log(
          `${rep.line} / ${rep.name}: PR dev PER ${fmtPer(pr[k].dev)} test ${fmtPer(pr[k].test)}; SID ${
            (100 * sid.accuracy).toFixed(1)
          }%; EER dev ${r.eer.dev === null ? "-" : (100 * r.eer.dev).toFixed(1)}%`,
        );
        return r;
      });
      const weighted = f.groups.map((ks, g) => {
        const i = f.reps.length + g, sid = sidProbe(ks);
        log(
          `${f.reps[ks[0]].line}, weighted sum: PR weights ${fmtWeights(heads[i].best.head)}, SID ${
            fmtWeights(sid.head)
          }`,
        );
        return {
          line: f.reps[ks[0]].line,
          reps: ks.map((k) => f.reps[k].name),
          pr: { ...pr[i], layerWeights: heads[i].best.head.layerWeights },
          sid: { ...sid.result, layerWeights: sid.head.layerWeights },
        };
      });
      return {
        system: system.name,
        title: system.title,
        reps,
        weighted,
        frames: {
          train: train.sample.length,
          dev: dev.sample.length,
          trainUtterances: train.keys.length,
          speakers: speakers.length,
        },
        chance: { frameAccuracy: Math.max(...devCounts) / devPhones.length, sid: 1 / speakers.length },
        seconds: (performance.now() - t0) / 1000,
      };
    } finally {
      pool.close();
      f.dispose();
    }
  });
}

const fmtPer = (c: ErrorCounts) => ((100 * (c.sub + c.del + c.ins)) / Math.max(1, c.ref)).toFixed(2);
const fmtWeights = (head: LinearHead) => head.layerWeights.map((w) => w.toFixed(2)).join("/");

/** Rows `rows` of x (n x dim). */
function gather(x: Float32Array, dim: number, rows: Int32Array) {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(x.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}
