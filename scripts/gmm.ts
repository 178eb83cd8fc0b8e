// deno task gmm:mono | gmm:tri1 | gmm:tri2 | gmm:tri3 [--corpus DIR] — GMM-HMM systems: train, align, decode, RESULTS.md.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { MONO_KALDI } from "../src/gmm/mono.ts";
import { TRI1_KALDI } from "../src/gmm/tri.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { mfccFeatures } from "../src/pipeline/features.ts";
import { ladderTable, runMono, runTri1, runTri2, runTri3 } from "../src/pipeline/gmm.ts";
import { runSatAlignments } from "../src/pipeline/alignments.ts";
import { TRI3_KALDI } from "../src/gmm/sat.ts";
import { TRI2_KALDI } from "../src/gmm/lda_mllt.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";

await runMain(async () => {
  const [system, ...rest] = Deno.args;
  const ladder = ["mono", "tri1", "tri2", "tri3"];
  if (!ladder.includes(system)) throw new UsageError(`usage: scripts/gmm.ts ${ladder.join("|")} [options]`);
  const upTo = (s: string) => ladder.indexOf(system) >= ladder.indexOf(s);
  const args = parseArgs(rest, {
    corpus: CORPUS_OPTION,
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const exp = join("exp", corpus.name);
  const feats = await mfccFeatures(corpus, args.jobs);
  const command = (s: string) => `deno task gmm:${s}${rest.length ? " " + rest.join(" ") : ""}`;
  const mono = await runMono(feats, join(exp, "mono"), command("mono"), MONO_KALDI, undefined, args.jobs);
  const tri1 = upTo("tri1")
    ? await runTri1(feats, mono.dir, join(exp, "tri1"), command("tri1"), TRI1_KALDI, undefined, args.jobs)
    : null;
  const tri2 = upTo("tri2")
    ? await runTri2(feats, tri1!.dir, join(exp, "tri2"), command("tri2"), TRI2_KALDI, undefined, args.jobs)
    : null;
  const tri3 = upTo("tri3")
    ? await runTri3(feats, tri2!.dir, join(exp, "tri3"), command("tri3"), TRI3_KALDI, undefined, args.jobs)
    : null;
  const ali = tri3 ? await runSatAlignments(feats, tri3.dir, join(exp, "tri3_ali"), args.jobs) : null;
  const r = tri3 ?? tri2 ?? tri1 ?? mono;
  console.log(`${r.dir}/RESULTS.md\ndev:  ${formatCounts(r.dev)}\ntest: ${formatCounts(r.test)}\n`);
  const systems = Object.entries({ mono, tri1, tri2, tri3 }).flatMap(([name, result]) =>
    result ? [{ name, result }] : []
  );
  console.log(ladderTable(systems));
  if (ali) {
    console.log(
      `\n${ali.dir}: ${ali.numPdfs} senones; alignments, priors and fMLLR features in ${
        ali.seconds.toFixed(0)
      } s` +
        (ali.failed.train.length + ali.failed.dev.length
          ? `; failed: ${[...ali.failed.train, ...ali.failed.dev].join(" ")}`
          : ""),
    );
  }
});
