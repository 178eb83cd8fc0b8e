// The worker side of GMM training and scoring: statistics, alignments and fMLLR on a worker's utterance sets.
import { FmllrStats } from "../features/fmllr.ts";
import { LdaStats } from "../features/lda.ts";
import { MlltStats } from "../features/mllt.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { alignWithRetry, type Chain, equalAlignment } from "../hmm/align.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";
import { phoneContext, tableIndex } from "../hmm/tree.ts";
import { adaptFeatures, dropScoresExcept, getSet, type UtteranceSet } from "../utterances/store.ts";
import type { Handlers } from "../util/pool.ts";
import { AcousticModel, type AcousticModelData, AmStats } from "./am.ts";
import { DiagScorer } from "./scorer.ts";

export interface TransitionData {
  selfLog: Float64Array;
  leaveLog: Float64Array;
}

export type GmmRequest =
  | ({ op: "align"; set: string; model: AcousticModelData; transitions: TransitionData } & AlignOptions)
  | ({ op: "fmllr"; set: string; model: AcousticModelData; numPhones: number } & FmllrOptions)
  | { op: "ldaStats"; set: string; pdfTable: Int32Array; numPhones: number }
  | { op: "mlltStats"; set: string; model: AcousticModelData; pdfTable: Int32Array; numPhones: number }
  | ({
    op: "accumulate";
    set: string;
    model: AcousticModelData;
    transitions: TransitionData;
    alignment: "equal" | "realign" | "keep";
  } & AlignOptions)
  | { op: "treeStats"; set: string; numPhones: number }
  | {
    op: "score";
    set: string;
    model: AcousticModelData;
    /** Names the scores: the set keeps them for the decode requests that follow. */
    scoresId: string;
  };

export interface AlignOptions {
  /** Context-dependent pdfs (phone, left, right, state; see hmm/tree.ts pdfTable), or none for monophones. */
  pdfTable?: Int32Array;
  acousticScale: number;
  beam: number;
  retryBeam: number;
}

export interface FmllrOptions {
  pdfTable?: Int32Array;
  /** Frames aligned to these phones count with this weight (Kaldi: 0 in training, 0.01 when decoding). */
  silencePhones: number[];
  silenceWeight: number;
  /** Row-update sweeps, and the occupancy below which a speaker keeps the transform it has. */
  sweeps: number;
  minFrames: number;
}

/** Per worker: frames, objective improvement and speakers left unchanged by an fMLLR estimation. */
export interface FmllrReply {
  frames: number;
  improvement: number;
  speakers: number;
  skipped: string[];
}

export interface AccumulateReply {
  stats: { occ: Float64Array; sum: Float64Array; sumSq: Float64Array; loglik: number; frames: number };
  failed: string[];
  retried: number;
}

/**
 * The chain of HMM states of a phone transcript: hmm state = phone * 3 + state; the pdf is the hmm state for
 * monophones, or looked up by (phone, left, right, state) in a pdf table (the edge of the utterance is context P).
 */
function chainOf(
  transcript: Int32Array,
  t: TransitionData,
  numPhones: number,
  table?: Int32Array,
): Chain & { hmm: Int32Array } {
  const S = STATES_PER_PHONE, n = transcript.length;
  const hmm = new Int32Array(n * S), pdf = new Int32Array(n * S);
  transcript.forEach((p, i) => {
    const [l, r] = phoneContext(transcript, i, numPhones);
    for (let k = 0; k < S; k++) {
      hmm[i * S + k] = p * S + k;
      pdf[i * S + k] = table ? table[tableIndex(numPhones, p, l, r, k)] : p * S + k;
    }
  });
  return {
    hmm,
    pdf,
    selfLog: Float64Array.from(hmm, (s) => t.selfLog[s]),
    leaveLog: Float64Array.from(hmm, (s) => t.leaveLog[s]),
  };
}

/** Position in the transcript of every frame of an hmm-state alignment: a phone starts where state 0 is entered. */
function phonePositions(ali: Int32Array): Int32Array {
  const pos = new Int32Array(ali.length);
  for (let t = 1, i = 0; t < ali.length; t++) {
    if (ali[t] !== ali[t - 1] && ali[t] % STATES_PER_PHONE === 0) i++;
    pos[t] = i;
  }
  return pos;
}

/** Single-Gaussian statistics per (left, phone, right, state) from the current alignments, packed for transfer. */
function treeStats(set: UtteranceSet, numPhones: number) {
  const dim = set.feats[0].cols, index = new Map<number, number>();
  const keys: number[] = [], counts: number[] = [], sums: number[][] = [], sumSqs: number[][] = [];
  set.feats.forEach((x, i) => {
    const ali = set.alignments[i], tr = set.transcripts[i];
    if (!ali) return;
    const pos = phonePositions(ali);
    for (let t = 0; t < x.rows; t++) {
      const j = pos[t], p = tr[j], k = ali[t] % STATES_PER_PHONE;
      const [l, r] = phoneContext(tr, j, numPhones);
      const key = ((l * numPhones + p) * (numPhones + 1) + r) * STATES_PER_PHONE + k;
      let e = index.get(key);
      if (e === undefined) {
        index.set(key, e = keys.length);
        keys.push(key),
          counts.push(0),
          sums.push(new Array(dim).fill(0)),
          sumSqs.push(new Array(dim).fill(0));
      }
      counts[e]++;
      for (let d = 0; d < dim; d++) {
        const v = x.data[t * dim + d];
        sums[e][d] += v;
        sumSqs[e][d] += v * v;
      }
    }
  });
  return {
    keys: Int32Array.from(keys),
    counts: Float64Array.from(counts),
    sums: Float64Array.from(sums.flat()),
    sumSqs: Float64Array.from(sumSqs.flat()),
  };
}

/** The pdf of every frame of an utterance's alignment, through the pdf table. */
export function framePdfs(
  ali: Int32Array,
  transcript: Int32Array,
  table: Int32Array,
  numPhones: number,
): Int32Array {
  const pos = phonePositions(ali);
  return Int32Array.from(ali, (h, t) => {
    const [l, r] = phoneContext(transcript, pos[t], numPhones);
    return table[tableIndex(numPhones, transcript[pos[t]], l, r, h % STATES_PER_PHONE)];
  });
}

/** LDA statistics of the spliced features, one class per pdf (Kaldi's acc-lda from alignments). */
function ldaStats(set: UtteranceSet, table: Int32Array, numPhones: number) {
  if (!set.base) throw new Error("LDA statistics need spliced features");
  const stats = new LdaStats(set.base[0].cols);
  set.base.forEach((x, i) => {
    const ali = set.alignments[i];
    if (!ali) return;
    const pdfs = framePdfs(ali, set.transcripts[i], table, numPhones);
    for (let t = 0; t < x.rows; t++) stats.add(x, t, pdfs[t]);
  });
  return {
    classCount: stats.classCount,
    classSum: stats.classSum,
    scatter: stats.scatter,
    total: stats.total,
  };
}

/**
 * MLLT statistics (Kaldi's gmm-acc-mllt) in the current feature space: per Gaussian the scatter of the frames
 * around its mean, weighted by posteriors within the aligned pdf; then G_i = sum_m W_m / var_m,i.
 */
function mlltStats(set: UtteranceSet, model: AcousticModel, table: Int32Array, numPhones: number) {
  const d = model.dim, G = model.numGaussians, w = new Float64Array(G * d * d);
  let beta = 0;
  let most = 0;
  for (let p = 0; p < model.numPdfs; p++) most = Math.max(most, model.offsets[p + 1] - model.offsets[p]);
  const diff = new Float64Array(d), post = new Float64Array(most);
  set.feats.forEach((x, i) => {
    const ali = set.alignments[i];
    if (!ali) return;
    const pdfs = framePdfs(ali, set.transcripts[i], table, numPhones);
    for (let t = 0; t < x.rows; t++) {
      const lo = model.offsets[pdfs[t]], hi = model.offsets[pdfs[t] + 1];
      let max = -Infinity, sum = 0;
      for (let c = lo; c < hi; c++) max = Math.max(max, post[c - lo] = model.componentLoglik(x, t, c));
      for (let c = lo; c < hi; c++) sum += post[c - lo] = Math.exp(post[c - lo] - max);
      for (let c = lo; c < hi; c++) {
        const g = post[c - lo] / sum;
        if (g < 1e-4) continue;
        for (let k = 0; k < d; k++) diff[k] = x.data[t * d + k] - model.means[c * d + k];
        const wc = c * d * d;
        for (let a = 0; a < d; a++) {
          const ga = g * diff[a];
          for (let b = a; b < d; b++) w[wc + a * d + b] += ga * diff[b];
        }
      }
      beta++;
    }
  });
  const stats = new MlltStats(d);
  stats.beta = beta;
  for (let c = 0; c < G; c++) {
    for (let k = 0; k < d; k++) {
      const inv = 1 / model.vars[c * d + k], gk = stats.g[k], wc = c * d * d;
      for (let a = 0; a < d; a++) {
        for (let b = a; b < d; b++) {
          const v = w[wc + a * d + b] * inv;
          gk[a * d + b] += v;
          if (b !== a) gk[b * d + a] += v;
        }
      }
    }
  }
  return { g: stats.g, beta };
}

/** Viterbi-aligns utterance i to its transcript, scoring only the pdfs of its chain; returns those scores. */
function realign(
  set: UtteranceSet,
  i: number,
  model: AcousticModel,
  scorer: DiagScorer,
  transitions: TransitionData,
  o: AlignOptions,
): { gauss: FeatureMatrix; retried: boolean } {
  const x = set.feats[i], numPhones = transitions.selfLog.length / STATES_PER_PHONE;
  const chain = chainOf(set.transcripts[i], transitions, numPhones, o.pdfTable);
  const pdfs = new Set(chain.pdf);
  const gauss = scorer.score(x, model.gaussianRanges(pdfs));
  const loglik = model.pdfLoglik(gauss, pdfs);
  const aligned = alignWithRetry(loglik, model.numPdfs, x.rows, chain, o.acousticScale, o.beam, o.retryBeam);
  set.alignments[i] = aligned && aligned.path.map((s) => chain.hmm[s]);
  return { gauss, retried: aligned?.retried ?? false };
}

function accumulate(req: Extract<GmmRequest, { op: "accumulate" }>): AccumulateReply {
  const set = getSet(req.set);
  const model = AcousticModel.from(req.model);
  const stats = new AmStats(model.dim, model.numGaussians);
  const scorer = req.alignment === "realign" ? new DiagScorer(model.gaussians()) : null;
  const failed: string[] = [];
  const numPhones = req.transitions.selfLog.length / STATES_PER_PHONE;
  let retried = 0;
  try {
    set.feats.forEach((x, i) => {
      let gauss: FeatureMatrix | undefined;
      if (req.alignment === "equal") {
        const chain = chainOf(set.transcripts[i], req.transitions, numPhones, req.pdfTable);
        const path = equalAlignment(x.rows, chain.hmm.length);
        set.alignments[i] = path && path.map((s) => chain.hmm[s]);
      } else if (scorer) {
        const r = realign(set, i, model, scorer, req.transitions, req);
        gauss = r.gauss;
        if (r.retried) retried++;
      }
      const ali = set.alignments[i];
      if (!ali) {
        failed.push(set.keys[i]);
        return;
      }
      const pdfs = req.pdfTable ? framePdfs(ali, set.transcripts[i], req.pdfTable, numPhones) : ali;
      for (let t = 0; t < x.rows; t++) stats.add(model, x, t, pdfs[t], gauss);
    });
  } finally {
    scorer?.free();
  }
  return {
    stats: { occ: stats.occ, sum: stats.sum, sumSq: stats.sumSq, loglik: stats.loglik, frames: stats.frames },
    failed,
    retried,
  };
}

function align(req: Extract<GmmRequest, { op: "align" }>): { failed: string[]; retried: number } {
  const set = getSet(req.set), model = AcousticModel.from(req.model);
  const scorer = new DiagScorer(model.gaussians()), failed: string[] = [];
  let retried = 0;
  try {
    set.feats.forEach((_, i) => {
      if (realign(set, i, model, scorer, req.transitions, req).retried) retried++;
      if (!set.alignments[i]) failed.push(set.keys[i]);
    });
  } finally {
    scorer.free();
  }
  return { failed, retried };
}

/**
 * Estimates every speaker's fMLLR transform from the current alignments (Kaldi's gmm-est-fmllr after
 * weight-silence-post): Gaussian posteriors within the aligned pdf on the features the model sees, statistics on the
 * speaker-independent features, starting from the speaker's current transform; then installs the transforms.
 */
function estimateFmllr(req: Extract<GmmRequest, { op: "fmllr" }>): FmllrReply {
  const set = getSet(req.set), model = AcousticModel.from(req.model), d = model.dim;
  const silence = new Set(req.silencePhones);
  const bySpeaker = Map.groupBy(set.speakers.keys(), (i) => set.speakers[i]);
  let most = 0;
  for (let p = 0; p < model.numPdfs; p++) most = Math.max(most, model.offsets[p + 1] - model.offsets[p]);
  const post = new Float64Array(most);
  const reply: FmllrReply = { frames: 0, improvement: 0, speakers: 0, skipped: [] };
  for (const [speaker, utts] of bySpeaker) {
    const stats = new FmllrStats(d);
    for (const i of utts) {
      const ali = set.alignments[i], tr = set.transcripts[i];
      if (!ali) continue;
      const pdfs = req.pdfTable ? framePdfs(ali, tr, req.pdfTable, req.numPhones) : ali;
      const pos = phonePositions(ali), x = set.feats[i], si = set.si[i];
      const xs = new Float32Array(x.rows * d),
        w = new Float32Array(x.rows * d),
        wMean = new Float32Array(x.rows * d);
      let kept = 0, gamma = 0;
      for (let t = 0; t < x.rows; t++) {
        const weight = silence.has(tr[pos[t]]) ? req.silenceWeight : 1;
        if (weight === 0) continue;
        const lo = model.offsets[pdfs[t]], hi = model.offsets[pdfs[t] + 1];
        let max = -Infinity, sum = 0;
        for (let c = lo; c < hi; c++) max = Math.max(max, post[c - lo] = model.componentLoglik(x, t, c));
        for (let c = lo; c < hi; c++) sum += post[c - lo] = Math.exp(post[c - lo] - max);
        const row = kept * d;
        for (let c = lo; c < hi; c++) {
          const g = (weight * post[c - lo]) / sum;
          for (let k = 0; k < d; k++) {
            const iv = g / model.vars[c * d + k];
            w[row + k] += iv;
            wMean[row + k] += iv * model.means[c * d + k];
          }
        }
        xs.set(si.data.subarray(t * d, (t + 1) * d), row);
        kept++, gamma += weight;
      }
      if (kept) {
        stats.addUtterance(
          xs.subarray(0, kept * d),
          w.subarray(0, kept * d),
          wMean.subarray(0, kept * d),
          gamma,
        );
      }
    }
    if (stats.beta < req.minFrames) {
      reply.skipped.push(speaker);
      continue;
    }
    const { transform: estimated, objectives } = stats.estimate(
      req.sweeps,
      set.speakerTransforms.get(speaker),
    );
    set.speakerTransforms.set(speaker, estimated);
    reply.frames += stats.beta;
    reply.improvement += objectives[objectives.length - 1] - objectives[0];
    reply.speakers++;
  }
  adaptFeatures(set);
  return reply;
}

/** Scores every utterance of a set under a GMM (pdf log-likelihoods per frame), kept for decoding. */
function score(req: Extract<GmmRequest, { op: "score" }>): null {
  const set = getSet(req.set);
  if (set.scores?.id === req.scoresId) return null;
  set.scores = null;
  dropScoresExcept(req.set);
  const model = AcousticModel.from(req.model), scorer = new DiagScorer(model.gaussians());
  try {
    set.scores = { id: req.scoresId, logliks: set.feats.map((x) => model.pdfLoglik(scorer.score(x))) };
  } finally {
    scorer.free();
  }
  return null;
}

export const gmmHandlers: Handlers<GmmRequest> = {
  accumulate,
  align,
  fmllr: estimateFmllr,
  ldaStats: (req) => ldaStats(getSet(req.set), req.pdfTable, req.numPhones),
  mlltStats: (req) => mlltStats(getSet(req.set), AcousticModel.from(req.model), req.pdfTable, req.numPhones),
  treeStats: (req) => treeStats(getSet(req.set), req.numPhones),
  score,
};
