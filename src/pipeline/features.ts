// Pipeline stage 1: features (MFCC by default) for every split's data dir, with per-speaker CMVN stats.
import { join } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { extractFeatures, FEATURE_CONFIGS, type FeatureConfig } from "../features/extract.ts";
import { Progress } from "../util/progress.ts";
import { fingerprint, runStage } from "./stage.ts";

/** The MFCC feature dirs of a prepared corpus, in `dir` (default exp/<corpus>/mfcc; made if missing). */
export function mfccFeatures(
  corpus: { name: string; dataDirs: Record<Split, string> },
  dir = join("exp", corpus.name, "mfcc"),
  jobs = navigator.hardwareConcurrency,
) {
  return ensureFeatures(corpus.dataDirs, dir, FEATURE_CONFIGS.mfcc, jobs);
}

/** The stage key of one split's features from its data dir. */
export const featuresKey = (data: string, config: FeatureConfig) => ({
  stage: "features",
  config,
  data: fingerprint(join(data, "wav.scp"), join(data, "utt2spk"), join(data, "text")),
});

export async function ensureFeatures(
  dataDirs: Record<Split, string>,
  outRoot: string,
  config: FeatureConfig,
  jobs = navigator.hardwareConcurrency,
): Promise<Record<Split, string>> {
  const dirs = {} as Record<Split, string>;
  for (const split of SPLITS) {
    const data = dataDirs[split], out = join(outRoot, split);
    await runStage(out, featuresKey(data, config), async (dir) => {
      const progress = new Progress(`features ${split}`, "utts");
      const t0 = performance.now();
      const { utterances, frames } = await extractFeatures(
        data,
        dir,
        config,
        jobs,
        (d, n) => progress.update(d, n),
      );
      progress.finish();
      const seconds = (performance.now() - t0) / 1000;
      console.error(
        `[features ${split}] ${utterances} utterances, ${frames} frames in ${seconds.toFixed(1)} s`,
      );
      return { utterances, frames, seconds };
    });
    dirs[split] = out;
  }
  return dirs;
}
