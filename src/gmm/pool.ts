// The main thread's side of GMM work: shares utterance sets over workers and merges what they return.
import { shares, WorkerPool } from "../util/pool.ts";
import type { DecodeGraph } from "../decode/graph.ts";
import { type AcousticModel, AmStats } from "./am.ts";
import type { AccumulateReply, GmmRequest, TransitionData } from "./jobs.ts";

export class GmmPool {
  private readonly pool: WorkerPool<GmmRequest, unknown>;
  private readonly keys = new Map<string, string[][]>();

  constructor(readonly size = navigator.hardwareConcurrency) {
    this.pool = new WorkerPool(new URL("./worker.ts", import.meta.url), size);
  }

  /** Loads an utterance set into the workers; returns global feature statistics (frames, sum, sum of squares). */
  async load(
    set: string,
    featDir: string,
    keys: string[],
    transcripts: Int32Array[] | null,
    deltas: boolean,
  ) {
    const parts = shares(keys, this.size), trans = transcripts ? shares(transcripts, this.size) : null;
    this.keys.set(set, parts);
    const replies = (await this.pool.all((w) => ({
      op: "load",
      set,
      featDir,
      keys: parts[w],
      transcripts: trans?.[w],
      deltas,
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
    return total;
  }

  async accumulate(
    set: string,
    model: AcousticModel,
    transitions: TransitionData,
    alignment: "equal" | "realign" | "keep",
    o: { acousticScale: number; beam: number; retryBeam: number },
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

  /** Current hmm-state alignments by utterance (null where alignment failed). */
  async alignments(set: string): Promise<Map<string, Int32Array | null>> {
    const replies = (await this.pool.all(() => ({ op: "alignments", set }))) as {
      keys: string[];
      alignments: (Int32Array | null)[];
    }[];
    return new Map(replies.flatMap((r) => r.keys.map((k, i) => [k, r.alignments[i]] as const)));
  }

  /** Decodes a set with each graph and acoustic scale: result[graph][scale] maps utterance -> phone ids (or null). */
  async decode(set: string, model: AcousticModel, graphs: DecodeGraph[], scales: number[], beam: number) {
    const replies =
      (await this.pool.all(() => ({ op: "decode", set, model: model.data(), graphs, scales, beam }))) as (
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
