// MFCC and fbank against torchaudio.compliance.kaldi (an independent implementation of Kaldi's definitions).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { readAudio } from "../../src/corpus/audio.ts";
import { FBANK_DEFAULTS, FeatureExtractor, MFCC_DEFAULTS } from "../../src/features/mfcc.ts";

const fixture = (name: string) => new URL(`../fixtures/kaldi/${name}`, import.meta.url).pathname;
type Ref = Record<string, { rows: number; cols: number; data: number[] }>;

const extractors = {
  mfcc: new FeatureExtractor("mfcc", MFCC_DEFAULTS),
  mfcc_energy: new FeatureExtractor("mfcc", { ...MFCC_DEFAULTS, useEnergy: true }),
  mfcc_nosnip: new FeatureExtractor("mfcc", { ...MFCC_DEFAULTS, snipEdges: false }),
  fbank40: new FeatureExtractor("fbank", FBANK_DEFAULTS),
};

for (const clip of ["clip1", "clip2"]) {
  const samples = readAudio(fixture(`${clip}.wav`)).samples;
  const ref: Ref = JSON.parse(Deno.readTextFileSync(fixture(`${clip}.json`)));
  for (const [name, extractor] of Object.entries(extractors)) {
    test(`${clip} ${name} matches Kaldi's definition to 1e-3`, () => {
      const got = extractor.compute(samples);
      const want = ref[name];
      assert.equal([got.rows, got.cols], [want.rows, want.cols]);
      let worst = 0;
      for (let i = 0; i < want.data.length; i++) {
        worst = Math.max(worst, Math.abs(got.data[i] - want.data[i]));
      }
      assert.ok(worst <= 1e-3, `max abs difference ${worst}`);
    });
  }
}

test("frame counts follow snip-edges", () => {
  const e = extractors.mfcc;
  assert.equal([e.numFrames(399), e.numFrames(400), e.numFrames(559), e.numFrames(560)], [0, 1, 1, 2]);
  assert.equal([extractors.mfcc_nosnip.numFrames(400), extractors.mfcc_nosnip.numFrames(560)], [3, 4]);
});

test("dither is seeded: same key, same features; another key, others", () => {
  const e = new FeatureExtractor("mfcc", { ...MFCC_DEFAULTS, dither: 1, ditherSeed: 3 });
  const x = readAudio(fixture("clip1.wav")).samples;
  assert.equal(e.compute(x, "a").data, e.compute(x, "a").data);
  assert.not.equal(e.compute(x, "a").data, e.compute(x, "b").data);
});

test.run();
