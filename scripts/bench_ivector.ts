// deno task bench:ivector [--corpus DIR] — speaker identification accuracy and EER of i-vectors, and stage times.
import { join } from "node:path";
import { readDataDir } from "../src/io/datadir.ts";
import { equalErrorRate, identificationAccuracy } from "../src/ivector/evaluate.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { mfccFeatures } from "../src/pipeline/features.ts";
import { readIvectors, runIvectors } from "../src/pipeline/ivector.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    corpus: CORPUS_OPTION,
  });
  const corpus = await prepareCorpus(args.corpus || null);
  const feats = await mfccFeatures(corpus);
  const { dir, summary } = await runIvectors(feats, join("exp", corpus.name, "ivector"));
  console.log(
    `i-vectors: ${summary.dims.ivector} dims, UBM ${summary.dims.ubmGaussians} Gaussians on ${summary.dims.features}-dim features`,
  );
  const s = summary.seconds;
  console.log(
    `times (s): UBM ${s.ubm.toFixed(1)}, statistics ${s.stats.toFixed(1)}, extractor ${
      s.extractor.toFixed(1)
    }, extraction ${s.extraction.toFixed(1)}`,
  );
  for (const split of ["test", "dev"] as const) {
    const ivectors = readIvectors(dir, split, "utt"), { utt2spk } = readDataDir(feats[split]);
    const speakers = new Set(utt2spk.values()).size;
    const sid = identificationAccuracy(ivectors, utt2spk), eer = equalErrorRate(ivectors, utt2spk);
    console.log(
      `${split}: speaker identification ${
        (100 * sid).toFixed(1)
      }% of ${ivectors.size} utterances among ${speakers} speakers; EER ${
        (100 * eer).toFixed(2)
      }% over all pairs`,
    );
  }
});
