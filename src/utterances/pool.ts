// The main thread's side of the utterance pool: worker threads that each hold a share of the utterance sets.
import { readDataDir } from "../io/datadir.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import type { Mat } from "../linalg/matrix.ts";
import { WorkerPool } from "../util/pool.ts";
import type { UtteranceRequest } from "./handlers.ts";
import type { FeatureMode } from "./store.ts";

/** Scores handed to the workers (setScores, or a GMM's), named for the decode requests that follow. */
export interface ScoresRef {
  scoresId: string;
  numPdfs: number;
}

/**
 * Each speaker's utterances stay in one worker (speaker transforms are estimated there). Requests of other families
 * (GMM statistics, decoding) go through `all`, answered in worker order; the worker script (`workerUrl`) serves them.
 */
export class UtterancePool {
  private readonly pool: WorkerPool<{ op: string }, unknown>;
  private readonly keys = new Map<string, string[][]>();
  private readonly loaded = new Map<string, { frames: number; sum: Float64Array; sumSq: Float64Array }>();

  constructor(workerUrl: URL, readonly size = navigator.hardwareConcurrency) {
    this.pool = new WorkerPool(workerUrl, size);
  }

  /** The same kind of request to every worker (built per worker); answers in worker order. */
  all<T>(build: (worker: number) => { op: string }): Promise<T[]> {
    return this.pool.all(build) as Promise<T[]>;
  }

  /** Every worker's share of a set's utterance keys. */
  keysOf(set: string): string[][] {
    const k = this.keys.get(set);
    if (!k) throw new Error(`no utterance set '${set}' is loaded`);
    return k;
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
    const replies = (await this.request((w) => ({
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

  /** Frees a set in every worker. */
  async unload(set: string) {
    await this.request(() => ({ op: "unload", set }));
    this.keys.delete(set);
    this.loaded.delete(set);
  }

  /** Sets the transform that turns a set's spliced features into the features it trains and decodes on. */
  async setTransform(set: string, transform: FeatureMatrix): Promise<number> {
    return (await this.request(() => ({ op: "setTransform", set, transform })))[0] as number;
  }

  /** Replaces the transcripts (phone ids) of the listed utterances of a set; their alignments are dropped. */
  async setTranscripts(set: string, transcripts: Map<string, Int32Array>) {
    await this.request((w) => ({
      op: "setTranscripts",
      set,
      transcripts: Object.fromEntries(
        this.keysOf(set)[w].filter((k) => transcripts.has(k)).map((k) => [k, transcripts.get(k)!]),
      ),
    }));
  }

  /** The speakers' fMLLR transforms of a set (W = [A b], dim x dim+1). */
  async speakerTransforms(set: string): Promise<Map<string, Mat>> {
    const replies = (await this.request(() => ({ op: "speakerTransforms", set }))) as Record<string, Mat>[];
    return new Map(replies.flatMap((r) => Object.entries(r)).sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0));
  }

  /** Installs speakers' fMLLR transforms for a set (speakers not listed see speaker-independent features). */
  async setSpeakerTransforms(set: string, transforms: Map<string, Mat>) {
    await this.request(() => ({
      op: "setSpeakerTransforms",
      set,
      transforms: Object.fromEntries(transforms),
    }));
  }

  /** The features the models see, by utterance (speaker transforms applied), in worker order. */
  async features(set: string): Promise<[string, FeatureMatrix][]> {
    const replies = (await this.request(() => ({ op: "features", set }))) as {
      keys: string[];
      feats: FeatureMatrix[];
    }[];
    return replies.flatMap((r) => r.keys.map((k, i) => [k, r.feats[i]] as [string, FeatureMatrix]));
  }

  /** Installs hmm-state alignments (e.g. a previous system's) for a loaded set; returns how many utterances lack one. */
  async setAlignments(set: string, alignments: Map<string, Int32Array>): Promise<number> {
    const parts = this.keysOf(set);
    const missing = await this.request((w) => ({
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
    const replies = (await this.request(() => ({ op: "alignments", set }))) as {
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
    const parts = this.keysOf(set);
    await this.request((w) => ({
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

  private request(build: (worker: number) => UtteranceRequest) {
    return this.pool.all(build);
  }

  close() {
    this.pool.close();
  }
}

/**
 * Splits utterance indices into n shares of near-equal size without splitting a speaker: speakers in order of first
 * appearance, a share closed once it reaches its part of the total.
 */
function speakerShares(speakers: readonly string[], n: number): number[][] {
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
