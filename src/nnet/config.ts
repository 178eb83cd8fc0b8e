// DNN configuration: the paper's numbers, a smaller CPU profile for the default run, and a tiny one for tests.
import { RBM_KALDI, type RbmConfig } from "./rbm.ts";
import type { NewbobConfig } from "./train.ts";

export interface DnnConfig extends NewbobConfig {
  hiddenLayers: number;
  hiddenDim: number;
  /** Held-out share of the training utterances for newbob's cross-validation (nnet1: 10%). */
  cvFraction: number;
  /** Standard deviation of the randomly initialized output layer. */
  initStddev: number;
  /** RBM pretraining of the hidden layers, or null for random initialization. */
  rbm: RbmConfig | null;
  /** Senone priors below this share of the frames make the senone unusable (Kaldi's prior floor). */
  priorFloor: number;
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
  rbm: RBM_KALDI,
  priorFloor: 1e-10,
  seed: 1,
};

/**
 * paper: exactly the paper's network and Kaldi's schedule. cpu: 4 hidden layers of 512, at most 8 epochs (the
 * same newbob rules, RBMs one pass each as Kaldi's), for 2-core machines. tiny: for tests.
 */
export const DNN_PROFILES: Record<string, DnnConfig> = {
  paper: PAPER,
  cpu: { ...PAPER, hiddenLayers: 4, hiddenDim: 512, maxEpochs: 8 },
  tiny: {
    ...PAPER,
    hiddenLayers: 2,
    hiddenDim: 32,
    maxEpochs: 3,
    batchSize: 64,
    rbm: { ...RBM_KALDI, batchSize: 32 },
  },
};
