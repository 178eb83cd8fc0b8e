// fMLLR on synthetic speakers: data from a known diagonal GMM seen through a known affine transform per speaker.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { FmllrStats } from "../../src/features/fmllr.ts";
import { fromRows, inverse, matmul } from "../../src/linalg/matrix.ts";
import { Rng } from "../../src/util/rng.ts";

test("the estimated transform recovers the speaker's transform; the objective never decreases", () => {
  const rng = new Rng("fmllr");
  const dim = 3, comps = 6;
  const means = Array.from({ length: comps }, () => Array.from({ length: dim }, () => 3 * rng.normal()));
  const vars = Array.from({ length: comps }, () => Array.from({ length: dim }, () => 0.3 + rng.next()));
  // the speaker: observed x = A^-1 (z - b) where z is drawn from the model; the right fMLLR is W = [A b]
  const A = fromRows([[1.2, 0.3, -0.1], [0.1, 0.8, 0.2], [-0.2, 0.1, 1.1]]), b = [0.5, -1, 0.3];
  const aInv = inverse(A);
  const stats = new FmllrStats(dim);
  for (let t = 0; t < 6000; t++) {
    const m = rng.int(comps);
    const z = means[m].map((mu, i) => mu + Math.sqrt(vars[m][i]) * rng.normal());
    const x = matmul(aInv, fromRows(z.map((v, i) => [v - b[i]]))).data;
    stats.add(x, 1, means[m], vars[m]); // the component is known: posterior 1
  }
  const { transform: w, objectives } = stats.estimate(20);
  objectives.forEach((o, i) =>
    assert.ok(i === 0 || o >= objectives[i - 1] - 1e-6 * Math.abs(o), `objective fell: ${objectives}`)
  );
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j < dim; j++) {
      assert.ok(
        Math.abs(w.data[i * 4 + j] - A.data[i * dim + j]) < 0.05,
        `A[${i}][${j}] = ${w.data[i * 4 + j]}`,
      );
    }
    assert.ok(Math.abs(w.data[i * 4 + 3] - b[i]) < 0.08, `b[${i}] = ${w.data[i * 4 + 3]}`);
  }
});

test("utterance statistics from the wasm core (SIMD and scalar) match the per-frame TypeScript ones", () => {
  const rng = new Rng("fmllr utterance");
  const dim = 6, frames = 23;
  const x = Float32Array.from({ length: frames * dim }, () => rng.normal());
  const w = Float32Array.from({ length: frames * dim }, (_, i) => (i % 7 === 0 ? 0 : rng.next()));
  const wMean = Float32Array.from({ length: frames * dim }, () => rng.normal());
  const reference = new FmllrStats(dim);
  for (let t = 0; t < frames; t++) {
    reference.addWeighted(
      x,
      t * dim,
      w.subarray(t * dim, (t + 1) * dim),
      wMean.subarray(t * dim, (t + 1) * dim),
      0.5,
    );
  }
  for (const variant of ["simd", "scalar"] as const) {
    const fast = new FmllrStats(dim);
    fast.addUtterance(x, w, wMean, 0.5 * frames, variant);
    assert.is(fast.beta, reference.beta);
    for (const [a, b, what] of [[fast.g, reference.g, "G"], [fast.k, reference.k, "K"]] as const) {
      a.forEach((v, i) =>
        assert.ok(Math.abs(v - b[i]) < 1e-4 * Math.max(1, Math.abs(b[i])), `${variant} ${what}[${i}]`)
      );
    }
  }
});

test("no data leaves the identity", () => {
  const { transform } = new FmllrStats(2).estimate();
  assert.equal([...transform.data], [1, 0, 0, 0, 1, 0]);
});

test.run();
