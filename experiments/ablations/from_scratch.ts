// Ablation: the i-vector baseline and the Partitioned DNN trained from scratch (random, or on the initial DNN's RBMs) against the warm start.
import { join } from "node:path";
import { model, stageFolder } from "../../src/nnet/models.ts";
import { type Ablation, baselineVariant, type Variant } from "../../src/pipeline/ablation.ts";
import { seeded } from "../../src/pipeline/experiment.ts";
import { runSpeakerStage, type StageStart } from "../../src/pipeline/speaker_dnn.ts";

/** Stage k of a model (1: the i-vector baseline; the last: the final Partitioned DNN) trained from scratch. */
const scratch = (folder: string, title: string, name: string, last: boolean, start: StageStart): Variant => ({
  folder,
  title,
  run: ({ a, x, seed, units, root }) => {
    const m = model(name), k = last ? a.config.hiddenLayers + 1 : 1;
    return runSpeakerStage(
      m,
      k,
      units,
      x.dnn,
      join(root, stageFolder(m, k, units)),
      seeded(x, seed).inputs,
      start,
    );
  },
});

export default {
  name: "from-scratch",
  title: "Warm start against training from scratch",
  question:
    "The paper warm-starts the speaker-aware networks from the initial DNN (sec. 3.3). Here the i-vector " +
    "baseline and the final Partitioned DNN are trained from scratch instead, with the initial DNN's newbob " +
    "schedule over all weights: from random weights, or from the initial DNN's RBMs (its pretraining) with the " +
    "output layer and speaker weights random. The warm-started i-vector baseline of Table 1 is listed to compare " +
    "the baselines with.",
  long: true,
  variants: [
    baselineVariant("baseline-warm", "i-vector baseline, warm start (Table 1's)"),
    scratch("baseline-random", "i-vector baseline from random weights", "extended", false, "random"),
    scratch("baseline-rbm", "i-vector baseline from the RBMs", "extended", false, "rbm"),
    scratch("partitioned-random", "Partitioned DNN from random weights", "partitioned", true, "random"),
    scratch("partitioned-rbm", "Partitioned DNN from the RBMs", "partitioned", true, "rbm"),
  ],
} satisfies Ablation;
