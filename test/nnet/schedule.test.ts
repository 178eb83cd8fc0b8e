// Newbob's decisions on a hand-made sequence of CV losses, and CD-1 learning on data with a known structure.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/nnet/backend.ts";
import { RBM_KALDI, trainRbm } from "../../src/nnet/rbm.ts";
import { newbob } from "../../src/nnet/train.ts";

const c = { startHalvingImpr: 0.01, endHalvingImpr: 0.001, halvingFactor: 0.5 };

const run = (losses: number[]) => {
  let s = { cvLoss: 2.0, learnRate: 0.008, halving: false, anyAccepted: false };
  const seen: string[] = [];
  for (const cv of losses) {
    const d = newbob(s, cv, c);
    seen.push(`${d.accepted ? "A" : "R"} ${d.learnRate} ${d.halving ? "H" : "-"}${d.done ? " stop" : ""}`);
    s = d;
    if (d.done) break;
  }
  return seen;
};

test("newbob keeps the rate while CV improves by more than 1%, then halves every epoch, stops under 0.1%", () => {
  assert.equal(run([1.8, 1.7, 1.69, 1.687, 1.6869, 1.5]), [
    "A 0.008 -", // 10% better
    "A 0.008 -", // 5.6%
    "A 0.004 H", // 0.59% < 1%: halving starts
    "A 0.002 H", // 0.18%: halving goes on
    "A 0.002 H stop", // 0.006% < 0.1% while halving
  ]);
});

test("newbob rejects an epoch that makes CV worse: halving starts, or training stops if it had", () => {
  assert.equal(run([1.8, 1.85, 1.7]), ["A 0.008 -", "R 0.004 H", "A 0.002 H"]);
  assert.equal(run([1.8, 1.795, 1.81]), ["A 0.008 -", "A 0.004 H", "R 0.004 H stop"]);
});

test("newbob does not stop before an epoch is accepted: it halves on until one is", () => {
  assert.equal(run([2.1, 2.05, 2.01, 1.999]), [
    "R 0.004 H",
    "R 0.002 H", // Kaldi would stop here with the network as it was
    "R 0.001 H",
    "A 0.001 H stop", // accepted, then the usual rule: 0.05% < 0.1% while halving
  ]);
});

test("CD-1 learns binary patterns: the reconstruction error falls well below chance", async () => {
  await initBackend("cpu");
  const patterns = [[1, 1, 1, 0, 0, 0, 1, 0], [0, 0, 0, 1, 1, 1, 0, 1], [1, 0, 1, 0, 1, 0, 1, 0]];
  const batches = () =>
    (function* () {
      for (let i = 0; i < 150; i++) {
        yield tf.tensor2d(Array.from({ length: 12 }, (_, r) => patterns[(r + i) % 3]).flat(), [12, 8]);
      }
    })();
  const config = { ...RBM_KALDI, passes: 4, learnRate: 0.5, batchSize: 12 };
  const { layer, reconstruction } = await trainRbm(
    8,
    6,
    false,
    batches,
    new Float32Array(8),
    config,
    "test",
    () => {},
  );
  assert.ok(reconstruction[3] < 0.5 * reconstruction[0], `reconstruction error ${reconstruction}`);
  assert.ok(reconstruction[3] < 0.1, `reconstruction error ${reconstruction}`);
  tf.dispose([layer.w, layer.b]);
});

test.run();
