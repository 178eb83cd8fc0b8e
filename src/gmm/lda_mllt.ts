// Triphones on spliced features with LDA and MLLT (Kaldi's steps/train_lda_mllt.sh: tri2).
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";
import type { Topology } from "../hmm/topology.ts";
import type { Tree } from "../hmm/tree.ts";
import { matmul } from "../linalg/matrix.ts";
import { AcousticModel } from "./am.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import { ldaStats, mlltStats } from "./requests.ts";
import type { IterationLog } from "./schedule.ts";
import { trainTriphones, TRI1_KALDI, type TriConfig } from "./tri.ts";

export interface LdaMlltConfig extends TriConfig {
  /** Frames spliced on each side of the 13 MFCCs (Kaldi: ±3, 91 dims), and the LDA output dimension (40). */
  spliceContext: number;
  ldaDim: number;
  /** Iterations after which MLLT is re-estimated (Kaldi: 2 4 6 12), and the row-update sweeps each time. */
  mlltIters: number[];
  mlltSweeps: number;
}

/** Kaldi's train_lda_mllt.sh numbers with TIMIT's run.sh targets (2500 leaves, 15000 Gaussians). */
export const TRI2_KALDI: LdaMlltConfig = {
  ...TRI1_KALDI,
  spliceContext: 3,
  ldaDim: 40,
  mlltIters: [2, 4, 6, 12],
  mlltSweeps: 10,
};

const asFeatureMatrix = (m: { rows: number; cols: number; data: Float64Array }): FeatureMatrix =>
  featureMatrix(m.rows, m.cols, Float32Array.from(m.data));

/** The model in the space of a new square transform A: means become A mean (variances are re-estimated next). */
function transformMeans(model: AcousticModel, a: Float64Array): AcousticModel {
  const d = model.dim, means = new Float64Array(model.means.length);
  for (let c = 0; c < model.numGaussians; c++) {
    for (let i = 0; i < d; i++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += a[i * d + k] * model.means[c * d + k];
      means[c * d + i] = v;
    }
  }
  return new AcousticModel(d, model.offsets, model.weights, means, model.vars);
}

/**
 * Trains tri2 on the pool's "train" set, loaded with spliced features and holding the previous system's alignments
 * (hmm states) and pdf table: LDA with the previous pdfs as classes, a new tree on the LDA features, then the
 * train_deltas schedule with MLLT re-estimated after the listed iterations (the transform composed, the means moved).
 */
export async function trainLdaMllt(
  pool: UtterancePool,
  topology: Topology,
  previousTable: Int32Array,
  c: LdaMlltConfig,
  log: (line: IterationLog | string) => void = () => {},
): Promise<
  {
    model: AcousticModel;
    tree: Tree;
    table: Int32Array;
    transform: FeatureMatrix;
    history: IterationLog[];
    failed: string[];
  }
> {
  const P = topology.phones.length;
  const lda = (await ldaStats(pool, "train", previousTable, P)).estimate(c.ldaDim);
  log(
    `LDA: ${lda.transform.cols} -> ${c.ldaDim} dims, between-class eigenvalues ${
      lda.eigenvalues[0].toFixed(2)
    } .. ${lda.eigenvalues[c.ldaDim - 1].toFixed(3)}`,
  );
  let transform = lda.transform;
  await pool.setTransform("train", asFeatureMatrix(transform));
  const mllt = async (iter: number, model: AcousticModel, table: Int32Array) => {
    if (!c.mlltIters.includes(iter)) return model;
    const stats = await mlltStats(pool, "train", model, table, P);
    const { transform: a, objectives } = stats.update(c.mlltSweeps);
    transform = matmul(a, transform);
    await pool.setTransform("train", asFeatureMatrix(transform));
    log(
      `MLLT after iteration ${iter}: objective per frame ${(objectives[0] / stats.beta).toFixed(3)} -> ${
        (objectives[objectives.length - 1] / stats.beta).toFixed(3)
      }`,
    );
    return transformMeans(model, a.data);
  };
  const { model, tree, table, history, failed } = await trainTriphones(pool, topology, c, log, "tri2", mllt);
  return { model, tree, table, transform: asFeatureMatrix(transform), history, failed };
}
