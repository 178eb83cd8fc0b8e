// DNN frame sets: CMVN, minibatches spliced by the core's gather kernel against the reference, shuffling and the CV split.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { applyCmvn, CmvnStats } from "../../src/features/cmvn.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { spliceReference } from "../../src/features/splice.ts";
import { ArkWriter } from "../../src/io/ark.ts";
import { FrameSet, minibatches, splitHeldOut } from "../../src/nnet/data.ts";

const dir = Deno.makeTempDirSync({ prefix: "phl-data-" });
const dim = 3, lengths = [5, 1, 7, 4];
const utts = lengths.map((n, u) =>
  featureMatrix(n, dim, Float32Array.from({ length: n * dim }, (_, i) => Math.sin(u * 10 + i) * (u + 1)))
);
const keys = utts.map((_, u) => `utt${u}`);
const ark = new ArkWriter(join(dir, "feats.ark"), "matrix", { scp: join(dir, "feats.scp") });
utts.forEach((x, u) => ark.write(keys[u], x));
ark.close();
const cmvn = new CmvnStats(dim);
utts.forEach((x) => cmvn.add(x));
const targets = new Map(
  keys.map((k, u) => [k, Int32Array.from({ length: lengths[u] }, (_, t) => 100 * u + t)]),
);

test("each minibatch row is the reference splice of its CMVN'd frame within its utterance; every frame once", () => {
  const set = FrameSet.load(join(dir, "feats.scp"), keys, cmvn, targets);
  const context = 2, width = (2 * context + 1) * dim;
  const reference = utts.map((x) => spliceReference(applyCmvn(x, cmvn, true), context));
  const seen = new Set<number>();
  for (const b of minibatches(set, context, 4, 7, 1)) {
    assert.is(b.frames.length, 4, "full batches only when shuffling");
    b.frames.forEach((f, i) => {
      seen.add(f);
      const u = set.uttOf[f], t = f - set.offsets[u];
      assert.is(b.y![i], 100 * u + t);
      const row = [...b.x.subarray(i * width, (i + 1) * width)];
      const want = [...reference[u].data.subarray(t * width, (t + 1) * width)];
      row.forEach((v, j) => assert.ok(Math.abs(v - want[j]) < 1e-5, `frame ${f}[${j}]: ${v} vs ${want[j]}`));
    });
  }
  assert.is(seen.size, 16, "17 frames, batches of 4: 16 seen, the rest dropped");
  const ordered = [...minibatches(set, context, 4, null)].flatMap((b) => [...b.frames]);
  assert.equal(ordered, Array.from({ length: 17 }, (_, i) => i), "unshuffled: every frame in order");
  set.free();
});

test("speaker vectors follow each frame's utterance; a fractional epoch is a fresh subset of whole batches", () => {
  const set = FrameSet.load(join(dir, "feats.scp"), keys, cmvn, targets);
  set.attachSpeakers((key) => Float32Array.of(Number(key.slice(3)), -1));
  const batches = [...minibatches(set, 1, 4, 7, 1, 0.5)];
  assert.is(batches.length, 2, "half of 17 frames is 8.5: two batches of 4");
  for (const b of batches) {
    b.frames.forEach((f, i) => assert.equal([...b.s!.subarray(2 * i, 2 * i + 2)], [set.uttOf[f], -1]));
  }
  const other = [...minibatches(set, 1, 4, 7, 2, 0.5)].flatMap((b) => [...b.frames]);
  assert.not.equal(other, batches.flatMap((b) => [...b.frames]), "another epoch, another subset");
  assert.throws(
    () => set.attachSpeakers((key) => new Float32Array(key === "utt1" ? 3 : 2)),
    /'utt1': speaker vector of 3 dims, not 2/,
  );
  set.free();
});

test("a wrong alignment length names the utterance", () => {
  const bad = new Map(targets);
  bad.set("utt2", new Int32Array(3));
  assert.throws(
    () => FrameSet.load(join(dir, "feats.scp"), keys, cmvn, bad),
    /'utt2': alignment has 3 frames, features 7/,
  );
});

test("the CV split holds out a seeded share of the speakers with all their utterances", () => {
  const many = Array.from({ length: 200 }, (_, i) => `s${i % 40}_u${i}`),
    speakerOf = (k: string) => k.split("_")[0];
  const a = splitHeldOut(many, speakerOf, 0.1, 1), b = splitHeldOut(many, speakerOf, 0.1, 1);
  assert.equal(a, b);
  assert.not.equal(a.cv, splitHeldOut(many, speakerOf, 0.1, 2).cv);
  const cvSpeakers = new Set(a.cv.map(speakerOf));
  assert.is(cvSpeakers.size, 4);
  assert.is(a.cv.length, 20);
  assert.ok(a.train.every((k) => !cvSpeakers.has(speakerOf(k))));
  assert.is(new Set([...a.train, ...a.cv]).size, 200);
  assert.is(splitHeldOut(["x_1", "x_2"], speakerOf, 0.1, 1).cv.length, 2);
});

test.after(() => Deno.removeSync(dir, { recursive: true }));

test.run();
