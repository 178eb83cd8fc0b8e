// The main thread's side of GMM work: shares utterance sets over workers and merges what they return.
import { WorkerPool } from "../util/pool.ts";
import { readDataDir } from "../io/datadir.ts";
import type { Mat } from "../linalg/matrix.ts";
import type { DecodeGraph } from "../decode/graph.ts";
import { AcousticModel, AmStats } from "./am.ts";

/** Scores handed to the workers with setScores, named for decode requests. */
export interface ScoresRef {
  scoresId: string;
  numPdfs: number;
}
import type {
  AccumulateReply,
  AlignOptions,
  FeatureMode,
  FmllrOptions,
  FmllrReply,
  GmmRequest,
  TransitionData,
} from "./jobs.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { LdaStats } from "../features/lda.ts";
import { MlltStats } from "../features/mllt.ts";
import type { ContextStat } from "../hmm/tree.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";

export class GmmPool {
  private readonly pool: WorkerPool<GmmRequest, unknown>;
  private readonly keys = new Map<string, string[][]>();
  private readonly modelIds = new WeakMap<AcousticModel, string>();
  private readonly loaded = new Map<string, { frames: number; sum: Float64Array; sumSq: Float64Array }>();

  constructor(readonly size = navigator.hardwareConcurrency) {
    this.pool = new WorkerPool(new URL("./worker.ts", import.meta.url), size);
  }

  /**
   * Loads an utterance set into the workers, each speaker's utterances in one worker (speaker transforms are
   * estimated there); returns global feature statistics (frames, sum, sum of squares).
   */
  async load(
    set: string,
    featDir: string,
    keys: string[],
    transcripts: Int32Array[] | null,
    features: FeatureMode,
  ) {
    const { utt2spk } = readDataDir(featDir);
    const indices = speakerShares(keys.map((k) => utt2spk.get(k) ?? k), this.size);
    const parts = indices.map((share) => share.map((i) => keys[i]));
    const trans = transcripts ? indices.map((share) => share.map((i) => transcripts[i])) : null;
    this.keys.set(set, parts);
    const replies = (await this.pool.all((w) => ({
      op: "load",
      set,
      featDir,
      keys: parts[w],
      transcripts: trans?.[w],
      features,
    }))) as {
      frames: number;
      sum: Float64Array;
      sumSq: Float64Array;
    }[];
    const dim = replies.find((r) => r.frames > 0)!.sum.length;
    const total = { frames: 0, sum: new Float64Array(dim), sumSq: new Float64Array(dim) };
    for (const r of replies) {
      total.frames += r.frames;
      for (let d = 0; d < dim; d++) (total.sum[d] += r.sum[d]), (total.sumSq[d] += r.sumSq[d]);
    }
    this.loaded.set(set, total);
    return total;
  }

  /** The global feature statistics of the loaded train set. */
  trainStatistics() {
    const s = this.loaded.get("train");
    if (!s) throw new Error("no train set loaded");
    return s;
  }

  async accumulate(
    set: string,
    model: AcousticModel,
    transitions: TransitionData,
    alignment: "equal" | "realign" | "keep",
    o: { acousticScale: number; beam: number; retryBeam: number; pdfTable?: Int32Array },
  ): Promise<{ stats: AmStats; failed: string[]; retried: number }> {
    const replies = (await this.pool.all(() => ({
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
  async treeStats(set: string, numPhones: number): Promise<ContextStat[]> {
    const replies = (await this.pool.all(() => ({ op: "treeStats", set, numPhones }))) as {
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

  /** Sets the transform that turns a set's spliced features into the features it trains and decodes on. */
  async setTransform(set: string, transform: FeatureMatrix): Promise<number> {
    return (await this.pool.all(() => ({ op: "setTransform", set, transform })))[0] as number;
  }

  /** LDA statistics of a set's spliced features, classes = pdfs of the current alignments. */
  async ldaStats(set: string, pdfTable: Int32Array, numPhones: number): Promise<LdaStats> {
    const replies = (await this.pool.all(() => ({ op: "ldaStats", set, pdfTable, numPhones }))) as Parameters<
      LdaStats["merge"]
    >[0][];
    const total = new LdaStats(Math.round(Math.sqrt(replies[0].scatter.length)));
    for (const r of replies) total.merge(r);
    return total;
  }

  /** MLLT statistics of a set in its current feature space, under `model` and the current alignments. */
  async mlltStats(
    set: string,
    model: AcousticModel,
    pdfTable: Int32Array,
    numPhones: number,
  ): Promise<MlltStats> {
    const replies =
      (await this.pool.all(() => ({ op: "mlltStats", set, model: model.data(), pdfTable, numPhones }))) as {
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

  /** Replaces the transcripts (phone ids) of the listed utterances of a set; their alignments are dropped. */
  async setTranscripts(set: string, transcripts: Map<string, Int32Array>) {
    await this.pool.all((w) => ({
      op: "setTranscripts",
      set,
      transcripts: Object.fromEntries(
        this.keys.get(set)![w].filter((k) => transcripts.has(k)).map((k) => [k, transcripts.get(k)!]),
      ),
    }));
  }

  /** Re-aligns every utterance of a set to its transcript under `model`. */
  async align(set: string, model: AcousticModel, transitions: TransitionData, o: AlignOptions) {
    const replies =
      (await this.pool.all(() => ({ op: "align", set, model: model.data(), transitions, ...o }))) as {
        failed: string[];
        retried: number;
      }[];
    return { failed: replies.flatMap((r) => r.failed), retried: replies.reduce((n, r) => n + r.retried, 0) };
  }

  /** Estimates and installs every speaker's fMLLR transform of a set from its current alignments. */
  async estimateFmllr(
    set: string,
    model: AcousticModel,
    numPhones: number,
    o: FmllrOptions,
  ): Promise<FmllrReply> {
    const replies = (await this.pool.all(() => ({
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

  /** The speakers' fMLLR transforms of a set (W = [A b], dim x dim+1). */
  async speakerTransforms(set: string): Promise<Map<string, Mat>> {
    const replies = (await this.pool.all(() => ({ op: "speakerTransforms", set }))) as Record<string, Mat>[];
    return new Map(replies.flatMap((r) => Object.entries(r)).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
  }

  /** Installs speakers' fMLLR transforms for a set (speakers not listed see speaker-independent features). */
  async setSpeakerTransforms(set: string, transforms: Map<string, Mat>) {
    await this.pool.all(() => ({
      op: "setSpeakerTransforms",
      set,
      transforms: Object.fromEntries(transforms),
    }));
  }

  /** The features the models see, by utterance (speaker transforms applied), in worker order. */
  async features(set: string): Promise<[string, FeatureMatrix][]> {
    const replies = (await this.pool.all(() => ({ op: "features", set }))) as {
      keys: string[];
      feats: FeatureMatrix[];
    }[];
    return replies.flatMap((r) => r.keys.map((k, i) => [k, r.feats[i]] as [string, FeatureMatrix]));
  }

  /** Installs hmm-state alignments (e.g. a previous system's) for a loaded set; returns how many utterances lack one. */
  async setAlignments(set: string, alignments: Map<string, Int32Array>): Promise<number> {
    const parts = this.keys.get(set)!;
    const missing = await this.pool.all((w) => ({
      op: "setAlignments",
      set,
      alignments: Object.fromEntries(
        parts[w].filter((k) => alignments.has(k)).map((k) => [k, alignments.get(k)!]),
      ),
    }));
    return (missing as number[]).reduce((a, b) => a + b, 0);
  }

  /** Current hmm-state alignments by utterance (null where alignment failed). */
  async alignments(set: string): Promise<Map<string, Int32Array | null>> {
    const replies = (await this.pool.all(() => ({ op: "alignments", set }))) as {
      keys: string[];
      alignments: (Int32Array | null)[];
    }[];
    return new Map(replies.flatMap((r) => r.keys.map((k, i) => [k, r.alignments[i]] as const)));
  }

  /**
   * Hands workers precomputed scores (frames x pdfs log-likelihoods, e.g. a DNN's) for a set, in shared memory:
   * `buffer` holds the utterances one after another in `utterances` order. A set not loaded yet is made of them.
   */
  async setScores(
    set: string,
    scores: ScoresRef,
    utterances: { key: string; frames: number }[],
    buffer: SharedArrayBuffer,
  ) {
    if (!this.keys.has(set)) {
      const size = Math.ceil(utterances.length / this.size);
      this.keys.set(
        set,
        Array.from(
          { length: this.size },
          (_, w) => utterances.slice(w * size, (w + 1) * size).map((u) => u.key),
        ),
      );
    }
    const at = new Map<string, { offset: number; frames: number }>();
    let offset = 0;
    for (const u of utterances) {
      at.set(u.key, { offset, frames: u.frames }), (offset += u.frames * scores.numPdfs);
    }
    const parts = this.keys.get(set)!;
    await this.pool.all((w) => ({
      op: "setScores",
      set,
      scoresId: scores.scoresId,
      keys: parts[w],
      offsets: parts[w].map((k) => at.get(k)!.offset),
      frames: parts[w].map((k) => at.get(k)!.frames),
      numPdfs: scores.numPdfs,
      buffer,
    }));
  }

  /**
   * Decodes a set with each graph and acoustic scale, scoring it with a GMM or with scores set before:
   * result[graph][scale] maps utterance -> phone ids (or null).
   */
  async decode(
    set: string,
    scorer: AcousticModel | ScoresRef,
    graphs: DecodeGraph[],
    scales: number[],
    beam: number,
  ) {
    let modelId: string;
    if (scorer instanceof AcousticModel) {
      modelId = this.modelIds.get(scorer) ?? crypto.randomUUID();
      this.modelIds.set(scorer, modelId);
    } else modelId = scorer.scoresId;
    const model = scorer instanceof AcousticModel ? scorer.data() : undefined;
    const replies = (await this.pool.all(() => ({
      op: "decode",
      set,
      model,
      numPdfs: scorer.numPdfs,
      modelId,
      graphs,
      scales,
      beam,
    }))) as (
      | Int32Array
      | null
    )[][][][];
    const keys = this.keys.get(set)!;
    return graphs.map((_, g) =>
      scales.map((_, s) =>
        new Map(replies.flatMap((r, w) => keys[w].map((k, i) => [k, r[g][s][i]] as const)))
      )
    );
  }

  close() {
    this.pool.close();
  }
}

/**
 * Splits utterance indices into n shares of near-equal size without splitting a speaker: speakers in order of first
 * appearance, a share closed once it reaches its part of the total.
 */
export function speakerShares(speakers: readonly string[], n: number): number[][] {
  const groups = Map.groupBy(speakers.keys(), (i) => speakers[i]);
  const out: number[][] = Array.from({ length: n }, () => []);
  let w = 0, taken = 0;
  for (const group of groups.values()) {
    out[w].push(...group);
    taken += group.length;
    if (w < n - 1 && taken >= ((w + 1) * speakers.length) / n) w++;
  }
  return out;
}
