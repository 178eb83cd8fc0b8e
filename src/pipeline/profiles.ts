// Experiment profiles: the GMM ladder, the i-vectors and the DNNs each profile runs (paper, the default cpu, tiny for tests).
import { DNN_PROFILES, type DnnConfig } from "../nnet/config.ts";
import { IVECTOR_FMLLR, type IvectorConfig } from "./ivector.ts";
import { LADDER_KALDI, type LadderConfig } from "./ladder.ts";
import { PROBE_DEFAULTS, type ProbeConfig } from "./probe.ts";

export interface Profile {
  ladder: LadderConfig;
  ivector: IvectorConfig;
  dnn: DnnConfig;
  /** The frozen probes of exp:probe. */
  probe: ProbeConfig;
  /** How many seeds the speaker-aware stages run with by default (config.seed and the ones after it). */
  seeds: number;
  /** The same for `deno task ablate`, whose variants are many more stages. */
  ablationSeeds: number;
}

/** A small triphone system for a corpus of a few speakers. */
const SMALL_TREE = {
  numLeaves: 150,
  totGauss: 400,
  numIters: 6,
  maxIterInc: 4,
  realignIters: [3, 5],
  minLeafCount: 40,
};

const TINY_LADDER: LadderConfig = {
  mono: { ...LADDER_KALDI.mono, numIters: 8, maxIterInc: 6, totGauss: 250, realignIters: [1, 2, 3, 5, 7] },
  tri1: { ...LADDER_KALDI.tri1, ...SMALL_TREE },
  tri2: { ...LADDER_KALDI.tri2, ...SMALL_TREE, mlltIters: [2, 4] },
  tri3: { ...LADDER_KALDI.tri3, ...SMALL_TREE, fmllrIters: [2, 4] },
  decode: { acousticScales: [0.1, 0.2], insertionPenalties: [0, -2], beam: 15 },
};

/**
 * paper and cpu run Kaldi's TIMIT ladder and the paper's i-vectors (25 dims, UBM 128) and differ in the DNNs (see
 * nnet/config.ts); tiny shrinks everything for tests on a corpus of a few speakers.
 */
export const PROFILES: Record<string, Profile> = {
  paper: {
    ladder: LADDER_KALDI,
    ivector: IVECTOR_FMLLR,
    dnn: DNN_PROFILES.paper,
    probe: PROBE_DEFAULTS,
    seeds: 3,
    ablationSeeds: 3,
  },
  cpu: {
    ladder: LADDER_KALDI,
    ivector: IVECTOR_FMLLR,
    dnn: DNN_PROFILES.cpu,
    probe: PROBE_DEFAULTS,
    seeds: 3,
    // one seed, so that `ablate all` fits in 90 minutes on 2 cores; --seeds=1,2,3 gives the seed spread
    ablationSeeds: 1,
  },
  tiny: {
    ladder: TINY_LADDER,
    ivector: { ...IVECTOR_FMLLR, ubm: { ...IVECTOR_FMLLR.ubm, gaussians: 8 }, ivectorDim: 4, iterations: 2 },
    dnn: { ...DNN_PROFILES.tiny, maxEpochs: 2 },
    probe: {
      ...PROBE_DEFAULTS,
      framesPerUtterance: 60,
      devFramesPerUtterance: 60,
      pr: { epochs: 10, batchSize: 64 },
    },
    seeds: 1,
    ablationSeeds: 1,
  },
};
