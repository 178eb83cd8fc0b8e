// Pipeline stage 0: the corpus (a given TIMIT copy, or the default corpus made if missing) and its Kaldi data dirs.
import { basename, join, resolve } from "node:path";
import { corpusDescription, generateCorpus } from "../corpus/synth/generate.ts";
import { FULL_COUNTS, type SpeakerCounts } from "../corpus/synth/speakers.ts";
import { PRESETS } from "../corpus/synth/voices.ts";
import { openTimit, type Split, SPLITS, standardSplits, type Utterance } from "../corpus/timit.ts";
import { dataDirOf, writeDataDir } from "../io/datadir.ts";
import { exists } from "../util/fs.ts";
import { Progress } from "../util/progress.ts";

export const DEFAULT_CORPUS = "data/default-corpus";

/** The --corpus option every experiment script takes. */
export const CORPUS_OPTION = {
  kind: "string",
  default: "",
  help: "a TIMIT-layout corpus (a real TIMIT copy works); default: the default corpus, made if missing",
} as const;

export interface CorpusRequest {
  out: string;
  seed: number;
  presetName: string;
  counts: SpeakerCounts;
  jobs: number;
  /** Replace a different corpus found at `out`. */
  force?: boolean;
}

/** Whether `r.out` already holds exactly this corpus (its corpus.json says so). */
export function corpusMade(r: CorpusRequest): boolean {
  const preset = PRESETS[r.presetName];
  if (!preset) {
    throw new Error(
      `unknown corpus preset '${r.presetName}'; choose one of ${Object.keys(PRESETS).join(", ")}`,
    );
  }
  const file = join(r.out, "corpus.json");
  return exists(file) && Deno.readTextFileSync(file) === corpusDescription({ ...r, preset });
}

/** Generates the corpus unless `out` already holds exactly this one. */
export async function ensureCorpus(r: CorpusRequest): Promise<{ reused: boolean; resumedSpeakers: number }> {
  if (corpusMade(r)) return { reused: true, resumedSpeakers: 0 };
  const preset = PRESETS[r.presetName];
  if (exists(r.out) && !r.force) {
    throw new Error(
      `${r.out} holds another corpus (see its corpus.json); pass --force to replace it, or use another --out`,
    );
  }
  const progress = new Progress("corpus", "utts");
  const made = await generateCorpus({
    ...r,
    preset,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.finish();
  return { reused: false, resumedSpeakers: made.resumedSpeakers };
}

/** The default corpus: seed 1, default preset, full size. */
export const DEFAULT_CORPUS_REQUEST: CorpusRequest = {
  out: DEFAULT_CORPUS,
  seed: 1,
  presetName: "default",
  counts: FULL_COUNTS,
  jobs: navigator.hardwareConcurrency,
  force: true, // phl's own folder: one made by an older phl is remade (its speakers come out the same)
};

async function ensureDefaultCorpus(): Promise<string> {
  if (!exists(join(DEFAULT_CORPUS, "corpus.json"))) {
    console.error(`[corpus] making the default corpus in ${DEFAULT_CORPUS} (about 2 minutes on 2 cores)`);
  }
  await ensureCorpus(DEFAULT_CORPUS_REQUEST);
  return DEFAULT_CORPUS;
}

export interface PreparedCorpus {
  root: string;
  /** The corpus folder's name: its data dirs are data/kaldi/NAME/, its experiments exp/NAME/. */
  name: string;
  splits: Record<Split, Utterance[]>;
  /** Kaldi data dirs, one per split. */
  dataDirs: Record<Split, string>;
}

/** Opens the corpus (checking every file) and writes its Kaldi data dirs under DATAROOT/<corpus name>/. */
export async function prepareCorpus(
  corpus: string | null,
  dataRoot = join("data", "kaldi"),
): Promise<PreparedCorpus> {
  const root = corpus ?? await ensureDefaultCorpus();
  const splits = standardSplits(openTimit(root));
  const name = basename(resolve(root));
  const base = join(dataRoot, name);
  const dataDirs = Object.fromEntries(SPLITS.map((s) => [s, join(base, s)])) as Record<Split, string>;
  for (const split of SPLITS) {
    if (splits[split].length === 0) throw new Error(`${root}: the ${split} split is empty`);
    await writeDataDir(dataDirs[split], dataDirOf(splits[split]));
  }
  return { root, name, splits, dataDirs };
}
