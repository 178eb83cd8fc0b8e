// End to end on a tiny generated corpus: features, monophone training, alignment ark, decoding, RESULTS.md.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { generateCorpus } from "../../src/corpus/synth/generate.ts";
import { PRESETS } from "../../src/corpus/synth/voices.ts";
import { FEATURE_CONFIGS } from "../../src/features/extract.ts";
import { MONO_KALDI } from "../../src/gmm/mono.ts";
import { readArk } from "../../src/io/ark.ts";
import { prepareCorpus } from "../../src/pipeline/corpus.ts";
import { ensureFeatures } from "../../src/pipeline/features.ts";
import { runMono } from "../../src/pipeline/mono.ts";

const base = Deno.makeTempDirSync({ prefix: "phl-mono-" });

test("a small monophone system trains, aligns every utterance, decodes and reports PER", async () => {
  const corpusDir = join(base, "corpus");
  await generateCorpus({
    out: corpusDir,
    seed: 5,
    presetName: "clean",
    preset: PRESETS.clean,
    counts: { train: 6, dev: 1, test: 1 },
    jobs: 2,
  });
  const corpus = await prepareCorpus(corpusDir, join(base, "data"));
  const feats = await ensureFeatures(corpus.dataDirs, join(base, "mfcc"), FEATURE_CONFIGS.mfcc, 2);
  const config = { ...MONO_KALDI, numIters: 8, maxIterInc: 6, totGauss: 250, realignIters: [1, 2, 3, 5, 7] };
  const decode = { acousticScales: [0.1, 0.2], insertionPenalties: [0, -2], beam: 15 };
  const r = await runMono(feats, join(base, "mono"), "test", config, decode, 2);
  assert.ok(r.dev.ref > 0 && r.test.ref > 0);
  assert.ok(r.test.sub + r.test.del + r.test.ins < r.test.ref, `test PER ${r.test}`);
  assert.equal(r.failedAlignments, []);
  const ali = [...readArk(join(r.dir, "ali.train.ark"), "ints")];
  assert.is(ali.length, 48 - r.failedAlignments.length);
  assert.ok(ali.every(([, a]) => a.every((s) => s >= 0 && s < 144)));
  const results = Deno.readTextFileSync(join(r.dir, "RESULTS.md"));
  assert.match(results, /^# test\n/);
  for (const u of r.failedAlignments) assert.match(results, new RegExp(u));
  assert.match(results, /test: %PER \d+\.\d\d \[ \d+ \/ \d+, \d+ ins, \d+ del, \d+ sub \]/);
  const again = await runMono(feats, join(base, "mono"), "test", config, decode, 2);
  assert.equal(again.test, r.test, "a rerun reuses the stage");
});

test.after(() => Deno.removeSync(base, { recursive: true }));

test.run();
