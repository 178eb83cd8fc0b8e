// Monophone GMM-HMM training from a flat start, with the schedule of Kaldi's steps/train_mono.sh.
import { Topology } from "../hmm/topology.ts";
import { Rng } from "../util/rng.ts";
import { AcousticModel, mixUp, reestimate } from "./am.ts";
import type { GmmPool } from "./pool.ts";

export interface MonoConfig {
  numIters: number;
  /** Gaussians grow linearly until this iteration, reaching totGauss. */
  maxIterInc: number;
  totGauss: number;
  realignIters: number[];
  /** Share of Gaussians per pdf grows as occupancy^power. */
  power: number;
  minGaussianOccupancy: number;
  /**
   * Alignment: acoustic scale, beam and retry beam. Kaldi uses 0.1, 10 and 40; on the default corpus a retry beam
   * of 40 still lost about 0.3% of the utterances (an exact search aligned them all), and a linear chain costs the
   * same to search exactly, so the retry is effectively exact.
   */
  alignAcousticScale: number;
  beam: number;
  retryBeam: number;
  /** Variance floor as a fraction of the global variance. */
  varFloorFraction: number;
  seed: number;
}

/** Kaldi's train_mono.sh numbers. */
export const MONO_KALDI: MonoConfig = {
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

export interface IterationLog {
  iter: number;
  realigned: boolean;
  gaussians: number;
  loglikPerFrame: number;
  failed: number;
  retried: number;
  seconds: number;
}

/** Trains on the "train" set already loaded in the pool (features with deltas, phone-id transcripts). */
export async function trainMono(
  pool: GmmPool,
  topology: Topology,
  global: { frames: number; sum: Float64Array; sumSq: Float64Array },
  c: MonoConfig,
  log: (line: IterationLog) => void = () => {},
): Promise<{ model: AcousticModel; topology: Topology; history: IterationLog[]; failed: string[] }> {
  const mean = global.sum.map((s) => s / global.frames);
  const vars = global.sumSq.map((s, d) => s / global.frames - mean[d] ** 2);
  const varFloor = vars.map((v) => v * c.varFloorFraction);
  let model = AcousticModel.flat(topology.numHmmStates, mean, vars);
  let numGauss = model.numGaussians;
  const incGauss = Math.floor((c.totGauss - numGauss) / c.maxIterInc);
  const rng = new Rng(c.seed, "mono mix-up");
  const history: IterationLog[] = [];
  let failed: string[] = [];
  for (let iter = 0; iter < c.numIters; iter++) {
    const t0 = performance.now();
    const mode = iter === 0 ? "equal" : c.realignIters.includes(iter) ? "realign" : "keep";
    const transitions = { selfLog: topology.selfLog, leaveLog: topology.leaveLog };
    const acc = await pool.accumulate("train", model, transitions, mode, {
      acousticScale: c.alignAcousticScale,
      beam: c.beam,
      retryBeam: c.retryBeam,
    });
    if (mode !== "keep") {
      topology.estimateTransitions(
        [...(await pool.alignments("train")).values()].filter((a): a is Int32Array => a !== null),
      );
      failed = acc.failed;
    }
    const est = reestimate(model, acc.stats, { minGaussianOccupancy: c.minGaussianOccupancy, varFloor });
    model = mixUp(est.model, acc.stats.pdfOccupancy(model), numGauss, c.power, rng);
    if (iter <= c.maxIterInc && iter > 0) numGauss += incGauss;
    const line = {
      iter,
      realigned: mode !== "keep",
      gaussians: model.numGaussians,
      loglikPerFrame: acc.stats.loglik / acc.stats.frames,
      failed: acc.failed.length,
      retried: acc.retried,
      seconds: (performance.now() - t0) / 1000,
    };
    history.push(line);
    log(line);
  }
  return { model, topology, history, failed };
}
