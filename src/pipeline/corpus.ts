// Pipeline stage 0: the corpus (a given TIMIT copy, or the default corpus made if missing) and its Kaldi data dirs.
import { basename, join, resolve } from "node:path";
import { corpusDescription, generateCorpus } from "../corpus/synth/generate.ts";
import { FULL_COUNTS } from "../corpus/synth/speakers.ts";
import { PRESETS } from "../corpus/synth/voices.ts";
import { openTimit, type Split, standardSplits, type Utterance } from "../corpus/timit.ts";
import { dataDirOf, writeDataDir } from "../io/datadir.ts";
import { exists } from "../util/fs.ts";
import { Progress } from "../util/progress.ts";

export const DEFAULT_CORPUS = "data/default-corpus";

/** Makes the default corpus (seed 1, default preset, full size) unless it is already there. */
export async function ensureDefaultCorpus(out = DEFAULT_CORPUS): Promise<string> {
  const description = corpusDescription({
    seed: 1,
    presetName: "default",
    preset: PRESETS.default,
    counts: FULL_COUNTS,
  });
  const file = join(out, "corpus.json");
  if (exists(file) && Deno.readTextFileSync(file) === JSON.stringify(description, null, 2) + "\n") return out;
  if (exists(out)) {
    throw new Error(`${out} holds another corpus (see its corpus.json); move it or pass --corpus`);
  }
  console.error(`[corpus] making the default corpus in ${out} (about 2-3 minutes on 2 cores)`);
  const progress = new Progress("corpus", "utts");
  await generateCorpus({
    out,
    seed: 1,
    presetName: "default",
    preset: PRESETS.default,
    counts: FULL_COUNTS,
    jobs: navigator.hardwareConcurrency,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.finish();
  return out;
}

export interface PreparedCorpus {
  root: string;
  splits: Record<Split, Utterance[]>;
  /** Kaldi data dirs, one per split. */
  dataDirs: Record<Split, string>;
}

/** Opens the corpus (checking every file) and writes its Kaldi data dirs under data/kaldi/<corpus name>/. */
export async function prepareCorpus(corpus: string | null): Promise<PreparedCorpus> {
  const root = corpus ?? await ensureDefaultCorpus();
  const splits = standardSplits(openTimit(root));
  const base = join("data", "kaldi", basename(resolve(root)));
  const dataDirs = { train: join(base, "train"), dev: join(base, "dev"), test: join(base, "test") };
  for (const split of ["train", "dev", "test"] as const) {
    if (splits[split].length === 0) throw new Error(`${root}: the ${split} split is empty`);
    await writeDataDir(dataDirs[split], dataDirOf(splits[split]));
  }
  return { root, splits, dataDirs };
}
