// CMVN statistics and deltas against hand-checked values.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyCmvn, CmvnStats } from "../../src/features/cmvn.ts";
import { addDeltas, deltaFilters } from "../../src/features/deltas.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";

const m = (rows: number, cols: number, values: number[]) =>
  featureMatrix(rows, cols, Float32Array.from(values));

test("CMVN statistics in Kaldi's layout; mean and variance normalization", () => {
  const x = m(4, 2, [1, 10, 3, 10, 5, 20, 7, 20]);
  const s = new CmvnStats(2).add(x);
  assert.equal([...s.toMatrix().data], [16, 60, 4, 84, 1000, 0]);
  assert.equal(CmvnStats.fromMatrix(s.toMatrix()), s);
  assert.equal([...applyCmvn(x, s).data], [-3, -5, -1, -5, 1, 5, 3, 5]);
  const v = applyCmvn(x, s, true).data; // std of column 0 is sqrt(5), of column 1 is 5
  assert.ok(Math.abs(v[0] + 3 / Math.sqrt(5)) < 1e-6 && Math.abs(v[1] + 1) < 1e-6);
  const halves = new CmvnStats(2).add(m(2, 2, [1, 10, 3, 10])).merge(
    new CmvnStats(2).add(m(2, 2, [5, 20, 7, 20])),
  );
  assert.equal(halves, s);
});

test("delta filters are Kaldi's: [-2..2]/10 and its self-convolution /100", () => {
  const [f0, f1, f2] = deltaFilters(2, 2);
  assert.equal([...f0], [1]);
  assert.equal([...f1], [-0.2, -0.1, 0, 0.1, 0.2]);
  assert.equal([...f2].map((v) => Math.round(v * 100)), [4, 4, 1, -4, -10, -4, 1, 4, 4]);
});

test("deltas of a ramp: 1 inside, delta-deltas 0 inside, edges repeated", () => {
  const x = m(10, 1, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const d = addDeltas(x);
  assert.is(d.cols, 3);
  for (let t = 4; t < 6; t++) {
    assert.ok(Math.abs(d.data[t * 3 + 1] - 1) < 1e-6 && Math.abs(d.data[t * 3 + 2]) < 1e-6);
  }
  assert.ok(Math.abs(d.data[1] - 0.5) < 1e-6, "frame 0: (1*1 + 2*2 - 1*0 - 2*0)/10 = 0.5");
});

test.run();
