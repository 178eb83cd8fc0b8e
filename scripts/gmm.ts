// deno task gmm:mono | gmm:tri1 | gmm:tri2 [--corpus DIR] — GMM-HMM systems: train, align, decode, RESULTS.md.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { MONO_KALDI } from "../src/gmm/mono.ts";
import { TRI1_KALDI } from "../src/gmm/tri.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { mfccFeatures } from "../src/pipeline/features.ts";
import { runMono, runTri1, runTri2 } from "../src/pipeline/gmm.ts";
import { TRI2_KALDI } from "../src/gmm/lda_mllt.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";

await runMain(async () => {
  const [system, ...rest] = Deno.args;
  if (system !== "mono" && system !== "tri1" && system !== "tri2") {
    throw new UsageError("usage: scripts/gmm.ts mono|tri1|tri2 [options]");
  }
  const args = parseArgs(rest, {
    corpus: CORPUS_OPTION,
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const exp = join("exp", corpus.name);
  const feats = await mfccFeatures(corpus, args.jobs);
  const command = (s: string) => `deno task gmm:${s}${rest.length ? " " + rest.join(" ") : ""}`;
  const mono = await runMono(feats, join(exp, "mono"), command("mono"), MONO_KALDI, undefined, args.jobs);
  const tri1 = system === "mono"
    ? null
    : await runTri1(feats, mono.dir, join(exp, "tri1"), command("tri1"), TRI1_KALDI, undefined, args.jobs);
  const r = system === "tri2"
    ? await runTri2(feats, tri1!.dir, join(exp, "tri2"), command("tri2"), TRI2_KALDI, undefined, args.jobs)
    : tri1 ?? mono;
  console.log(`${r.dir}/RESULTS.md\ndev:  ${formatCounts(r.dev)}\ntest: ${formatCounts(r.test)}`);
});
