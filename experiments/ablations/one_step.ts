// Ablation: warm start in one step (all weights from the start) instead of new weights first, then all.
import { type Ablation, inputsVariant } from "../../src/pipeline/ablation.ts";

export default {
  name: "one-step",
  title: "One warm-start step",
  question:
    "The paper warm-starts every stage in two steps: the new weights alone, then all of them (sec. 3.3). " +
    "Here step 1 is skipped: every stage trains all its weights from the start, with step 2's schedule.",
  variants: [
    inputsVariant("step2-only", "step 2 only", (inputs) => {
      const s = inputs.config.speaker;
      return {
        ...inputs,
        config: { ...inputs.config, speaker: { ...s, newOnly: { ...s.newOnly, maxEpochs: 0 } } },
      };
    }),
  ],
} satisfies Ablation;
