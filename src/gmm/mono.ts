// Monophone GMM-HMM training from a flat start, with the schedule of Kaldi's steps/train_mono.sh.
import type { Topology } from "../hmm/topology.ts";
import { AcousticModel } from "./am.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import { type IterationLog, runSchedule, type ScheduleConfig } from "./schedule.ts";

/**
 * Kaldi's train_mono.sh numbers. Alignment retries: Kaldi uses beam 10 and retry beam 40; on the default corpus a
 * retry beam of 40 still lost about 0.3% of the utterances (an exact search aligned them all), and a linear chain
 * costs the same to search exactly, so the retry is effectively exact (1000).
 */
export const MONO_KALDI: ScheduleConfig = {
  numIters: 40,
  maxIterInc: 30,
  totGauss: 1000,
  realignIters: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 23, 26, 29, 32, 35, 38],
  power: 0.25,
  minGaussianOccupancy: 3,
  alignAcousticScale: 0.1,
  beam: 10,
  retryBeam: 1000,
  varFloorFraction: 0.01,
  seed: 1,
};

/** Trains on the "train" set loaded in the pool: one Gaussian per state from the global statistics, equal alignment first. */
export async function trainMono(
  pool: UtterancePool,
  topology: Topology,
  global: { frames: number; sum: Float64Array; sumSq: Float64Array },
  c: ScheduleConfig,
  log: (line: IterationLog) => void = () => {},
): Promise<{ model: AcousticModel; history: IterationLog[]; failed: string[] }> {
  const mean = global.sum.map((s) => s / global.frames);
  const vars = global.sumSq.map((s, d) => s / global.frames - mean[d] ** 2);
  const start = AcousticModel.flat(topology.numHmmStates, mean, vars);
  return await runSchedule(
    pool,
    topology,
    start,
    vars.map((v) => v * c.varFloorFraction),
    c,
    0,
    undefined,
    log,
    "mono",
  );
}
