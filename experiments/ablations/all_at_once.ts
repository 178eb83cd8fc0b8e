// Ablation: every layer made a PHL in one stage from the initial DNN, against progressive training layer by layer.
import { join } from "node:path";
import { model, stageFolder } from "../../src/nnet/models.ts";
import type { Ablation } from "../../src/pipeline/ablation.ts";
import { seeded } from "../../src/pipeline/experiment.ts";
import { runSpeakerStage } from "../../src/pipeline/speaker_dnn.ts";

export default {
  name: "all-at-once",
  title: "Progressive against all at once",
  question:
    "The paper adds speaker partitions one layer per stage, each stage warm-started from the one below " +
    "(sec. 3.3). Here every layer, the output layer included, gets its partition in one stage warm-started from " +
    "the initial DNN, trained with one stage's two steps.",
  variants: [{
    folder: "one-stage",
    title: "all layers in one stage",
    run: ({ a, x, seed, units, root }) => {
      const m = model("partitioned"), k = a.config.hiddenLayers + 1;
      return runSpeakerStage(
        m,
        k,
        units,
        x.dnn,
        join(root, stageFolder(m, k, units)),
        seeded(x, seed).inputs,
      );
    },
  }],
} satisfies Ablation;
