// GMM statistics, re-estimation and mixing up on data with a known answer.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AcousticModel, AmStats, mixUp, reestimate } from "../../src/gmm/am.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { Rng } from "../../src/util/rng.ts";

test("one Gaussian per pdf re-estimates to the sample mean and variance", () => {
  const rng = new Rng("am");
  const n = 4000,
    x = featureMatrix(
      n,
      2,
      Float32Array.from(
        { length: 2 * n },
        (_, i) => (i % 2 ? 3 + 0.5 * rng.normal() : -1 + 2 * rng.normal()),
      ),
    );
  const model = AcousticModel.flat(1, Float64Array.from([0, 0]), Float64Array.from([1, 1]));
  const stats = new AmStats(2, 1);
  for (let t = 0; t < n; t++) stats.add(model, x, t, 0);
  const { model: m } = reestimate(model, stats, {
    minGaussianOccupancy: 3,
    varFloor: Float64Array.from([1e-3, 1e-3]),
  });
  const mean = [0, 0], sq = [0, 0];
  for (let t = 0; t < n; t++) {
    for (let d = 0; d < 2; d++) (mean[d] += x.data[2 * t + d] / n), (sq[d] += x.data[2 * t + d] ** 2 / n);
  }
  assert.ok(Math.abs(m.means[0] - mean[0]) < 1e-9 && Math.abs(m.means[1] - mean[1]) < 1e-9);
  assert.ok(
    Math.abs(m.vars[0] - (sq[0] - mean[0] ** 2)) < 1e-6 &&
      Math.abs(m.vars[1] - (sq[1] - mean[1] ** 2)) < 1e-6,
  );
  assert.ok(Math.abs(m.means[1] - 3) < 0.05 && Math.abs(m.vars[1] - 0.25) < 0.02);
});

test("EM on two well-separated clusters after a split finds both", () => {
  const rng = new Rng("em");
  const n = 3000,
    x = featureMatrix(
      n,
      1,
      Float32Array.from({ length: n }, (_, t) => (t % 3 === 0 ? 5 : -5) + rng.normal()),
    );
  let model = AcousticModel.flat(1, Float64Array.from([0]), Float64Array.from([25]));
  model = mixUp(model, Float64Array.from([n]), 2, 1, new Rng("split"), 20, 0.2);
  assert.is(model.numGaussians, 2);
  let last = -Infinity;
  for (let iter = 0; iter < 30; iter++) {
    const stats = new AmStats(1, model.numGaussians);
    for (let t = 0; t < n; t++) stats.add(model, x, t, 0);
    // scores use float32 parameters, like the wasm kernel: near convergence they wobble by ~1e-6 relative
    assert.ok(
      stats.loglik >= last - 1e-5 * Math.abs(last),
      `EM log-likelihood fell at iteration ${iter}: ${last} -> ${stats.loglik}`,
    );
    last = stats.loglik;
    model = reestimate(model, stats, { minGaussianOccupancy: 3, varFloor: Float64Array.from([1e-3]) }).model;
  }
  const means = [...model.means].sort((a, b) => a - b), weights = [...model.weights].sort();
  assert.ok(Math.abs(means[0] + 5) < 0.1 && Math.abs(means[1] - 5) < 0.1, `means ${means}`);
  assert.ok(Math.abs(weights[0] - 1 / 3) < 0.02, `weights ${weights}`);
});

test("mixing up: targets follow occupancy^power, limited by the minimum count; pdfs without data keep theirs", () => {
  const model = AcousticModel.flat(3, Float64Array.from([0]), Float64Array.from([1]));
  const up = mixUp(model, Float64Array.from([10000, 100, 0]), 12, 0.5, new Rng("m"));
  const counts = [0, 1, 2].map((p) => up.offsets[p + 1] - up.offsets[p]);
  assert.equal(counts, [11, 1, 1]); // 12 * 100/110 -> 11; pdf 1: 12 * 10/110 -> 1 (and at most 100/20); pdf 2 unseen
  assert.ok(Math.abs(up.weights.slice(0, 11).reduce((a, b) => a + b, 0) - 1) < 1e-12);
});

test.run();
