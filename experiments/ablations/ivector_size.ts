// Ablation: i-vector dimension (25 in the paper) and UBM size (128), in the i-vector baseline, where the i-vector enters the network.
import { join } from "node:path";
import { type Ablation, type AblationContext, BASELINE, inputsVariant } from "../../src/pipeline/ablation.ts";
import { fmllrFeatures } from "../../src/pipeline/experiment.ts";
import { runIvectors } from "../../src/pipeline/ivector.ts";

const SIZES = [[10, 128], [50, 128], [100, 128], [25, 64], [25, 256]];

/** The i-vectors of one size, extracted on tri3's fMLLR features with their own UBM and extractor. */
const ivectorsOf = ({ a, x }: AblationContext, dims: number, gaussians: number) =>
  runIvectors(fmllrFeatures(x.ali), join(x.exp, `ivector_fmllr_${dims}d_${gaussians}g`), {
    ...a.ivector,
    ivectorDim: dims,
    ubm: { ...a.ivector.ubm, gaussians },
  });

export default {
  name: "ivector-size",
  title: "i-vector and UBM size",
  question:
    "The paper uses 25-dimensional i-vectors from a 128-Gaussian UBM. The variants change one of the two, in the " +
    "i-vector baseline (the i-vector appended to the first hidden layer's input, warm-started from the initial " +
    "DNN): 10, 50 or 100 dimensions (UBM 128), or a UBM of 64 or 256 Gaussians (25 dimensions).",
  reference: BASELINE,
  prepare: async (c) => {
    for (const [dims, gaussians] of SIZES) await ivectorsOf(c, dims, gaussians);
  },
  variants: SIZES.map(([dims, gaussians]) =>
    inputsVariant(
      `${dims}d-${gaussians}g`,
      `${dims}-dim i-vectors, UBM ${gaussians}`,
      async (inputs, c) => {
        const ivectors = await ivectorsOf(c, dims, gaussians);
        return { ...inputs, ivectorDir: ivectors.dir, ivectorHash: ivectors.hash };
      },
      BASELINE,
    )
  ),
} satisfies Ablation;
