// Ablation: each speaker's i-vector replaced by another speaker's of its split, or by one constant vector for everyone.
import { type Ablation, inputsVariant } from "../../src/pipeline/ablation.ts";

export default {
  name: "shuffled-ivectors",
  title: "Shuffled and constant i-vectors",
  question: "Does the Partitioned DNN gain from what an i-vector says about its speaker, or from the extra " +
    "parameters and training? Each speaker's i-vector is replaced by another speaker's of the same split (a " +
    "seeded cyclic permutation, a new one per seed), or every speaker gets one training speaker's i-vector; " +
    "everything else is trained as in Table 1. The permutation still gives each training speaker one consistent " +
    "code, so training can learn speaker-specific behaviour from it, but the code no longer describes the " +
    "speaker, and dev and test speakers get other speakers' codes; the constant vector carries no speaker " +
    "information at all. If the gain comes from the i-vectors' content, both variants lose it; if it comes " +
    "from the extra training, neither does.",
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
