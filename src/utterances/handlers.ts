// The worker side of the utterance pool's own requests: loading sets, transforms, transcripts, alignments, scores.
import { CmvnStats } from "../features/cmvn.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { type Mat, mat } from "../linalg/matrix.ts";
import type { Handlers } from "../util/pool.ts";
import {
  adaptFeatures,
  ensureSet,
  type FeatureMode,
  getSet,
  loadSet,
  setTransform,
  unloadSet,
} from "./store.ts";

export type UtteranceRequest =
  | {
    op: "load";
    set: string;
    featDir: string;
    keys: string[];
    transcripts?: Int32Array[];
    features: FeatureMode;
  }
  | { op: "unload"; set: string }
  | { op: "setTransform"; set: string; transform: FeatureMatrix }
  | { op: "setTranscripts"; set: string; transcripts: Record<string, Int32Array> }
  | { op: "setSpeakerTransforms"; set: string; transforms: Record<string, Mat> }
  | { op: "speakerTransforms"; set: string }
  | { op: "features"; set: string }
  | { op: "alignments"; set: string }
  | { op: "setAlignments"; set: string; alignments: Record<string, Int32Array> }
  | {
    op: "setScores";
    set: string;
    scoresId: string;
    keys: string[];
    /** Where each utterance's frames x pdfs scores start in `buffer` (in floats), and its frame count. */
    offsets: number[];
    frames: number[];
    numPdfs: number;
    buffer: SharedArrayBuffer;
  };

export const utteranceHandlers: Handlers<UtteranceRequest> = {
  load(req) {
    const set = loadSet(req.set, req.featDir, req.keys, req.features, req.transcripts);
    const dim = set.si[0]?.cols ?? 0, s = new CmvnStats(dim);
    for (const x of set.si) s.add(x);
    return { frames: s.count, sum: s.sum, sumSq: s.sumSq };
  },
  unload(req) {
    unloadSet(req.set);
    return null;
  },
  setTransform(req) {
    const set = getSet(req.set);
    setTransform(set, req.set, req.transform);
    return set.feats[0]?.cols ?? 0;
  },
  setTranscripts(req) {
    const set = getSet(req.set);
    set.keys.forEach((k, i) => {
      const tr = req.transcripts[k];
      if (tr) (set.transcripts[i] = tr), (set.alignments[i] = null);
    });
    return null;
  },
  setSpeakerTransforms(req) {
    const set = getSet(req.set), mine = new Set(set.speakers);
    set.speakerTransforms = new Map(
      Object.entries(req.transforms).filter(([s]) => mine.has(s)).map((
        [s, w],
      ) => [s, mat(w.rows, w.cols, w.data)]),
    );
    adaptFeatures(set);
    return set.speakerTransforms.size;
  },
  speakerTransforms: (req) => Object.fromEntries(getSet(req.set).speakerTransforms),
  features(req) {
    const set = getSet(req.set);
    return { keys: set.keys, feats: set.feats };
  },
  alignments(req) {
    const set = getSet(req.set);
    return { keys: set.keys, alignments: set.alignments };
  },
  setAlignments(req) {
    const set = getSet(req.set);
    set.alignments = set.keys.map((k) => req.alignments[k] ?? null);
    return set.alignments.filter((a) => a === null).length;
  },
  setScores(req) {
    const set = ensureSet(req.set, req.keys);
    const order = new Map(set.keys.map((k, i) => [k, i]));
    const logliks: Float32Array[] = [];
    req.keys.forEach((k, i) => {
      const at = order.get(k);
      if (at === undefined) throw new Error(`set ${req.set} has no utterance '${k}'`);
      logliks[at] = new Float32Array(req.buffer, 4 * req.offsets[i], req.frames[i] * req.numPdfs);
    });
    set.scores = { id: req.scoresId, logliks };
    return null;
  },
};
