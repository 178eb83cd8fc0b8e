// deno task gmm:mono [--corpus DIR] — monophone GMM-HMM: train, align, decode dev and test, RESULTS.md.
import { join } from "node:path";
import { FEATURE_CONFIGS } from "../src/features/extract.ts";
import { prepareCorpus } from "../src/pipeline/corpus.ts";
import { ensureFeatures } from "../src/pipeline/features.ts";
import { runMono } from "../src/pipeline/gmm.ts";
import { MONO_KALDI } from "../src/gmm/mono.ts";
import { parseArgs, runMain } from "../src/util/args.ts";
import { formatCounts } from "../src/decode/score.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    corpus: {
      kind: "string",
      default: "",
      help: "a TIMIT-layout corpus; default: the default corpus (made if missing)",
    },
    iters: { kind: "int", default: MONO_KALDI.numIters, help: "training iterations (Kaldi: 40)" },
    gaussians: { kind: "int", default: MONO_KALDI.totGauss, help: "total Gaussians (Kaldi: 1000)" },
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const feats = await ensureFeatures(
    corpus.dataDirs,
    join("exp", corpus.name, "mfcc"),
    FEATURE_CONFIGS.mfcc,
    args.jobs,
  );
  const config = {
    ...MONO_KALDI,
    numIters: args.iters,
    totGauss: args.gaussians,
    maxIterInc: Math.min(MONO_KALDI.maxIterInc, args.iters - 1),
    realignIters: MONO_KALDI.realignIters.filter((i) => i < args.iters),
  };
  const command = `deno task gmm:mono${Deno.args.length ? " " + Deno.args.join(" ") : ""}`;
  const r = await runMono(feats, join("exp", corpus.name, "mono"), command, config, undefined, args.jobs);
  console.log(`${r.dir}/RESULTS.md\ndev:  ${formatCounts(r.dev)}\ntest: ${formatCounts(r.test)}`);
});
