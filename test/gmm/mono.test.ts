// End to end on a tiny generated corpus: features, monophone and triphone training, alignments, decoding, RESULTS.md.
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
import { runMono, runTri1, runTri2, runTri3 } from "../../src/pipeline/gmm.ts";
import { TRI2_KALDI } from "../../src/gmm/lda_mllt.ts";
import { TRI1_KALDI } from "../../src/gmm/tri.ts";
import { TRI3_KALDI } from "../../src/gmm/sat.ts";
import { runSatAlignments } from "../../src/pipeline/alignments.ts";
import { runDnn } from "../../src/pipeline/dnn.ts";
import { DNN_PROFILES } from "../../src/nnet/config.ts";
import { IVECTOR_FMLLR, readIvectors, runIvectors, speakerIvectors } from "../../src/pipeline/ivector.ts";
import { loadFeatures } from "../../src/features/extract.ts";
import { readDataDir } from "../../src/io/datadir.ts";
import { gridAround, runContinued, runProgressive } from "../../src/pipeline/speaker_dnn.ts";

const base = Deno.makeTempDirSync({ prefix: "phl-mono-" });
const decode = { acousticScales: [0.1, 0.2], insertionPenalties: [0, -2], beam: 15 };
/** A small triphone system for the tiny corpus: the tri1, tri2 and tri3 tests share it. */
const SMALL_TREE = {
  numLeaves: 150,
  totGauss: 400,
  numIters: 6,
  maxIterInc: 4,
  realignIters: [3, 5],
  minLeafCount: 40,
};
let feats: Awaited<ReturnType<typeof ensureFeatures>>;

/** Dev and test error counts [ref, sub, del, ins] of every system, recorded before the structure change. */
const RECORDED: Record<string, { dev: number[]; test: number[] }> = {
  mono: { dev: [409, 110, 28, 19], test: [300, 67, 14, 23] },
  tri1: { dev: [409, 127, 16, 21], test: [300, 50, 80, 31] },
  tri2: { dev: [409, 103, 40, 14], test: [300, 67, 25, 19] },
  tri3: { dev: [409, 75, 22, 19], test: [300, 46, 25, 18] },
  dnn: { dev: [409, 185, 9, 77], test: [300, 127, 14, 69] },
  baseline: { dev: [409, 17, 321, 1], test: [300, 42, 150, 3] },
  "partitioned-8_2": { dev: [409, 51, 210, 2], test: [300, 41, 123, 4] },
  "partitioned-8_3": { dev: [409, 57, 194, 3], test: [300, 45, 105, 6] },
  continued_1: { dev: [409, 17, 321, 1], test: [300, 42, 150, 3] },
  continued_2: { dev: [409, 51, 210, 2], test: [300, 44, 124, 5] },
  continued_3: { dev: [409, 57, 195, 3], test: [300, 46, 99, 6] },
};
type Counts = { ref: number; sub: number; del: number; ins: number };
const asList = (c: Counts) => [c.ref, c.sub, c.del, c.ins];
function assertRecorded(name: string, r: { dev: Counts; test: Counts }) {
  assert.equal({ dev: asList(r.dev), test: asList(r.test) }, RECORDED[name], name);
}

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
  feats = await ensureFeatures(corpus.dataDirs, join(base, "mfcc"), FEATURE_CONFIGS.mfcc, 2);
  const config = { ...MONO_KALDI, numIters: 8, maxIterInc: 6, totGauss: 250, realignIters: [1, 2, 3, 5, 7] };
  const r = await runMono(feats, join(base, "mono"), "test", config, decode, 2);
  assertRecorded("mono", r);
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

test("triphones from the monophone alignments: a tree, training, and a triphone-loop decode", async () => {
  const config = {
    ...TRI1_KALDI,
    ...SMALL_TREE,
  };
  const r = await runTri1(feats, join(base, "mono"), join(base, "tri1"), "test tri1", config, decode, 2);
  assertRecorded("tri1", r);
  const model = JSON.parse(Deno.readTextFileSync(join(r.dir, "final.mdl.json")));
  assert.ok(model.tree.numLeaves > 48 && model.tree.numLeaves <= 150, `${model.tree.numLeaves} leaves`);
  assert.equal(r.failedAlignments, []);
  assert.ok(r.test.ref > 0 && r.test.sub + r.test.del + r.test.ins < r.test.ref);
  assert.match(Deno.readTextFileSync(join(r.dir, "RESULTS.md")), /^# test tri1\n/);
});

test("LDA+MLLT triphones from the tri1 alignments: a 40 x 91 transform, training, decoding", async () => {
  const config = {
    ...TRI2_KALDI,
    ...SMALL_TREE,
    mlltIters: [2, 4],
  };
  const r = await runTri2(feats, join(base, "tri1"), join(base, "tri2"), "test tri2", config, decode, 2);
  assertRecorded("tri2", r);
  const model = JSON.parse(Deno.readTextFileSync(join(r.dir, "final.mdl.json")));
  assert.equal([model.transform.rows, model.transform.cols, model.am.dim], [40, 91, 40]);
  assert.equal(r.failedAlignments, []);
  assert.ok(r.test.ref > 0 && r.test.sub + r.test.del + r.test.ins < r.test.ref);
  assert.match(Deno.readTextFileSync(join(r.dir, "log.txt")), /MLLT after iteration 2: objective per frame/);
});

test("speaker-adaptive training from tri2: transforms per speaker of every split, two-pass decoding", async () => {
  const config = {
    ...TRI3_KALDI,
    ...SMALL_TREE,
    fmllrIters: [2, 4],
  };
  const r = await runTri3(feats, join(base, "tri2"), join(base, "tri3"), "test tri3", config, decode, 2);
  assertRecorded("tri3", r);
  assert.equal(r.failedAlignments, []);
  assert.ok(r.firstEstimate && r.test.ref === r.firstEstimate.test.ref);
  assert.ok(r.test.ref > 0 && r.test.sub + r.test.del + r.test.ins < r.test.ref);
  const speakers = { train: 6, dev: 1, test: 1 };
  for (const [split, n] of Object.entries(speakers)) {
    const trans = [...readArk(join(r.dir, `trans.${split}.ark`), "matrix")];
    assert.is(trans.length, n, split);
    assert.ok(trans.every(([, w]) => w.rows === 40 && w.cols === 41 && w.data.every(Number.isFinite)));
  }
  const log = Deno.readTextFileSync(join(r.dir, "log.txt"));
  assert.match(log, /fMLLR after iteration 4: 6 speakers, objective improvement \d+\.\d+ per frame/);
  assert.match(log, /fMLLR test, pass 2 \(hypotheses aligned with tri3\): 1 speakers/);
});

test("tri3 alignments for the DNN: senones per frame, priors, 40-dim fMLLR features with global CMVN", async () => {
  const r = await runSatAlignments(feats, join(base, "tri3"), join(base, "tri3_ali"), 2);
  assert.equal(r.failed, { train: [], dev: [] });
  const numPdfs = Number(Deno.readTextFileSync(join(r.dir, "num_pdfs")));
  assert.is(numPdfs, r.numPdfs);
  const counts = Deno.readTextFileSync(join(r.dir, "pdf_counts")).replace(/[[\]]/g, "").trim().split(/\s+/)
    .map(Number);
  assert.is(counts.length, numPdfs);
  assert.is(counts.reduce((a, b) => a + b, 0), r.frames.train);
  for (const split of ["train", "dev"] as const) {
    const fmllr = new Map(readArk(join(r.dir, "feats", split, "feats.ark"), "matrix"));
    const ali = [...readArk(join(r.dir, `ali.${split}.ark`), "ints")];
    assert.is(ali.length, fmllr.size);
    for (const [k, a] of ali) {
      assert.is(a.length, fmllr.get(k)!.rows, k);
      assert.ok(a.every((p) => p >= 0 && p < numPdfs));
    }
    assert.ok([...fmllr.values()].every((x) => x.cols === 40));
  }
  const [[key, global]] = [...readArk(join(r.dir, "cmvn_global.ark"), "matrix")];
  assert.equal([key, global.rows, global.cols, global.data[40]], ["global", 2, 41, r.frames.train]);
  assert.ok(Deno.statSync(join(r.dir, "feats", "test", "feats.scp")).isFile);
});

test("the initial DNN: pretraining, newbob with checkpoints, hybrid decoding beside tri3; a rerun resumes", async () => {
  const config = { ...DNN_PROFILES.tiny, maxEpochs: 2 };
  const dir = join(base, "dnn");
  const dnn = (c: typeof config) =>
    runDnn(join(base, "tri3_ali"), join(base, "tri3"), dir, "test dnn", c, "wasm", decode, 2);
  const r = await dnn(config);
  assertRecorded("dnn", r);
  assert.ok(r.epochs.length >= 1 && r.epochs.length <= 2);
  assert.ok(r.epochs.every((e) => Number.isFinite(e.trainLoss) && e.framesPerSecond > 0));
  assert.ok(
    r.test.ref > 0 && r.test.sub + r.test.del + r.test.ins < r.test.ref,
    `test PER ${JSON.stringify(r.test)}`,
  );
  assert.ok(r.versusTri3 && r.versusTri3.pValue >= 0 && r.versusTri3.pValue <= 1);
  assert.is(r.backend, "wasm");
  const state = JSON.parse(Deno.readTextFileSync(join(dir, "train", "state.json")));
  assert.is(state.epoch, r.epochs.length);
  for (
    const f of ["final.params.ark", "pretrain/rbm1.params.ark", "pretrain/rbm2.params.ark", "RESULTS.md"]
  ) {
    assert.ok(Deno.statSync(join(dir, f)).isFile, f);
  }
  // a run killed after its first epoch resumes there
  Deno.removeSync(join(dir, "stage.json"));
  const s1 = { ...state, epoch: 1, done: false, history: state.history.slice(0, 1) };
  Deno.writeTextFileSync(join(dir, "train", "state.json"), JSON.stringify(s1));
  const again = await dnn(config);
  assert.match(Deno.readTextFileSync(join(dir, "log.txt")), /resuming after epoch 1/);
  assert.ok(again.epochs.length >= 1);
  // a speaker-aware setting is not the initial DNN's: the stage is reused
  const made = Deno.statSync(join(dir, "stage.json")).mtime;
  const speaker = { ...config.speaker, speakerUnits: 99 };
  await dnn({ ...config, speaker });
  assert.equal(Deno.statSync(join(dir, "stage.json")).mtime, made);
});

test("speaker-aware DNNs: i-vectors on fMLLR features, warm start, progressive stages decoded; a rerun reuses them", async () => {
  const config = { ...DNN_PROFILES.tiny, maxEpochs: 2 };
  const ali = join(base, "tri3_ali");
  const ivectors = await runIvectors(
    { train: join(ali, "feats", "train"), dev: join(ali, "feats", "dev"), test: join(ali, "feats", "test") },
    join(base, "ivector_fmllr"),
    { ...IVECTOR_FMLLR, ubm: { ...IVECTOR_FMLLR.ubm, gaussians: 8 }, ivectorDim: 4, iterations: 2 },
  );
  const stored = readIvectors(ivectors, "test", "spk");
  assert.is(stored.values().next().value!.length, 4);
  const testDir = join(ali, "feats", "test"), feats = loadFeatures(testDir, "none");
  const allFrames = speakerIvectors(ivectors, feats, readDataDir(testDir).utt2spk, IVECTOR_FMLLR.minPost);
  for (const [s, v] of stored) {
    v.forEach((x, i) => assert.ok(Math.abs(x - allFrames.get(s)![i]) < 1e-4, `${s}[${i}]`));
  }
  const fewer = speakerIvectors(
    ivectors,
    feats,
    readDataDir(testDir).utt2spk,
    IVECTOR_FMLLR.minPost,
    (k) => Uint8Array.from({ length: feats.get(k)!.rows }, (_, t) => t % 2),
  );
  assert.ok(
    [...stored].some(([s, v]) => v.some((x, i) => Math.abs(x - fewer.get(s)![i]) > 1e-3)),
    "half the frames, other i-vectors",
  );
  const inputs = {
    aliDir: ali,
    ivectorDir: ivectors,
    config,
    backend: "wasm" as const,
    decode: gridAround(0.2, 0, 1, decode),
    command: "test speaker",
    jobs: 2,
  };
  const root = join(base, "speaker");
  const stages = await runProgressive("partitioned", 8, join(base, "dnn"), root, inputs);
  stages.forEach((s) => assertRecorded(s.dir.split("/").pop()!, s));
  assert.equal(stages.map((s) => s.arch.speakerLayers), [1, 2, 3]);
  assert.is(stages[0].dir, join(root, "baseline"));
  assert.is(stages[0].arch.model, "extended");
  assert.is(stages[2].parent, stages[1].dir);
  for (const s of stages) {
    assert.ok(s.test.ref > 0 && s.steps.newOnly.length === 1 && s.steps.all.length === 1, s.dir);
    assert.ok(Deno.statSync(join(s.dir, "decode_test", "hyp.txt")).isFile);
  }
  assert.ok(stages[2].parameters > stages[1].parameters && stages[1].parameters > stages[0].parameters);
  assert.match(
    Deno.readTextFileSync(join(stages[1].dir, "log.txt")),
    /new: affine2\.speaker_weight, partition1/,
  );
  // the extended family shares the baseline, and a rerun of the partitioned one trains nothing
  const log = Deno.statSync(join(stages[2].dir, "log.txt")).mtime;
  const rerun = await runProgressive("partitioned", 8, join(base, "dnn"), root, inputs);
  assert.equal(rerun.map((s) => s.test), stages.map((s) => s.test));
  assert.equal(Deno.statSync(join(stages[2].dir, "log.txt")).mtime, log);
  // a stage killed before it finished resumes from its two steps' checkpoints
  Deno.removeSync(join(stages[2].dir, "stage.json"));
  const resumed = await runProgressive("partitioned", 8, join(base, "dnn"), root, inputs);
  assert.equal(resumed[2].test, stages[2].test);
  assert.is(
    Deno.readTextFileSync(join(stages[2].dir, "log.txt")).match(/resuming after epoch 1/g)?.length,
    2,
  );
  // the control trains on without speaker input: no step 1, the same step 2
  const control = await runContinued(join(base, "dnn"), root, inputs);
  control.forEach((s) => assertRecorded(s.dir.split("/").pop()!, s));
  assert.equal(control.map((s) => [s.arch.speakerLayers, s.steps.newOnly.length, s.steps.all.length]), [
    [0, 0, 1],
    [0, 0, 1],
    [0, 0, 1],
  ]);
  assert.is(control[0].parameters, stages[0].parameters - 4 * 32);
});

test.after(() => Deno.removeSync(base, { recursive: true }));

test.run();
