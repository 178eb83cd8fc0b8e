// Newbob training on a tiny frame set: a diverging epoch is stopped, rejected and rolled back; a normal run learns.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { CmvnStats } from "../../src/features/cmvn.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { ArkWriter } from "../../src/io/ark.ts";
import { initBackend } from "../../src/nnet/backend.ts";
import { FrameSet } from "../../src/nnet/data.ts";
import { acousticSpec, Network } from "../../src/nnet/network.ts";
import { Rng } from "../../src/util/rng.ts";
import { trainNewbob } from "../../src/nnet/train.ts";

const dir = Deno.makeTempDirSync({ prefix: "phl-train-" });
const dim = 4, classes = 3;
// frames of class c sit around a class mean: learnable from one frame
const utts = Array.from({ length: 12 }, (_, u) => {
  const labels = Int32Array.from({ length: 40 }, (_, t) => (u + Math.floor(t / 5)) % classes);
  const x = featureMatrix(
    40,
    dim,
    Float32Array.from({ length: 40 * dim }, (_, i) => {
      const t = Math.floor(i / dim), d = i % dim;
      return (d === labels[t] ? 2 : 0) + 0.3 * Math.sin(7 * i + u);
    }),
  );
  return { key: `u${u}`, x, labels };
});
const ark = new ArkWriter(join(dir, "feats.ark"), "matrix", { scp: join(dir, "feats.scp") });
const cmvn = new CmvnStats(dim);
for (const u of utts) ark.write(u.key, u.x), cmvn.add(u.x);
ark.close();
const targets = new Map(utts.map((u) => [u.key, u.labels]));
const load = (keys: string[]) => FrameSet.load(join(dir, "feats.scp"), keys, cmvn, targets);
const config = {
  learnRate: 0.01,
  batchSize: 16,
  startHalvingImpr: 0.01,
  endHalvingImpr: 0.001,
  halvingFactor: 0.5,
  maxEpochs: 6,
  epochFraction: 1,
  context: 1,
  seed: 3,
};

test("a run learns the classes and keeps its state after every epoch", async () => {
  await initBackend("wasm");
  const data = {
    train: load(utts.slice(0, 10).map((u) => u.key)),
    cv: load(utts.slice(10).map((u) => u.key)),
  };
  const net = Network.create(acousticSpec([3 * dim, 16, classes]), new Rng("train test", "mlp init"));
  const { epochs: history } = await trainNewbob(net, data, config, join(dir, "ok"), () => {});
  assert.ok(history.length >= 2);
  assert.ok(history[history.length - 1].cvAccuracy > 0.9, `CV accuracy ${history.map((h) => h.cvAccuracy)}`);
  const state = JSON.parse(Deno.readTextFileSync(join(dir, "ok", "state.json")));
  assert.is(state.epoch, history.length);
  net.dispose();
});

test("a kill after an accepted model is saved but before state.json names it resumes from the named model", async () => {
  await initBackend("wasm");
  const data = {
    train: load(utts.slice(0, 10).map((u) => u.key)),
    cv: load(utts.slice(10).map((u) => u.key)),
  };
  const fresh = () => Network.create(acousticSpec([3 * dim, 16, classes]), new Rng("train test", "mlp init"));
  const short = { ...config, maxEpochs: 2 };
  const whole = fresh(), cut = fresh();
  const a = await trainNewbob(whole, data, short, join(dir, "whole"), () => {});
  await trainNewbob(cut, data, { ...short, maxEpochs: 1 }, join(dir, "cut"), () => {});
  const state = JSON.parse(Deno.readTextFileSync(join(dir, "cut", "state.json")));
  assert.is(state.model, "epoch1.params.ark");
  // what the kill left: epoch 2's model written under its name, the state still at epoch 1
  Deno.copyFileSync(join(dir, "whole", "epoch2.params.ark"), join(dir, "cut", "epoch2.params.ark"));
  const lines: string[] = [];
  const b = await trainNewbob(cut, data, short, join(dir, "cut"), (l) => lines.push(l));
  assert.match(lines[0], /resuming after epoch 1/);
  assert.equal(b.epochs.map((e) => e.cvLoss), a.epochs.map((e) => e.cvLoss));
  assert.equal([...Deno.readDirSync(join(dir, "cut"))].map((e) => e.name).sort(), [
    "epoch2.params.ark",
    "state.json",
  ]);
  whole.dispose(), cut.dispose();
});

test("a non-finite loss stops the epoch, rejects it and restores the last good weights", async () => {
  const data = {
    train: load(utts.slice(0, 10).map((u) => u.key)),
    cv: load(utts.slice(10).map((u) => u.key)),
  };
  const net = Network.create(acousticSpec([3 * dim, 16, classes]), new Rng("train test", "mlp init"));
  const before = await Promise.all(net.namedParameters().map(async ([, p]) => [...await p.data()]));
  const lines: string[] = [];
  const { epochs: history } = await trainNewbob(
    net,
    data,
    { ...config, learnRate: 1e30, maxEpochs: 1 },
    join(dir, "nan"),
    (l) => lines.push(l),
  );
  assert.is(history[0].diverged, true);
  assert.is(history[0].accepted, false);
  assert.ok(
    lines.some((l) => /non-finite; the epoch is stopped and the last good weights restored/.test(l)),
    lines.join("\n"),
  );
  const after = await Promise.all(net.namedParameters().map(async ([, p]) => [...await p.data()]));
  assert.equal(after, before);
  net.dispose();
});

test.after(() => Deno.removeSync(dir, { recursive: true }));

test.run();
