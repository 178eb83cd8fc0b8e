// The training loop Kaldi's GMM scripts share: accumulate (re-aligning on schedule), re-estimate, mix up, log.
import type { Topology } from "../hmm/topology.ts";
import { Rng } from "../util/rng.ts";
import { type AcousticModel, mixUp, reestimate } from "./am.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import { accumulate } from "./requests.ts";

export interface ScheduleConfig {
  numIters: number;
  /** Gaussians grow linearly from iteration 1 to this one, reaching totGauss. */
  maxIterInc: number;
  totGauss: number;
  realignIters: number[];
  /** Share of Gaussians per pdf grows as occupancy^power. */
  power: number;
  minGaussianOccupancy: number;
  /** Alignment: acoustic scale, beam and retry beam. */
  alignAcousticScale: number;
  beam: number;
  retryBeam: number;
  /** Variance floor as a fraction of the global variance. */
  varFloorFraction: number;
  seed: number;
}

export interface IterationLog {
  iter: number;
  realigned: boolean;
  gaussians: number;
  loglikPerFrame: number;
  failed: number;
  retried: number;
  seconds: number;
}

/**
 * Iterations `from` .. numIters-1 on the pool's "train" set. Iteration 0, when run, uses the equal alignment; the
 * listed iterations re-align (and re-estimate the transition probabilities); the others keep the alignment.
 * `name` names the seeded stream that perturbs split Gaussians; `afterIteration` may change the model and the
 * features between iterations (MLLT).
 */
export async function runSchedule(
  pool: UtterancePool,
  topology: Topology,
  start: AcousticModel,
  varFloor: Float64Array,
  c: ScheduleConfig,
  from: number,
  pdfTable: Int32Array | undefined,
  log: (line: IterationLog) => void,
  name: string,
  afterIteration?: (iter: number, model: AcousticModel) => Promise<AcousticModel>,
): Promise<{ model: AcousticModel; history: IterationLog[]; failed: string[] }> {
  let model = start, numGauss = start.numGaussians;
  const incGauss = Math.floor((c.totGauss - numGauss) / c.maxIterInc);
  const rng = new Rng(c.seed, `${name} mix-up`);
  const history: IterationLog[] = [];
  let failed: string[] = [];
  for (let iter = from; iter < c.numIters; iter++) {
    const t0 = performance.now();
    const mode = iter === 0 ? "equal" : c.realignIters.includes(iter) ? "realign" : "keep";
    const transitions = { selfLog: topology.selfLog, leaveLog: topology.leaveLog };
    const acc = await accumulate(pool, "train", model, transitions, mode, {
      acousticScale: c.alignAcousticScale,
      beam: c.beam,
      retryBeam: c.retryBeam,
      pdfTable,
    });
    if (mode !== "keep") {
      topology.estimateTransitions(
        [...(await pool.alignments("train")).values()].filter((a): a is Int32Array => a !== null),
      );
      failed = acc.failed;
    }
    const est = reestimate(model, acc.stats, { minGaussianOccupancy: c.minGaussianOccupancy, varFloor });
    model = mixUp(est.model, acc.stats.pdfOccupancy(model), numGauss, c.power, rng);
    if (iter >= 1 && iter <= c.maxIterInc) numGauss += incGauss;
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
    if (afterIteration) model = await afterIteration(iter, model);
  }
  return { model, history, failed };
}
