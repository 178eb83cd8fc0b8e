// A worker's utterance sets: features (speaker-independent and speaker-adapted), transcripts, alignments, scores.
import { join } from "node:path";
import { applyCmvn, CmvnStats } from "../features/cmvn.ts";
import { addDeltas } from "../features/deltas.ts";
import { splice } from "../features/splice.ts";
import { transform } from "../features/transform.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";
import type { Mat } from "../linalg/matrix.ts";
import { ScpReader } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";

/**
 * How a worker makes features from a feature dir (per-speaker CMN first): deltas and delta-deltas (mono, tri1), or
 * frames spliced ±context, kept, and seen through a transform set later (LDA+MLLT, tri2).
 */
export type FeatureMode = { kind: "deltas" } | { kind: "splice"; context: number };

export interface UtteranceSet {
  keys: string[];
  speakers: string[];
  /** Spliced features before the transform (splice mode only). */
  base: FeatureMatrix[] | null;
  /** Speaker-independent features: deltas, or the spliced ones through the transform. */
  si: FeatureMatrix[];
  /** The features models see: si through the speaker's fMLLR transform where one is set. */
  feats: FeatureMatrix[];
  speakerTransforms: Map<string, Mat>;
  transcripts: Int32Array[];
  alignments: (Int32Array | null)[];
  /** Per-frame pdf log-likelihoods (frames x pdfs per utterance) under the scores named `id`, kept for decoding. */
  scores: { id: string; logliks: Float32Array[] } | null;
}

const sets = new Map<string, UtteranceSet>();

export function getSet(name: string): UtteranceSet {
  const set = sets.get(name);
  if (!set) throw new Error(`no utterance set '${name}' is loaded`);
  return set;
}

/** A set of utterances without features, to hold scores computed elsewhere. */
export function ensureSet(name: string, keys: string[]): UtteranceSet {
  if (!sets.has(name)) {
    sets.set(name, {
      keys,
      speakers: [],
      base: null,
      si: [],
      feats: [],
      speakerTransforms: new Map(),
      transcripts: [],
      alignments: [],
      scores: null,
    });
  }
  return sets.get(name)!;
}

/** Per-speaker CMN, then deltas or splicing; the set replaces any set of that name. */
export function loadSet(
  name: string,
  featDir: string,
  keys: string[],
  mode: FeatureMode,
  transcripts: Int32Array[] = [],
): UtteranceSet {
  const feats = new ScpReader(join(featDir, "feats.scp"), "matrix", { sameDim: true }),
    cmvn = new ScpReader(join(featDir, "cmvn.scp"), "matrix", { sameDim: true });
  const { utt2spk } = readDataDir(featDir);
  const speakers = keys.map((k) => {
    const s = utt2spk.get(k);
    if (s === undefined) throw new Error(`${join(featDir, "utt2spk")}: no speaker for '${k}'`);
    return s;
  });
  const loaded = keys.map((k, i) => {
    const x = applyCmvn(feats.get(k), CmvnStats.fromMatrix(cmvn.get(speakers[i])));
    return mode.kind === "deltas" ? addDeltas(x) : splice(x, mode.context);
  });
  const set: UtteranceSet = {
    keys,
    speakers,
    base: mode.kind === "splice" ? loaded : null,
    si: loaded,
    feats: loaded,
    speakerTransforms: new Map(),
    transcripts,
    alignments: keys.map(() => null),
    scores: null,
  };
  sets.set(name, set);
  return set;
}

/** Drops the scores every other set keeps: decoding reads one split at a time (the dev search, then test). */
export function dropScoresExcept(name: string) {
  for (const [other, set] of sets) if (other !== name) set.scores = null;
}

/** Frees a set (its features, alignments and scores). */
export function unloadSet(name: string) {
  sets.delete(name);
}

/** The affine transform W = [A b] (dim x dim+1) as a float32 feature transform. */
const affine = (w: Mat): FeatureMatrix => featureMatrix(w.rows, w.cols, Float32Array.from(w.data));

/** Re-derives the features models see from the speaker-independent ones and the speakers' transforms. */
export function adaptFeatures(set: UtteranceSet) {
  const affines = new Map([...set.speakerTransforms].map(([s, w]) => [s, affine(w)]));
  set.feats = set.si.map((x, i) => {
    const w = affines.get(set.speakers[i]);
    return w ? transform(w, x) : x;
  });
  set.scores = null;
}

/** Sets the transform from the spliced features to the speaker-independent ones. */
export function setTransform(set: UtteranceSet, name: string, t: FeatureMatrix) {
  if (!set.base) throw new Error(`set ${name} was not loaded with spliced features`);
  set.si = set.base.map((x) => transform(t, x));
  adaptFeatures(set);
}
