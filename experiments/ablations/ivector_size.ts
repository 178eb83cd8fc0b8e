// Ablation: i-vector dimension (25 in the paper) and UBM size (128) of the Partitioned DNN's speaker input.
import { join } from "node:path";
import { type Ablation, inputsVariant } from "../../src/pipeline/ablation.ts";
import { fmllrFeatures } from "../../src/pipeline/experiment.ts";
import { runIvectors } from "../../src/pipeline/ivector.ts";

const sized = (dims: number, gaussians: number) =>
  inputsVariant(
    `${dims}d-${gaussians}g`,
    `${dims}-dim i-vectors, UBM ${gaussians}`,
    async (inputs, { a, x }) => {
      const config = { ...a.ivector, ivectorDim: dims, ubm: { ...a.ivector.ubm, gaussians } };
      const dir = join(x.exp, `ivector_fmllr_${dims}d_${gaussians}g`);
      const ivectors = await runIvectors(fmllrFeatures(x.ali), dir, config);
      return { ...inputs, ivectorDir: ivectors.dir, ivectorHash: ivectors.hash };
    },
  );

export default {
  name: "ivector-size",
  title: "i-vector and UBM size",
  question:
    "The paper uses 25-dimensional i-vectors from a 128-Gaussian UBM. The variants change one of the two: " +
    "10, 50 or 100 dimensions (UBM 128), or a UBM of 64 or 256 Gaussians (25 dimensions).",
  variants: [sized(10, 128), sized(50, 128), sized(100, 128), sized(25, 64), sized(25, 256)],
} satisfies Ablation;
