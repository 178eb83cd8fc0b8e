// i-vectors: Baum-Welch kernel against its reference, UBM EM, extractor EM, and recovery of known speaker factors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { emIteration, extractIvector, initExtractor } from "../../src/ivector/extractor.ts";
import { type BwStats, bwStatsReference, StatsKernel } from "../../src/ivector/stats.ts";
import { equalErrorRate, identificationAccuracy } from "../../src/ivector/evaluate.ts";
import { trainUbm, ubmGaussians } from "../../src/ivector/ubm.ts";
import { fromRows, inverse, matmul, transpose } from "../../src/linalg/matrix.ts";
import { Rng } from "../../src/util/rng.ts";
import { ArkWriter } from "../../src/io/ark.ts";
import { readIvectors } from "../../src/pipeline/ivector.ts";
import { join } from "node:path";

const rng = new Rng("ivector tests");

test("Baum-Welch statistics: SIMD and scalar kernels equal the reference", () => {
  const count = 16, dim = 13;
  const ubm = ubmGaussians(
    Float64Array.from({ length: count }, () => 1 / count),
    Float64Array.from({ length: count * dim }, () => rng.normal()),
    Float64Array.from({ length: count * dim }, () => 0.5 + rng.next()),
  );
  const x = featureMatrix(50, dim, Float32Array.from({ length: 50 * dim }, () => rng.normal()));
  for (const minPost of [0, 0.025]) {
    const ref = bwStatsReference(ubm, x, minPost, true);
    for (const variant of ["simd", "scalar"] as const) {
      const k = new StatsKernel(ubm, variant);
      const got = k.stats(x, minPost, true);
      k.free();
      const close = (a: Float64Array, b: Float64Array) =>
        a.every((v, i) => Math.abs(v - b[i]) <= 1e-4 * (1 + Math.abs(b[i])));
      assert.ok(
        close(got.n, ref.n) && close(got.f, ref.f) && close(got.s!, ref.s!),
        `${variant} minPost ${minPost}`,
      );
      assert.ok(Math.abs(got.loglik - ref.loglik) < 1e-3 * Math.abs(ref.loglik));
      assert.ok(Math.abs(got.n.reduce((a, b) => a + b, 0) - 50) < 1e-3, "posteriors sum to one per frame");
    }
  }
});

test("UBM: EM log-likelihood never decreases at a fixed size, and the split model finds the clusters", () => {
  const centers = [[-4, 1], [4, -1]];
  const x = featureMatrix(
    3000,
    2,
    Float32Array.from({ length: 6000 }, (_, i) => centers[(i >> 1) % 2][i % 2] + 0.7 * rng.normal()),
  );
  const { ubm, history } = trainUbm([x], {
    gaussians: 2,
    itersPerSplit: 8,
    finalIters: 4,
    varFloorFraction: 0.01,
    seed: 2,
  });
  for (let i = 1; i < history.length; i++) {
    assert.ok(history[i] >= history[i - 1] - 1e-4, `iteration ${i}: ${history[i - 1]} -> ${history[i]}`);
  }
  const found = Array.from({ length: 2 }, (_, c) => [ubm.means[2 * c], ubm.means[2 * c + 1]]);
  for (const [cx, cy] of centers) {
    assert.ok(
      found.some(([a, b]) => Math.hypot(a - cx, b - cy) < 0.1),
      `no Gaussian near (${cx}, ${cy}): ${JSON.stringify(found)}`,
    );
  }
  for (let k = 0; k < 4; k++) assert.ok(Math.abs(ubm.vars[k] - 0.49) < 0.05, `variance ${ubm.vars[k]}`);
});

test("extractor: EM auxiliary never decreases, and i-vectors recover known speaker factors up to a linear map", () => {
  const count = 8, dim = 4, rank = 3, speakers = 60;
  const ubm = ubmGaussians(
    new Float64Array(count).fill(1 / count),
    Float64Array.from({ length: count * dim }, () => 4 * rng.normal()),
    new Float64Array(count * dim).fill(1),
  );
  const tTrue = Float64Array.from({ length: count * dim * rank }, () => rng.normal());
  const factors: number[][] = [], segments: BwStats[] = [];
  const kernel = new StatsKernel(ubm);
  for (let s = 0; s < speakers; s++) {
    const y = Array.from({ length: rank }, () => rng.normal());
    factors.push(y);
    const frames: number[] = [];
    for (let t = 0; t < 400; t++) {
      const c = rng.int(count);
      for (let d = 0; d < dim; d++) {
        let m = ubm.means[c * dim + d];
        for (let r = 0; r < rank; r++) m += tTrue[(c * dim + d) * rank + r] * y[r];
        frames.push(m + rng.normal());
      }
    }
    segments.push(kernel.stats(featureMatrix(400, dim, Float32Array.from(frames)), 0, false));
  }
  kernel.free();
  // with the means fixed (no minimum-divergence step) the auxiliary is the T-dependent log-likelihood: EM raises it
  const plain = initExtractor(ubm, rank, 3);
  const aux = Array.from({ length: 12 }, () => emIteration(plain, segments, false));
  aux.forEach((a, i) =>
    assert.ok(i === 0 || a >= aux[i - 1] - 1e-6 * Math.abs(a), `auxiliary fell at iteration ${i}: ${aux}`)
  );
  const ex = initExtractor(ubm, rank, 3);
  for (let i = 0; i < 12; i++) emIteration(ex, segments);
  // least squares y ~ A [w, 1]; the fit should explain nearly all of the factors' variance
  const w = segments.map((s) => [...extractIvector(ex, s), 1]);
  const W = fromRows(w), Y = fromRows(factors);
  const A = matmul(inverse(matmul(transpose(W), W)), matmul(transpose(W), Y));
  const pred = matmul(W, A);
  let res = 0, tot = 0;
  for (let i = 0; i < Y.data.length; i++) (res += (Y.data[i] - pred.data[i]) ** 2), (tot += Y.data[i] ** 2);
  assert.ok(1 - res / tot > 0.95, `R^2 ${1 - res / tot}`);
});

test("extractor: a Gaussian that sees fewer than 100 frames keeps its T (Kaldi's --gaussian-min-count) instead of a singular solve", () => {
  const dim = 2, rank = 2;
  // the third Gaussian sits far from every frame: its occupancy is 0 and its sum N_c E[ww'] is the zero matrix
  const ubm = ubmGaussians(
    Float64Array.of(0.45, 0.45, 0.1),
    Float64Array.of(-3, 0, 3, 0, 1000, 1000),
    new Float64Array(3 * dim).fill(1),
  );
  const kernel = new StatsKernel(ubm), segments: BwStats[] = [];
  for (let s = 0; s < 8; s++) {
    const shift = rng.normal(), frames: number[] = [];
    for (let t = 0; t < 100; t++) frames.push((t % 2 ? 3 : -3) + shift + rng.normal(), shift + rng.normal());
    segments.push(kernel.stats(featureMatrix(100, dim, Float32Array.from(frames)), 0, false));
  }
  kernel.free();
  const ex = initExtractor(ubm, rank, 3), unseen = ex.t.slice(2 * dim * rank);
  emIteration(ex, segments, false);
  assert.equal([...ex.t.slice(2 * dim * rank)], [...unseen], "the unseen Gaussian's T is unchanged");
  assert.ok(ex.t.slice(0, 2 * dim * rank).every(Number.isFinite));
  assert.ok(
    ex.t.slice(0, dim * rank).some((v, i) => v !== initExtractor(ubm, rank, 3).t[i]),
    "the seen ones move",
  );
});

test("evaluation: identification and EER on hand-made vectors", () => {
  const v = (...x: number[]) => Float32Array.from(x);
  const ivectors = new Map([["a1", v(1, 0.1)], ["a2", v(1, -0.1)], ["a3", v(0.9, 0)], ["b1", v(-1, 0.1)], [
    "b2",
    v(-1, -0.1),
  ], ["b3", v(-0.9, 0)]]);
  const utt2spk = new Map([...ivectors.keys()].map((k) => [k, k[0]]));
  assert.is(identificationAccuracy(ivectors, utt2spk), 1);
  assert.is(equalErrorRate(ivectors, utt2spk), 0);
  const swapped = new Map(utt2spk).set("a1", "b").set("b1", "a");
  assert.ok(equalErrorRate(ivectors, swapped) > 0.2);
});

test("stored i-vectors with NaN or Inf, or of another dimension, are errors naming the speaker and file", () => {
  const dir = Deno.makeTempDirSync({ prefix: "phl-ivectors-" }), path = join(dir, "dev", "ivector_spk.ark");
  Deno.mkdirSync(join(dir, "dev"));
  const write = (rows: [string, number[]][]) => {
    const w = new ArkWriter(path, "vector");
    for (const [k, v] of rows) w.write(k, Float32Array.from(v));
    w.close();
  };
  write([["faks0", [1, 2]], ["mdab0", [3, 4]]]);
  assert.equal([...readIvectors(dir, "dev", "spk").keys()], ["faks0", "mdab0"]);
  write([["faks0", [1, 2]], ["mdab0", [3, NaN]]]);
  assert.throws(
    () => readIvectors(dir, "dev", "spk"),
    (e: Error) => e.message === `${path}: key 'mdab0', byte 30: NaN at element 1`,
  );
  write([["faks0", [1, 2]], ["mdab0", [3, 4, 5]]]);
  assert.throws(
    () => readIvectors(dir, "dev", "spk"),
    (e: Error) => e.message === `${path}: key 'mdab0', byte 30: 3 values, but 'faks0' in this archive has 2`,
  );
});

test.run();
