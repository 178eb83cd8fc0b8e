// Ablation: speaker partitions without eq. 7's sigmoid.
import { type Ablation, modelVariant } from "../../src/pipeline/ablation.ts";

export default {
  name: "linear-partition",
  title: "Linear speaker partitions",
  question:
    "Eq. 7 passes each speaker partition through a sigmoid, s^l = sigmoid(W_t s^(l-1) + b_t). Does the " +
    "nonlinearity matter? The variant is the same chain with s^l = W_t s^(l-1) + b_t (its stage 1, the i-vector " +
    "baseline, is shared).",
  variants: [modelVariant("linear", "linear partitions", "partitioned-linear")],
} satisfies Ablation;
