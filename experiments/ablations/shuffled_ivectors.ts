// Ablation: each speaker's i-vector replaced by another speaker's of its split, or by one constant vector for everyone.
import { type Ablation, inputsVariant } from "../../src/pipeline/ablation.ts";

export default {
  name: "shuffled-ivectors",
  title: "Shuffled and constant i-vectors",
  question:
    "Does the Partitioned DNN gain from speaker information, or from its extra parameters and training? " +
    "Each speaker's i-vector is replaced by another speaker's of the same split (a seeded derangement, a new one " +
    "per seed), or every speaker gets one training speaker's i-vector; everything else is trained as in Table 1. " +
    "If the gain is speaker information, both variants lose it.",
  variants: [
    inputsVariant(
      "shuffled",
      "another speaker's i-vector",
      (inputs) => ({ ...inputs, ivectorSource: "shuffled" }),
    ),
    inputsVariant(
      "constant",
      "one constant i-vector",
      (inputs) => ({ ...inputs, ivectorSource: "constant" }),
    ),
  ],
} satisfies Ablation;
