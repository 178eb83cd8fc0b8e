// Analysis stage: a speaker-aware model decoded again with dev/test i-vectors re-estimated from its first pass (sec. 4.2, last paragraph).
import { join } from "node:path";
import type { ErrorCounts } from "../decode/score.ts";
import type { EvalSplit } from "../decode/search.ts";
import { loadFeatures } from "../features/extract.ts";
import { initBackend } from "../nnet/backend.ts";
import { decodeHybrid, forwardSet, HybridSetup } from "./hybrid.ts";
import { type IvectorConfig, readIvectors, speakerIvectors } from "./ivector.ts";
import { loadNetwork, type SpeakerStage, type SpeakerStageInputs, speakerVectors } from "./speaker_dnn.ts";
import { runStage, type Stage } from "./stage.ts";

export interface UnsupAdaptSummary {
  system: string;
  first: { dev: ErrorCounts; test: ErrorCounts };
  second: { dev: ErrorCounts; test: ErrorCounts };
  /** Per split: frames kept as speech, and how close the new i-vectors are to the stored ones. */
  ivectors: Record<EvalSplit, { speechFrames: number; frames: number; meanCosine: number }>;
  /** The largest difference between the stored i-vectors and ones extracted again from all frames (a check). */
  check: number;
}

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  a.forEach((v, i) => ((ab += v * b[i]), (aa += v * v), (bb += b[i] * b[i])));
  return ab / Math.sqrt(aa * bb);
};

/**
 * First pass: the stage's own decode, with each dev and test speaker's i-vector from all their frames, as in
 * training. The network's output marks a frame as silence when the senones of `sil` hold at least half of its
 * posterior mass; each speaker's i-vector is extracted again from the speech frames only (Kaldi's silence weighting
 * from a first pass, with weights 0/1) and the same network decodes again at the acoustic scale and penalty it
 * chose on dev. In `dir`: decode_{dev,test}/ of the second pass.
 */
export function runUnsupervisedAdaptation(
  system: SpeakerStage,
  ivectors: Stage<unknown>,
  ivectorConfig: IvectorConfig,
  dir: string,
  o: SpeakerStageInputs,
): Promise<Stage<UnsupAdaptSummary>> {
  const key = {
    stage: "unsup-adapt",
    system: system.hash,
    ivectors: ivectors.hash,
    minPost: ivectorConfig.minPost,
  };
  return runStage(dir, key, async (out) => {
    await initBackend(o.backend);
    const c = o.config, h = new HybridSetup(o.aliDir), silence = h.silencePdfs();
    const firstPass = speakerVectors(ivectors.dir, h);
    const net = loadNetwork(system);
    const updated = {} as Record<EvalSplit, Map<string, Float32Array>>;
    const change = {} as UnsupAdaptSummary["ivectors"];
    let check = 0;
    for (const split of ["dev", "test"] as const) {
      const feats = loadFeatures(join(o.aliDir, "feats", split), "none");
      const utt2spk = h.sets[split].utt2spk, stored = readIvectors(ivectors.dir, split, "spk");
      const all = speakerIvectors(ivectors.dir, feats, utt2spk, ivectorConfig.minPost);
      for (const [s, v] of stored) {
        v.forEach((e, i) => (check = Math.max(check, Math.abs(e - all.get(s)![i]))));
      }
      const set = h.load(split, firstPass[split]), speech = new Uint8Array(set.frames);
      await forwardSet(
        net,
        set,
        c.context,
        c.batchSize,
        h.numPdfs,
        (frames, logp) =>
          frames.forEach((f, i) => {
            let sil = 0;
            for (const p of silence) sil += Math.exp(logp[i * h.numPdfs + p]);
            speech[f] = sil < 0.5 ? 1 : 0;
          }),
      );
      const at = new Map(set.keys.map((k, i) => [k, i]));
      const keep = (key: string) => speech.subarray(set.offsets[at.get(key)!], set.offsets[at.get(key)! + 1]);
      updated[split] = speakerIvectors(ivectors.dir, feats, utt2spk, ivectorConfig.minPost, keep);
      const cos = [...stored].map(([s, v]) => cosine(v, updated[split].get(s)!));
      change[split] = {
        speechFrames: speech.reduce((n, b) => n + b, 0),
        frames: set.frames,
        meanCosine: cos.reduce((s, v) => s + v, 0) / cos.length,
      };
      set.free();
    }
    const s = system.summary;
    const fixed = {
      ...o.decode,
      acousticScales: [s.acousticScale],
      insertionPenalties: [s.insertionPenalty],
    };
    const second = await decodeHybrid(net, h, c, fixed, out, {
      speakerOf: speakerVectors(ivectors.dir, h, updated),
      extra: false,
      jobs: o.jobs,
    });
    net.dispose();
    return {
      system: system.dir,
      first: { dev: s.dev, test: s.test },
      second: { dev: second.dev.total, test: second.test.total },
      ivectors: change,
      check,
    };
  });
}
