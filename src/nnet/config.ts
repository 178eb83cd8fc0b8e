// DNN configuration: the paper's numbers, a smaller CPU profile for the default run, and a tiny one for tests.
import { RBM_KALDI, type RbmConfig } from "./rbm.ts";
import type { NewbobConfig } from "./train.ts";

export interface DnnConfig extends NewbobConfig {
  hiddenLayers: number;
  hiddenDim: number;
  /** Held-out share of the training speakers for newbob's cross-validation (Kaldi: 10%). */
  cvFraction: number;
  /** Standard deviation of the randomly initialized output layer. */
  initStddev: number;
  /** RBM pretraining of the hidden layers, or null for random initialization. */
  rbm: RbmConfig | null;
  /** Senone priors below this share of the frames make the senone unusable (Kaldi's prior floor). */
  priorFloor: number;
  speaker: SpeakerTrainConfig;
}

/** One warm-start step's newbob settings (the rest as the initial DNN's). */
export type WarmStartStep = Pick<NewbobConfig, "learnRate" | "maxEpochs" | "epochFraction">;

/** The speaker-aware DNNs (sec. 3.2-3.3). */
export interface SpeakerTrainConfig {
  /** Units of each speaker partition (PHL) and of each i-vector transform layer. */
  speakerUnits: number;
  /** Standard deviation of the new weights from speaker inputs into the warm-started network. */
  newWeightStddev: number;
  /** Warm start: step 1 trains only the new weights, step 2 all of them. */
  newOnly: WarmStartStep;
  all: WarmStartStep;
  /**
   * Step 2 starts at the rate the initial DNN's newbob ended at where that is lower than all.learnRate: a
   * converged network rejects epochs at a higher one until newbob has halved down to it.
   */
  continueRate: boolean;
  /** Acoustic scales of the grid tried on dev on each side of the initial DNN's (at its insertion penalty). */
  decodeNeighbours: number;
}

const PAPER: DnnConfig = {
  hiddenLayers: 6,
  hiddenDim: 1024,
  context: 5,
  batchSize: 256,
  learnRate: 0.008,
  startHalvingImpr: 0.01,
  endHalvingImpr: 0.001,
  halvingFactor: 0.5,
  maxEpochs: 20,
  epochFraction: 1,
  cvFraction: 0.1,
  initStddev: 0.1,
  rbm: { ...RBM_KALDI, passes: 20 }, // Kaldi's TIMIT run_dnn.sh: --rbm-iter 20 (the Gaussian RBM twice that)
  priorFloor: 1e-10,
  seed: 1,
  speaker: {
    speakerUnits: 100,
    newWeightStddev: 0.01,
    newOnly: { learnRate: 0.008, maxEpochs: 20, epochFraction: 1 },
    all: { learnRate: 0.008, maxEpochs: 20, epochFraction: 1 },
    continueRate: false,
    decodeNeighbours: 1,
  },
};

/**
 * paper: exactly the paper's network and Kaldi's schedule. cpu, for exp:table1 with three seeds within two hours on
 * 2 cores: 3 hidden layers of 512 (so 4 stages of progressive training, not 7), epochs of half the training frames
 * to newbob's stop rule (at most 20, as the paper; RBMs of one pass, pretrain_dbn.sh's default); each warm-start
 * step newbob to its stop rule too, over epochs of 5% (step 1) and 10% (step 2) of the frames, step 2 from the
 * rate the initial DNN ended at (or a quarter of the initial rate, if lower); decoded at the initial DNN's acoustic
 * scale and penalty. tiny: for tests.
 */
export const DNN_PROFILES: Record<string, DnnConfig> = {
  paper: PAPER,
  cpu: {
    ...PAPER,
    hiddenLayers: 3,
    hiddenDim: 512,
    epochFraction: 0.5,
    rbm: RBM_KALDI,
    speaker: {
      ...PAPER.speaker,
      newOnly: { learnRate: 0.008, maxEpochs: 8, epochFraction: 0.05 },
      all: { learnRate: 0.002, maxEpochs: 8, epochFraction: 0.1 },
      continueRate: true,
      decodeNeighbours: 0,
    },
  },
  tiny: {
    ...PAPER,
    hiddenLayers: 2,
    hiddenDim: 32,
    maxEpochs: 3,
    batchSize: 64,
    rbm: { ...RBM_KALDI, batchSize: 32 },
    speaker: {
      speakerUnits: 8,
      newWeightStddev: 0.01,
      newOnly: { learnRate: 0.008, maxEpochs: 1, epochFraction: 1 },
      all: { learnRate: 0.004, maxEpochs: 1, epochFraction: 1 },
      continueRate: false,
      decodeNeighbours: 1,
    },
  },
};
