// What GMM training asks of the utterance pool: statistics, alignments, fMLLR and scores, merged over the workers.
import type { ContextStat } from "../hmm/tree.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";
import { LdaStats } from "../features/lda.ts";
import { MlltStats } from "../features/mllt.ts";
import type { ScoresRef, UtterancePool } from "../utterances/pool.ts";
import { AcousticModel, AmStats } from "./am.ts";
import type { AccumulateReply, AlignOptions, FmllrOptions, FmllrReply, TransitionData } from "./handlers.ts";

export async function accumulate(
  pool: UtterancePool,
  set: string,
  model: AcousticModel,
  transitions: TransitionData,
  alignment: "equal" | "realign" | "keep",
  o: { acousticScale: number; beam: number; retryBeam: number; pdfTable?: Int32Array },
): Promise<{ stats: AmStats; failed: string[]; retried: number }> {
  const replies = (await pool.all(() => ({
    op: "accumulate",
    set,
    model: model.data(),
    transitions,
    alignment,
    ...o,
  }))) as AccumulateReply[];
  const stats = new AmStats(model.dim, model.numGaussians);
  for (const r of replies) stats.merge(r.stats);
  return {
    stats,
    failed: replies.flatMap((r) => r.failed),
    retried: replies.reduce((n, r) => n + r.retried, 0),
  };
}

/** Single-Gaussian statistics per context-dependent state from the current alignments, merged over workers. */
export async function treeStats(pool: UtterancePool, set: string, numPhones: number): Promise<ContextStat[]> {
  const replies = (await pool.all(() => ({ op: "treeStats", set, numPhones }))) as {
    keys: Int32Array;
    counts: Float64Array;
    sums: Float64Array;
    sumSqs: Float64Array;
  }[];
  const merged = new Map<number, ContextStat>();
  const P = numPhones, C = P + 1, S = STATES_PER_PHONE;
  for (const r of replies) {
    const dim = r.keys.length ? r.sums.length / r.keys.length : 0;
    r.keys.forEach((key, e) => {
      let m = merged.get(key);
      if (!m) {
        const k = key % S, rest = Math.floor(key / S), right = rest % C, lp = Math.floor(rest / C);
        m = {
          left: Math.floor(lp / P),
          phone: lp % P,
          right,
          state: k,
          count: 0,
          sum: new Float64Array(dim),
          sumSq: new Float64Array(dim),
        };
        merged.set(key, m);
      }
      m.count += r.counts[e];
      for (let d = 0; d < dim; d++) {
        (m.sum[d] += r.sums[e * dim + d]), (m.sumSq[d] += r.sumSqs[e * dim + d]);
      }
    });
  }
  return [...merged.values()];
}

/** LDA statistics of a set's spliced features, classes = pdfs of the current alignments. */
export async function ldaStats(
  pool: UtterancePool,
  set: string,
  pdfTable: Int32Array,
  numPhones: number,
): Promise<LdaStats> {
  const replies = (await pool.all(() => ({ op: "ldaStats", set, pdfTable, numPhones }))) as Parameters<
    LdaStats["merge"]
  >[0][];
  const total = new LdaStats(Math.round(Math.sqrt(replies[0].scatter.length)));
  for (const r of replies) total.merge(r);
  return total;
}

/** MLLT statistics of a set in its current feature space, under `model` and the current alignments. */
export async function mlltStats(
  pool: UtterancePool,
  set: string,
  model: AcousticModel,
  pdfTable: Int32Array,
  numPhones: number,
): Promise<MlltStats> {
  const replies =
    (await pool.all(() => ({ op: "mlltStats", set, model: model.data(), pdfTable, numPhones }))) as {
      g: Float64Array[];
      beta: number;
    }[];
  const total = new MlltStats(model.dim);
  for (const r of replies) {
    total.beta += r.beta;
    r.g.forEach((gi, i) => gi.forEach((v, k) => (total.g[i][k] += v)));
  }
  return total;
}

/** Re-aligns every utterance of a set to its transcript under `model`. */
export async function align(
  pool: UtterancePool,
  set: string,
  model: AcousticModel,
  transitions: TransitionData,
  o: AlignOptions,
) {
  const replies = (await pool.all(() => ({ op: "align", set, model: model.data(), transitions, ...o }))) as {
    failed: string[];
    retried: number;
  }[];
  return { failed: replies.flatMap((r) => r.failed), retried: replies.reduce((n, r) => n + r.retried, 0) };
}

/** Estimates and installs every speaker's fMLLR transform of a set from its current alignments. */
export async function estimateFmllr(
  pool: UtterancePool,
  set: string,
  model: AcousticModel,
  numPhones: number,
  o: FmllrOptions,
): Promise<FmllrReply> {
  const replies = (await pool.all(() => ({
    op: "fmllr",
    set,
    model: model.data(),
    numPhones,
    ...o,
  }))) as FmllrReply[];
  return {
    frames: replies.reduce((n, r) => n + r.frames, 0),
    improvement: replies.reduce((n, r) => n + r.improvement, 0),
    speakers: replies.reduce((n, r) => n + r.speakers, 0),
    skipped: replies.flatMap((r) => r.skipped),
  };
}

const modelIds = new WeakMap<AcousticModel, string>();

/** Scores a set under a GMM in the workers (kept there for decoding); the same model is scored once per set. */
export async function scoreWithGmm(
  pool: UtterancePool,
  set: string,
  model: AcousticModel,
): Promise<ScoresRef> {
  let scoresId = modelIds.get(model);
  if (!scoresId) modelIds.set(model, scoresId = crypto.randomUUID());
  await pool.all(() => ({ op: "score", set, model: model.data(), scoresId }));
  return { scoresId, numPdfs: model.numPdfs };
}
