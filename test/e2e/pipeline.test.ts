// End to end on a tiny generated corpus, in order: the tiny profile's ladder, alignments, initial DNN, i-vectors, two model chains; reruns reuse and resume.
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { loadFeatures } from "../../src/features/extract.ts";
import { compareDecodes } from "../../src/decode/compare.ts";
import { readArk } from "../../src/io/ark.ts";
import { readDataDir } from "../../src/io/datadir.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runModel,
  type SpeakerExperiment,
} from "../../src/pipeline/experiment.ts";
import { readIvectors, speakerIvectors } from "../../src/pipeline/ivector.ts";
import type { SpeakerStage } from "../../src/pipeline/speaker_dnn.ts";
import { tinyCorpus } from "./tiny_corpus.ts";

const e2e = suite("end to end, tiny corpus and profile");
const base = Deno.makeTempDirSync({ prefix: "phl-e2e-" });
const corpusDir = join(base, "corpus");
const args = (...more: string[]) =>
  parseExperimentArgs("test", [
    `--corpus=${corpusDir}`,
    "--profile=tiny",
    "--backend=wasm",
    "--nj=2",
    `--exp=${join(base, "exp")}`,
    `--data-root=${join(base, "data")}`,
    ...more,
  ]);

/**
 * Dev, test and extra error counts [ref, sub, del, ins] of every system on this corpus and profile (extra where the
 * stage decodes it); a change that moves one must say why. The GMM systems were recorded before the one-network
 * restructuring and did not move. The DNNs moved with the held-out CV speakers and the dev search that widens its
 * grid (the DNN's best acoustic scale is far beyond the grid's 0.2 here).
 */
const RECORDED: Record<string, { dev: number[]; test: number[]; extra?: number[] }> = {
  mono: { dev: [409, 110, 28, 19], test: [300, 67, 14, 23], extra: [329, 64, 35, 29] },
  tri1: { dev: [409, 127, 16, 21], test: [300, 50, 80, 31], extra: [329, 83, 19, 31] },
  tri2: { dev: [409, 103, 40, 14], test: [300, 67, 25, 19], extra: [329, 67, 39, 18] },
  tri3: { dev: [409, 75, 22, 19], test: [300, 46, 25, 18], extra: [329, 47, 18, 20] },
  dnn: { dev: [409, 122, 24, 35], test: [300, 75, 14, 22], extra: [329, 91, 20, 27] },
  baseline: { dev: [409, 116, 22, 31], test: [300, 73, 9, 25], extra: [329, 86, 24, 27] },
  "partitioned-8_2": { dev: [409, 108, 20, 32], test: [300, 61, 8, 20] },
  "partitioned-8_3": { dev: [409, 107, 14, 40], test: [300, 57, 10, 24], extra: [329, 70, 9, 29] },
  control_1: { dev: [409, 116, 22, 31], test: [300, 73, 9, 25], extra: [329, 86, 24, 27] },
  control_2: { dev: [409, 108, 20, 32], test: [300, 61, 8, 20] },
  control_3: { dev: [409, 106, 14, 39], test: [300, 61, 8, 23], extra: [329, 73, 9, 32] },
};
type Counts = { ref: number; sub: number; del: number; ins: number };
const asList = (c: Counts) => [c.ref, c.sub, c.del, c.ins];
/**
 * The GMM systems must give the recorded counts exactly. The DNNs' matrix products go through the system BLAS,
 * whose kernels (chosen per CPU model) round differently, so on another CPU a DNN system may be off by an error
 * or two: each of its counts must be within `DNN_TOLERANCE` of the recorded one.
 */
const DNN_TOLERANCE = 3;
function assertRecorded(name: string, r: { dev: Counts; test: Counts; extra?: Counts }, tolerance = 0) {
  const want = RECORDED[name];
  const got = { dev: asList(r.dev), test: asList(r.test), ...(r.extra ? { extra: asList(r.extra) } : {}) };
  if (tolerance === 0) return assert.equal(got, want, name);
  assert.equal(Object.keys(got), Object.keys(want), `${name}: the sets decoded`);
  for (const split of ["dev", "test", "extra"] as const) {
    got[split]?.forEach((n, i) =>
      assert.ok(
        Math.abs(n - want[split]![i]) <= tolerance,
        `${name} ${split}: ${got[split]} vs ${want[split]}`,
      )
    );
  }
}

/** Every stage folder's finish time: a rerun that reuses everything leaves them all as they were. */
function finishTimes(dir: string, out = new Map<string, string>()) {
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) finishTimes(path, out);
    else if (e.name === "stage.json") out.set(dir, JSON.parse(Deno.readTextFileSync(path)).finished);
  }
  return out;
}

let x: SpeakerExperiment;
let partitioned: SpeakerStage[];

e2e(
  "1. the ladder: every system trains, aligns every utterance and decodes with the recorded error counts",
  async () => {
    await tinyCorpus(corpusDir);
    x = await prepareSpeakerExperiment(args());
    for (const [name, stage] of Object.entries(x.ladder)) {
      assertRecorded(name, stage.summary);
      assert.equal(stage.summary.failedAlignments, [], name);
      assert.match(Deno.readTextFileSync(join(stage.dir, "RESULTS.md")), /^# deno task test /);
    }
    const ali = [...readArk(join(x.ladder.mono.dir, "ali.train.ark"), "ints")];
    assert.is(ali.length, 48);
    assert.ok(ali.every(([, a]) => a.every((s) => s >= 0 && s < 144)));
    const tri1 = JSON.parse(Deno.readTextFileSync(join(x.ladder.tri1.dir, "final.mdl.json")));
    assert.ok(tri1.tree.numLeaves > 48 && tri1.tree.numLeaves <= 150, `${tri1.tree.numLeaves} leaves`);
    const tri2 = JSON.parse(Deno.readTextFileSync(join(x.ladder.tri2.dir, "final.mdl.json")));
    assert.equal([tri2.transform.rows, tri2.transform.cols, tri2.am.dim], [40, 91, 40]);
    assert.match(
      Deno.readTextFileSync(join(x.ladder.tri2.dir, "log.txt")),
      /MLLT after iteration 2: objective per frame/,
    );
    const tri3 = x.ladder.tri3;
    assert.is(tri3.summary.firstEstimate!.test.ref, tri3.summary.test.ref);
    for (const [split, n] of Object.entries({ train: 6, dev: 1, test: 1, extra: 1 })) {
      const trans = [...readArk(join(tri3.dir, `trans.${split}.ark`), "matrix")];
      assert.is(trans.length, n, split);
      assert.ok(trans.every(([, w]) => w.rows === 40 && w.cols === 41 && w.data.every(Number.isFinite)));
    }
    const log = Deno.readTextFileSync(join(tri3.dir, "log.txt"));
    assert.match(log, /fMLLR after iteration 4: 6 speakers, objective improvement \d+\.\d+ per frame/);
    assert.match(log, /fMLLR test, pass 2 \(hypotheses aligned with tri3\): 1 speakers/);
    assert.match(log, /fMLLR extra, pass 2 \(hypotheses aligned with tri3\): 1 speakers/);
  },
);

e2e(
  "2. tri3's alignments for the DNN: senones per frame, priors, 40-dim fMLLR features with global CMVN",
  () => {
    const { dir, summary: r } = x.ali;
    assert.equal(r.failed, { train: [], dev: [] });
    const numPdfs = Number(Deno.readTextFileSync(join(dir, "num_pdfs")));
    assert.is(numPdfs, r.numPdfs);
    const counts = Deno.readTextFileSync(join(dir, "pdf_counts")).replace(/[[\]]/g, "").trim().split(/\s+/)
      .map(Number);
    assert.is(counts.length, numPdfs);
    assert.is(counts.reduce((a, b) => a + b, 0), r.frames.train);
    for (const split of ["train", "dev"] as const) {
      const fmllr = new Map(readArk(join(dir, "feats", split, "feats.ark"), "matrix"));
      const ali = [...readArk(join(dir, `ali.${split}.ark`), "ints")];
      assert.is(ali.length, fmllr.size);
      for (const [k, a] of ali) {
        assert.is(a.length, fmllr.get(k)!.rows, k);
        assert.ok(a.every((p) => p >= 0 && p < numPdfs));
      }
      assert.ok([...fmllr.values()].every((m) => m.cols === 40));
    }
    const [[key, global]] = [...readArk(join(dir, "cmvn_global.ark"), "matrix")];
    assert.equal([key, global.rows, global.cols, global.data[40]], ["global", 2, 41, r.frames.train]);
  },
);

e2e("3. the initial DNN: pretraining, newbob with checkpoints, hybrid decoding beside tri3", () => {
  const { dir, summary: r } = x.dnn;
  assertRecorded("dnn", r, DNN_TOLERANCE);
  assert.is(r.epochs.length, 2);
  assert.ok(r.epochs.every((e) => Number.isFinite(e.trainLoss) && e.framesPerSecond > 0));
  assert.ok(r.versusTri3.pValue >= 0 && r.versusTri3.pValue <= 1);
  assert.is(r.backend, "wasm");
  assert.is(JSON.parse(Deno.readTextFileSync(join(dir, "train", "state.json"))).epoch, 2);
  // newbob's CV holds out one of the six training speakers, all eight of its utterances
  assert.match(Deno.readTextFileSync(join(dir, "log.txt")), /train 40 utterances \(\d+ frames\), CV 8 \(/);
  // every decode folder holds sclite's trn files, which `deno task compare` reads
  const vsTri3 = compareDecodes(join(dir, "decode_extra"), join(x.ladder.tri3.dir, "decode_extra"));
  assert.equal([vsTri3.utterances, vsTri3.a.ref, vsTri3.b.ref], [8, 329, 329]);
  for (
    const f of ["final.params.ark", "pretrain/rbm1.params.ark", "pretrain/rbm2.params.ark", "RESULTS.md"]
  ) {
    assert.ok(Deno.statSync(join(dir, f)).isFile, f);
  }
});

e2e(
  "4. i-vectors on the fMLLR features: extraction from all frames reproduces the stored ones; fewer frames do not",
  () => {
    const dir = x.ivectors.dir, stored = readIvectors(dir, "test", "spk");
    assert.is(stored.values().next().value!.length, 4);
    const testDir = join(x.ali.dir, "feats", "test"), feats = loadFeatures(testDir, "none");
    const { utt2spk } = readDataDir(testDir), minPost = 0.025;
    const all = speakerIvectors(dir, feats, utt2spk, minPost);
    for (const [s, v] of stored) {
      v.forEach((e, i) => assert.ok(Math.abs(e - all.get(s)![i]) < 1e-4, `${s}[${i}]`));
    }
    const half = speakerIvectors(
      dir,
      feats,
      utt2spk,
      minPost,
      (k) => Uint8Array.from({ length: feats.get(k)!.rows }, (_, t) => t % 2),
    );
    assert.ok([...stored].some(([s, v]) => v.some((e, i) => Math.abs(e - half.get(s)![i]) > 1e-3)));
  },
);

e2e(
  "5. the Partitioned DNN's chain from the shared i-vector baseline, and the control, with the recorded counts",
  async () => {
    partitioned = await runModel(x, "partitioned");
    assert.equal(partitioned.map((s) => s.summary.stage), [1, 2, 3]);
    assert.is(partitioned[0].dir, join(x.speakerRoot, "baseline"));
    assert.is(partitioned[0].summary.model, "extended");
    assert.is(partitioned[2].summary.parent, partitioned[1].dir);
    for (const s of partitioned) {
      assertRecorded(s.dir.split("/").pop()!, s.summary, DNN_TOLERANCE);
      assert.equal([s.summary.steps.newOnly.length, s.summary.steps.all.length], [1, 1], s.dir);
    }
    const [p1, p2, p3] = partitioned.map((s) => s.summary.parameters);
    assert.ok(p3 > p2 && p2 > p1);
    assert.match(
      Deno.readTextFileSync(join(partitioned[1].dir, "log.txt")),
      /new: affine2\.speaker_weight, partition1/,
    );
    const control = await runModel(x, "control");
    for (const s of control) assertRecorded(s.dir.split("/").pop()!, s.summary, DNN_TOLERANCE);
    assert.equal(control.map((s) => [s.summary.steps.newOnly.length, s.summary.steps.all.length]), [[0, 1], [
      0,
      1,
    ], [0, 1]]);
    assert.is(control[0].summary.parameters, p1 - 4 * 32, "the baseline adds a 4 x 32 speaker weight");
    const memory = (s: SpeakerStage) => JSON.parse(Deno.readTextFileSync(join(s.dir, "stage.json"))).memory;
    const made = [...partitioned, ...control].map(memory);
    assert.equal(new Set(made.map((m) => m.tensors)).size, 1, "no tensor outlives its stage");
    assert.is(
      memory(control[2]).tfjsWasmHeapMB,
      memory(control[1]).tfjsWasmHeapMB,
      "a same-sized stage reuses the heap",
    );
  },
);

e2e(
  "6. a rerun trains nothing; a killed DNN and a killed speaker stage resume from their checkpoints",
  async () => {
    const before = finishTimes(join(base, "exp"));
    assert.is(
      before.size,
      17,
      "stages: features of 4 splits, 4 GMM systems, alignments, DNN, i-vectors, 6 speaker stages",
    );
    const again = await prepareSpeakerExperiment(args());
    await runModel(again, "partitioned");
    await runModel(again, "control");
    assert.equal(finishTimes(join(base, "exp")), before);

    const last = partitioned[2].dir;
    Deno.removeSync(join(last, "stage.json"));
    const chain = await runModel(again, "partitioned");
    assert.equal(
      [chain[2].summary.dev, chain[2].summary.test],
      [partitioned[2].summary.dev, partitioned[2].summary.test],
      "the resumed stage gives what it gave",
    );
    assert.is(Deno.readTextFileSync(join(last, "log.txt")).match(/resuming after epoch 1/g)?.length, 2);

    // the DNN after the speaker stage: its hand-cut resume changes the DNN, and with it the stages' grid
    const dnnDir = x.dnn.dir, statePath = join(dnnDir, "train", "state.json");
    const state = JSON.parse(Deno.readTextFileSync(statePath));
    Deno.removeSync(join(dnnDir, "stage.json"));
    Deno.writeTextFileSync(
      statePath,
      JSON.stringify({ ...state, epoch: 1, done: false, history: state.history.slice(0, 1) }),
    );
    const resumed = await prepareSpeakerExperiment(args());
    assert.match(Deno.readTextFileSync(join(dnnDir, "log.txt")), /resuming after epoch 1/);
    assert.is(resumed.dnn.summary.epochs.length, 2); // a hand-cut state: equal numbers after real kills are test:faults' part

    const dnnFinished = finishTimes(dnnDir);
    await prepareSpeakerExperiment(args("--speaker.speakerUnits=99"));
    assert.equal(finishTimes(dnnDir), dnnFinished, "a speaker-aware setting leaves the initial DNN as it is");
  },
);

e2e.after(() => Deno.removeSync(base, { recursive: true }));

e2e.run();
