// Speaker-adaptive training with per-speaker fMLLR on LDA+MLLT features (Kaldi's steps/train_sat.sh: tri3).
import type { Topology } from "../hmm/topology.ts";
import type { Tree } from "../hmm/tree.ts";
import type { AcousticModel } from "./am.ts";
import type { FmllrOptions } from "./handlers.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import { estimateFmllr } from "./requests.ts";
import type { IterationLog } from "./schedule.ts";
import { trainTriphones, TRI1_KALDI, type TriConfig } from "./tri.ts";

export interface SatConfig extends TriConfig {
  /** Iterations after which the training speakers' transforms are re-estimated (Kaldi: 2 4 6 12). */
  fmllrIters: number[];
  /** Row-update sweeps per estimation, and the occupancy a speaker needs for a transform of its own. */
  fmllrSweeps: number;
  minSpeakerFrames: number;
  /** Weight of silence frames in fMLLR statistics: Kaldi uses 0 in training and 0.01 when decoding. */
  trainSilenceWeight: number;
  decodeSilenceWeight: number;
}

/** Kaldi's train_sat.sh numbers with TIMIT's run.sh targets (2500 leaves, 15000 Gaussians). */
export const TRI3_KALDI: SatConfig = {
  ...TRI1_KALDI,
  fmllrIters: [2, 4, 6, 12],
  fmllrSweeps: 10,
  minSpeakerFrames: 50,
  trainSilenceWeight: 0,
  decodeSilenceWeight: 0.01,
};

/** The options of an fMLLR estimation under this configuration (silence weight as in training or decoding). */
export function fmllrOptions(
  c: SatConfig,
  topology: Topology,
  pdfTable: Int32Array,
  use: "train" | "decode",
): FmllrOptions {
  return {
    pdfTable,
    silencePhones: [topology.phoneId("sil")],
    silenceWeight: use === "train" ? c.trainSilenceWeight : c.decodeSilenceWeight,
    sweeps: c.fmllrSweeps,
    minFrames: c.minSpeakerFrames,
  };
}

/**
 * Trains tri3 on the pool's "train" set, loaded with the previous system's features (LDA+MLLT) and holding its
 * alignments: speaker transforms first from the previous model, a new tree and model on the adapted features, then
 * the train_deltas schedule with the transforms re-estimated after the listed iterations.
 */
export async function trainSat(
  pool: UtterancePool,
  topology: Topology,
  previous: { model: AcousticModel; table: Int32Array },
  c: SatConfig,
  log: (line: IterationLog | string) => void = () => {},
): Promise<
  { model: AcousticModel; tree: Tree; table: Int32Array; history: IterationLog[]; failed: string[] }
> {
  const P = topology.phones.length;
  const estimate = async (model: AcousticModel, table: Int32Array, when: string) => {
    const t0 = performance.now();
    const r = await estimateFmllr(pool, "train", model, P, fmllrOptions(c, topology, table, "train"));
    const perFrame = (r.improvement / r.frames).toFixed(3),
      seconds = ((performance.now() - t0) / 1000).toFixed(1);
    const skipped = r.skipped.length ? `; too little data: ${r.skipped.join(" ")}` : "";
    log(
      `fMLLR ${when}: ${r.speakers} speakers, objective improvement ${perFrame} per frame${skipped}, ${seconds} s`,
    );
  };
  await estimate(previous.model, previous.table, "from the previous system");
  return trainTriphones(pool, topology, c, log, "tri3", async (iter, model, table) => {
    if (c.fmllrIters.includes(iter)) await estimate(model, table, `after iteration ${iter}`);
    return model;
  });
}
