// deno task gmm:mono | gmm:tri1 | gmm:tri2 | gmm:tri3 [--corpus DIR] — GMM-HMM systems: train, align, decode, RESULTS.md.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { mfccFeatures } from "../src/pipeline/features.ts";
import { LADDER, LADDER_KALDI, ladderTable, runLadder, type SystemName } from "../src/pipeline/ladder.ts";
import { runSatAlignments } from "../src/pipeline/alignments.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";

await runMain(async () => {
  const [system, ...rest] = Deno.args;
  const names = LADDER.map((s) => s.name);
  if (!names.includes(system as SystemName)) {
    throw new UsageError(`usage: scripts/gmm.ts ${names.join("|")} [options]`);
  }
  const args = parseArgs(rest, {
    corpus: CORPUS_OPTION,
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const exp = join("exp", corpus.name);
  const feats = await mfccFeatures(corpus, join(exp, "mfcc"), args.jobs);
  const command = `deno task gmm:${system}${rest.length ? " " + rest.join(" ") : ""}`;
  const ladder = await runLadder(feats, exp, command, LADDER_KALDI, {
    jobs: args.jobs,
    upTo: system as SystemName,
  });
  const last = ladder[system as SystemName];
  console.log(
    `${last.dir}/RESULTS.md\ndev:  ${formatCounts(last.summary.dev)}\ntest: ${
      formatCounts(last.summary.test)
    }\n`,
  );
  console.log(ladderTable(ladder));
  if (ladder.tri3) {
    const ali = (await runSatAlignments(feats, ladder.tri3, join(exp, "tri3_ali"), args.jobs)).summary;
    const failed = [...ali.failed.train, ...ali.failed.dev];
    console.log(
      `\n${join(exp, "tri3_ali")}: ${ali.numPdfs} senones; alignments, priors and fMLLR features in ${
        ali.seconds.toFixed(0)
      } s` + (failed.length ? `; failed: ${failed.join(" ")}` : ""),
    );
  }
});
