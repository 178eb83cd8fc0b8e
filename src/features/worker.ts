// A feature-extraction worker: computes features for a list of utterances into one archive part.
/// <reference lib="deno.worker" />
import { readAudio } from "../corpus/audio.ts";
import { ArkWriter } from "../io/ark.ts";
import { CmvnStats } from "./cmvn.ts";
import { FeatureExtractor } from "./mfcc.ts";
import type { ExtractJob, ExtractReply } from "./extract.ts";

self.onmessage = (e: MessageEvent<ExtractJob>) => {
  const job = e.data;
  try {
    const extractor = new FeatureExtractor(job.config.type, job.config.options);
    const writer = new ArkWriter(job.ark, "matrix", { scp: job.scp });
    const stats: Record<string, { sum: Float64Array; sumSq: Float64Array; count: number }> = {};
    for (const { key, wav } of job.utterances) {
      const audio = readAudio(wav);
      if (audio.sampleRate !== job.config.options.sampleRate) {
        throw new Error(
          `${wav}: sample rate ${audio.sampleRate}, features are configured for ${job.config.options.sampleRate}`,
        );
      }
      const feats = extractor.compute(audio.samples, key);
      if (feats.rows === 0) {
        throw new Error(`${wav}: too short for one frame (${audio.samples.length} samples)`);
      }
      writer.write(key, feats);
      const s = new CmvnStats(feats.cols).add(feats);
      stats[key] = { sum: s.sum, sumSq: s.sumSq, count: s.count };
      self.postMessage({ type: "progress" } satisfies ExtractReply);
    }
    writer.close();
    self.postMessage({ type: "done", stats } satisfies ExtractReply);
  } catch (err) {
    self.postMessage({ type: "error", message: (err as Error).message } satisfies ExtractReply);
  }
};
