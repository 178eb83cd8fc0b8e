// Transform and Gaussian-score kernels (SIMD and scalar wasm) against plain TypeScript references.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { transform, transformReference } from "../../src/features/transform.ts";
import { type DiagGaussians, diagLoglikReference, DiagScorer } from "../../src/gmm/scorer.ts";
import { Rng } from "../../src/util/rng.ts";

const rng = new Rng("kernels");
const random = (rows: number, cols: number) =>
  featureMatrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));
const close = (a: Float32Array, b: Float32Array, tol: number) =>
  a.every((v, i) => Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])));

test("transform: linear and affine, odd sizes, hand-checked case", () => {
  const a = featureMatrix(2, 3, Float32Array.from([1, 0, 2, 0, 1, 0]));
  const x = featureMatrix(1, 2, Float32Array.from([3, 4]));
  assert.equal([...transform(a, x).data], [5, 4]); // [1 0 | 2] [3 4 1]' = 5, [0 1 | 0] = 4
  for (
    const [outDim, inDim, affine] of [[40, 91, false], [40, 40, true], [13, 13, false], [7, 5, true]] as const
  ) {
    const m = random(outDim, inDim + (affine ? 1 : 0)), xs = random(37, inDim);
    const want = transformReference(m, xs);
    for (const variant of ["simd", "scalar"] as const) {
      assert.ok(close(transform(m, xs, variant).data, want.data, 1e-5), `${outDim}x${inDim} ${variant}`);
    }
  }
});

test("diagonal Gaussian log-likelihoods match the reference and a hand-checked value", () => {
  const one: DiagGaussians = {
    dim: 1,
    count: 1,
    means: Float64Array.from([1]),
    vars: Float64Array.from([4]),
    logWeights: Float64Array.from([Math.log(0.5)]),
  };
  const x = featureMatrix(1, 1, Float32Array.from([3]));
  const want = Math.log(0.5) - 0.5 * Math.log(2 * Math.PI * 4) - 0.5; // (3-1)^2/4/2
  const s = new DiagScorer(one);
  assert.ok(Math.abs(s.score(x).data[0] - want) < 1e-5);
  s.free();
  for (const [dim, count] of [[39, 64], [40, 128], [13, 5]]) {
    const g: DiagGaussians = {
      dim,
      count,
      means: Float64Array.from({ length: dim * count }, () => rng.normal()),
      vars: Float64Array.from({ length: dim * count }, () => 0.2 + rng.next()),
      logWeights: Float64Array.from({ length: count }, () => Math.log(1 / count)),
    };
    const frames = random(25, dim);
    const reference = diagLoglikReference(g, frames);
    for (const variant of ["simd", "scalar"] as const) {
      const scorer = new DiagScorer(g, variant);
      assert.ok(close(scorer.score(frames).data, reference.data, 1e-5), `${dim}x${count} ${variant}`);
      const some = scorer.score(frames, [[1, 3], [count - 2, count]]);
      for (let t = 0; t < frames.rows; t++) {
        for (let k = 0; k < count; k++) {
          const v = some.data[t * count + k], want = reference.data[t * count + k];
          if ((k >= 1 && k < 3) || k >= count - 2) {
            assert.ok(Math.abs(v - want) <= 1e-5 * (1 + Math.abs(want)));
          } else assert.is(v, -Infinity, "Gaussians outside the ranges are not scored");
        }
      }
      scorer.free();
    }
  }
});

test.run();
