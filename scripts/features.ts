// deno task features [--corpus DIR] [--out exp/feats] [--type mfcc|fbank] [--jobs N] — features for all splits.
import { FEATURE_CONFIGS } from "../src/features/extract.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { ensureFeatures } from "../src/pipeline/features.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    corpus: CORPUS_OPTION,
    out: { kind: "string", default: "exp/feats", help: "feature dirs go to OUT/{train,dev,test}" },
    type: { kind: "string", default: "mfcc", help: "mfcc (13, Kaldi TIMIT setup) or fbank (40 log-mel)" },
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
  });
  const config = FEATURE_CONFIGS[args.type as keyof typeof FEATURE_CONFIGS];
  if (!config) throw new UsageError(`--type must be mfcc or fbank, got '${args.type}'`);
  const corpus = await prepareCorpus(args.corpus || null);
  const t0 = performance.now();
  const dirs = await ensureFeatures(corpus.dataDirs, args.out, config, args.jobs);
  console.log(
    `features in ${Object.values(dirs).join(", ")} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );
});
