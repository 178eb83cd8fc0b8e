// Triphone GMM-HMM training from monophone alignments, with the schedule of Kaldi's steps/train_deltas.sh.
import { buildTree, clusterPhones, type ContextStat, pdfTable, tableIndex, type Tree } from "../hmm/tree.ts";
import { STATES_PER_PHONE, type Topology } from "../hmm/topology.ts";
import { AcousticModel } from "./am.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import { treeStats } from "./requests.ts";
import { type IterationLog, runSchedule, type ScheduleConfig } from "./schedule.ts";

export interface TriConfig extends ScheduleConfig {
  /** Tree leaf target (Kaldi TIMIT tri1: 2500); totGauss is 15000 there. */
  numLeaves: number;
  /** Frames a tree leaf must keep. */
  minLeafCount: number;
}

/** Kaldi's train_deltas.sh numbers with TIMIT's run.sh leaf and Gaussian targets. */
export const TRI1_KALDI: TriConfig = {
  numLeaves: 2500,
  totGauss: 15000,
  numIters: 35,
  maxIterInc: 25,
  realignIters: [10, 20, 30],
  power: 0.25,
  minGaussianOccupancy: 3,
  minLeafCount: 100,
  alignAcousticScale: 0.1,
  beam: 10,
  retryBeam: 1000,
  varFloorFraction: 0.01,
  seed: 1,
};

/** One Gaussian per leaf from the pooled statistics of the contexts it holds (Kaldi's gmm-init-model). */
function initFromTree(
  stats: ContextStat[],
  table: Int32Array,
  numPdfs: number,
  numPhones: number,
  varFloor: Float64Array,
): AcousticModel {
  const dim = varFloor.length;
  const count = new Float64Array(numPdfs),
    sum = new Float64Array(numPdfs * dim),
    sq = new Float64Array(numPdfs * dim);
  for (const s of stats) {
    const pdf = table[tableIndex(numPhones, s.phone, s.left, s.right, s.state)];
    count[pdf] += s.count;
    for (let d = 0; d < dim; d++) (sum[pdf * dim + d] += s.sum[d]), (sq[pdf * dim + d] += s.sumSq[d]);
  }
  const means = new Float64Array(numPdfs * dim), vars = new Float64Array(numPdfs * dim);
  for (let p = 0; p < numPdfs; p++) {
    for (let d = 0; d < dim; d++) {
      const m = count[p] > 0 ? sum[p * dim + d] / count[p] : 0;
      means[p * dim + d] = m;
      vars[p * dim + d] = count[p] > 0 ? Math.max(sq[p * dim + d] / count[p] - m * m, varFloor[d]) : 1;
    }
  }
  return new AcousticModel(
    dim,
    Int32Array.from({ length: numPdfs + 1 }, (_, i) => i),
    new Float64Array(numPdfs).fill(1),
    means,
    vars,
  );
}

/**
 * A tree from the pool's "train" set and its current alignments (hmm states), and one Gaussian per leaf: the start of
 * every triphone system.
 */
async function startTriphones(
  pool: UtterancePool,
  topology: Topology,
  c: TriConfig,
  log: (line: string) => void,
) {
  const P = topology.phones.length;
  const stats = await treeStats(pool, "train", P);
  const dim = stats[0].sum.length;
  const total = { count: 0, sum: new Float64Array(dim), sq: new Float64Array(dim) };
  for (const s of stats) {
    total.count += s.count;
    for (let d = 0; d < dim; d++) (total.sum[d] += s.sum[d]), (total.sq[d] += s.sumSq[d]);
  }
  const varFloor = total.sq.map((q, d) =>
    (q / total.count - (total.sum[d] / total.count) ** 2) * c.varFloorFraction
  );
  const phoneSets = clusterPhones(stats, P, topology.phoneId("sil"), 1e-3);
  const tree = buildTree(stats, phoneSets, P, STATES_PER_PHONE, {
    numLeaves: c.numLeaves,
    minLeafCount: c.minLeafCount,
    varFloor: 1e-3,
  });
  log(
    `tree: ${tree.numLeaves} leaves from ${stats.length} context-dependent states, ${phoneSets.length} phone-set questions`,
  );
  const table = pdfTable(tree);
  return { tree, table, start: initFromTree(stats, table, tree.numLeaves, P, varFloor), varFloor };
}

/**
 * A new tree from the pool's "train" set and its current alignments, one Gaussian per leaf, then the schedule from
 * iteration 1; `afterIteration` (as in runSchedule) also gets the pdf table.
 */
export async function trainTriphones(
  pool: UtterancePool,
  topology: Topology,
  c: TriConfig,
  log: (line: IterationLog | string) => void,
  name: string,
  afterIteration?: (iter: number, model: AcousticModel, table: Int32Array) => Promise<AcousticModel>,
): Promise<
  { model: AcousticModel; tree: Tree; table: Int32Array; history: IterationLog[]; failed: string[] }
> {
  const { tree, table, start, varFloor } = await startTriphones(pool, topology, c, log);
  const hook = afterIteration && ((iter: number, model: AcousticModel) => afterIteration(iter, model, table));
  const { model, history, failed } = await runSchedule(
    pool,
    topology,
    start,
    varFloor,
    c,
    1,
    table,
    log,
    name,
    hook,
  );
  return { model, tree, table, history, failed };
}

/** Trains on the "train" set in the pool, whose alignments (hmm states) come from the previous system. */
export function trainTri(
  pool: UtterancePool,
  topology: Topology,
  c: TriConfig,
  log: (line: IterationLog | string) => void = () => {},
) {
  return trainTriphones(pool, topology, c, log, "tri");
}
