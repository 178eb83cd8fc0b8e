// deno task ivector [--corpus DIR] [--feats DIR] [--out DIR] [--ubm-gaussians 128] [--ivector-dim 25] — i-vectors.
import { type Split, SPLITS } from "../src/corpus/timit.ts";
import { join } from "node:path";
import { FEATURE_CONFIGS } from "../src/features/extract.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { ensureFeatures } from "../src/pipeline/features.ts";
import { IVECTOR_DEFAULTS, runIvectors } from "../src/pipeline/ivector.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    corpus: CORPUS_OPTION,
    feats: {
      kind: "string",
      default: "",
      help: "feature dirs root with train/ dev/ test/ (default: the corpus' MFCC)",
    },
    out: { kind: "string", default: "", help: "output folder (default exp/<corpus>/ivector)" },
    "ubm-gaussians": { kind: "int", default: IVECTOR_DEFAULTS.ubm.gaussians, help: "UBM size" },
    "ivector-dim": { kind: "int", default: IVECTOR_DEFAULTS.ivectorDim, help: "i-vector dimension" },
    deltas: { kind: "boolean", help: "append deltas to the features (default on for MFCC)" },
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const featRoot = args.feats || join("exp", corpus.name, "mfcc");
  const featDirs = args.feats
    ? Object.fromEntries(SPLITS.map((s) => [s, join(featRoot, s)])) as Record<Split, string>
    : await ensureFeatures(corpus.dataDirs, featRoot, FEATURE_CONFIGS.mfcc);
  const config = {
    ...IVECTOR_DEFAULTS,
    ubm: { ...IVECTOR_DEFAULTS.ubm, gaussians: args["ubm-gaussians"] },
    ivectorDim: args["ivector-dim"],
    deltas: args.feats ? args.deltas : true,
  };
  const t0 = performance.now();
  const { dir } = await runIvectors(featDirs, args.out || join("exp", corpus.name, "ivector"), config);
  console.log(
    `i-vectors in ${dir}/{${SPLITS.join(",")}}/ivector_{utt,spk}.ark (${
      ((performance.now() - t0) / 1000).toFixed(1)
    } s)`,
  );
});
