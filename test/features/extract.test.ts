// Feature extraction for a data dir: parallel archives, sorted feats.scp, per-speaker CMN, stage reuse.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { readAudio } from "../../src/corpus/audio.ts";
import { openTimit, standardSplits } from "../../src/corpus/timit.ts";
import { extractFeatures, FEATURE_CONFIGS, loadFeatures } from "../../src/features/extract.ts";
import { FeatureExtractor, MFCC_DEFAULTS } from "../../src/features/mfcc.ts";
import { dataDirOf, readDataDir, wavPath, writeDataDir } from "../../src/io/datadir.ts";
import { makeCorpus } from "../corpus/fixture.ts";

const root = makeCorpus(
  ["FCJF0", "MDAB0", "FDAW0"].flatMap((speaker, s) =>
    ["SI1", "SX2", "SX3"].map((sentence, k) => ({
      set: "TRAIN" as const,
      dr: 1,
      speaker,
      sentence,
      samples: 4000 + 800 * s + 160 * k,
    }))
  ),
);
const data = join(root, "data"), out = join(root, "feats");

test("two workers write archives whose features equal a direct computation; feats.scp is sorted", async () => {
  const utts = standardSplits(openTimit(root)).train;
  await writeDataDir(data, dataDirOf(utts));
  const { utterances, frames } = await extractFeatures(data, out, FEATURE_CONFIGS.mfcc, 2);
  assert.is(utterances, 9);
  const keys = Deno.readTextFileSync(join(out, "feats.scp")).trim().split("\n").map((l) => l.split(" ")[0]);
  assert.equal(keys, [...keys].sort());
  const raw = loadFeatures(out, "none");
  const direct = new FeatureExtractor("mfcc", MFCC_DEFAULTS);
  let total = 0;
  for (const u of utts) {
    const want = direct.compute(readAudio(u.wav).samples);
    assert.equal(raw.get(u.id), want);
    total += want.rows;
  }
  assert.is(frames, total);
  assert.equal(readDataDir(out).utt2spk, readDataDir(data).utt2spk);
});

test("per-speaker CMN: every speaker's normalized features have zero mean", () => {
  const feats = loadFeatures(out, "speaker");
  const { utt2spk } = readDataDir(out);
  const sums = new Map<string, { n: number; s: Float64Array }>();
  for (const [key, m] of feats) {
    const e = sums.get(utt2spk.get(key)!) ?? { n: 0, s: new Float64Array(m.cols) };
    for (let t = 0; t < m.rows; t++) for (let d = 0; d < m.cols; d++) e.s[d] += m.data[t * m.cols + d];
    e.n += m.rows;
    sums.set(utt2spk.get(key)!, e);
  }
  assert.is(sums.size, 3);
  for (const { n, s } of sums.values()) {
    assert.ok(
      s.every((v) => Math.abs(v / n) < 1e-3),
      `${[...s].map((v) => v / n)}`,
    );
  }
});

test("wav.scp entries: plain paths and Kaldi's sph2pipe form", () => {
  assert.is(wavPath("/c/TRAIN/DR1/FCJF0/SA1.WAV", "x"), "/c/TRAIN/DR1/FCJF0/SA1.WAV");
  assert.is(wavPath("/k/sph2pipe -f wav /c/SA1.WAV |", "x"), "/c/SA1.WAV");
  assert.throws(() => wavPath("sox in.flac -t wav - |", "data/wav.scp"), /data\/wav.scp: .* is a command/);
});

test.after(() => Deno.removeSync(root, { recursive: true }));

test.run();
