// Feature extraction for a Kaldi data dir, in parallel workers: archives, feats.scp, per-speaker CMVN statistics.
import { join, resolve } from "node:path";
import { ArkWriter, readScp, ScpReader } from "../io/ark.ts";
import { compareKeys, readDataDir, spk2utt, wavPath } from "../io/datadir.ts";
import { applyCmvn, CmvnStats } from "./cmvn.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";
import { FBANK_DEFAULTS, type MelOptions, MFCC_DEFAULTS, type MfccOptions } from "./mfcc.ts";

export type FeatureConfig = { type: "mfcc"; options: MfccOptions } | { type: "fbank"; options: MelOptions };

export const FEATURE_CONFIGS = {
  mfcc: { type: "mfcc", options: MFCC_DEFAULTS } as FeatureConfig,
  fbank: { type: "fbank", options: FBANK_DEFAULTS } as FeatureConfig,
};

export interface ExtractJob {
  config: FeatureConfig;
  utterances: { key: string; wav: string }[];
  ark: string;
  scp: string;
}

export type ExtractReply =
  | { type: "progress" }
  | { type: "done"; stats: Record<string, { sum: Float64Array; sumSq: Float64Array; count: number }> }
  | { type: "error"; message: string };

const DATA_FILES = ["wav.scp", "text", "utt2spk", "spk2utt", "spk2gender"];

/**
 * Extracts features for every utterance of `dataDir` into `outDir` (Kaldi's make_mfcc.sh + compute_cmvn_stats.sh):
 * raw_<type>.<job>.ark, feats.scp, cmvn.ark/scp (per-speaker statistics), and the data dir's own files.
 */
export async function extractFeatures(
  dataDir: string,
  outDir: string,
  config: FeatureConfig,
  jobs: number,
  onProgress?: (done: number, total: number) => void,
): Promise<{ utterances: number; frames: number }> {
  const data = readDataDir(dataDir);
  const utterances = [...data.wavScp].map(([key, entry]) => ({
    key,
    wav: resolve(dataDir, wavPath(entry, join(dataDir, "wav.scp"))),
  }));
  Deno.mkdirSync(outDir, { recursive: true });
  const parts = Math.max(1, Math.min(jobs, utterances.length));
  const chunk = Math.ceil(utterances.length / parts);
  const work: ExtractJob[] = Array.from({ length: parts }, (_, j) => ({
    config,
    utterances: utterances.slice(j * chunk, (j + 1) * chunk),
    ark: resolve(outDir, `raw_${config.type}.${j + 1}.ark`),
    scp: resolve(outDir, `raw_${config.type}.${j + 1}.scp`),
  }));
  let done = 0;
  const stats = new Map<string, CmvnStats>();
  const url = new URL("./worker.ts", import.meta.url).href;
  await Promise.all(work.map((job) =>
    new Promise<void>((resolveJob, reject) => {
      const w = new Worker(url, { type: "module" });
      w.onerror = (e) => (e.preventDefault(), w.terminate(), reject(new Error(e.message)));
      w.onmessage = (e: MessageEvent<ExtractReply>) => {
        const msg = e.data;
        if (msg.type === "progress") onProgress?.(++done, utterances.length);
        else if (msg.type === "error") (w.terminate(), reject(new Error(msg.message)));
        else {
          for (const [key, s] of Object.entries(msg.stats)) {
            const c = new CmvnStats(s.sum.length);
            c.sum.set(s.sum), c.sumSq.set(s.sumSq), (c.count = s.count);
            stats.set(key, c);
          }
          w.terminate();
          resolveJob();
        }
      };
      w.postMessage(job);
    })
  ));
  const scpLines = work.flatMap((j) => readScp(j.scp)).sort((a, b) => compareKeys(a.key, b.key))
    .map((e) => `${e.key} ${e.file}:${e.offset}`);
  Deno.writeTextFileSync(join(outDir, "feats.scp"), scpLines.join("\n") + "\n");
  for (const j of work) Deno.removeSync(j.scp);
  const cmvn = new ArkWriter(join(outDir, "cmvn.ark"), "matrix", { scp: join(outDir, "cmvn.scp") });
  for (const [speaker, utts] of spk2utt(data.utt2spk)) {
    const s = new CmvnStats(stats.get(utts[0])!.dim);
    for (const u of utts) s.merge(stats.get(u)!);
    cmvn.write(speaker, s.toMatrix());
  }
  cmvn.close();
  for (const f of DATA_FILES) Deno.copyFileSync(join(dataDir, f), join(outDir, f));
  Deno.writeTextFileSync(join(outDir, "conf.json"), JSON.stringify(config, null, 2) + "\n");
  return { utterances: utterances.length, frames: [...stats.values()].reduce((n, s) => n + s.count, 0) };
}

/**
 * Features of a feature dir, per utterance, with per-speaker CMN (Kaldi's apply-cmvn --norm-vars=false) or none.
 * The dir is checked first (readDataDir: feats.scp and cmvn.scp agree with utt2spk and spk2utt), and every
 * utterance must have the same feature dimension.
 */
export function loadFeatures(dir: string, cmn: "speaker" | "none" = "speaker"): Map<string, FeatureMatrix> {
  const data = readDataDir(dir);
  const feats = new ScpReader(join(dir, "feats.scp"), "matrix", { sameDim: true });
  const out = new Map<string, FeatureMatrix>();
  if (cmn === "none") {
    for (const key of feats.entries.keys()) out.set(key, feats.get(key));
    return out;
  }
  const cmvn = new ScpReader(join(dir, "cmvn.scp"), "matrix", { sameDim: true });
  for (const key of feats.entries.keys()) {
    out.set(key, applyCmvn(feats.get(key), CmvnStats.fromMatrix(cmvn.get(data.utt2spk.get(key)!))));
  }
  return out;
}
