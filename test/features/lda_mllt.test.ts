// LDA and MLLT on synthetic data where the right answer is known.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LdaStats } from "../../src/features/lda.ts";
import { MlltStats } from "../../src/features/mllt.ts";
import { type FeatureMatrix, featureMatrix } from "../../src/linalg/feature_matrix.ts";
import { transform } from "../../src/features/transform.ts";
import { fromRows, inverse, type Mat, matmul, symmetricEigen, transpose } from "../../src/linalg/matrix.ts";
import { Rng } from "../../src/util/rng.ts";

const rng = new Rng("lda-mllt");

/** A random rotation (eigenvectors of a random symmetric matrix). */
function rotation(n: number): Mat {
  const a = fromRows(Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal())));
  return symmetricEigen(matmul(a, transpose(a))).vectors;
}

function rotate(q: Mat, z: number[][]): FeatureMatrix {
  const x = matmul(fromRows(z), transpose(q));
  return featureMatrix(x.rows, x.cols, Float32Array.from(x.data));
}

test("LDA finds the discriminant subspace and whitens the within-class covariance", () => {
  const dim = 6, classes = 4, per = 1500;
  const q = rotation(dim);
  const means = Array.from({ length: classes }, () => [3 * rng.normal(), 3 * rng.normal()]);
  const z: number[][] = [], labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < per; i++) {
      z.push([
        means[c][0] + rng.normal(),
        means[c][1] + rng.normal(),
        ...Array.from({ length: dim - 2 }, () => rng.normal()),
      ]);
      labels.push(c);
    }
  }
  const x = rotate(q, z);
  const stats = new LdaStats(dim);
  labels.forEach((c, t) => stats.add(x, t, c));
  const { transform: lda, eigenvalues } = stats.estimate(2);
  assert.ok(eigenvalues[0] >= eigenvalues[1] && eigenvalues[1] > 1, `eigenvalues ${[...eigenvalues]}`);
  // the noise directions (columns 2.. of q) are nearly invisible after LDA
  for (let k = 2; k < dim; k++) {
    for (let r = 0; r < 2; r++) {
      let along = 0, norm = 0;
      for (let j = 0; j < dim; j++) {
        (along += lda.data[r * dim + j] * q.data[j * dim + k]), (norm += lda.data[r * dim + j] ** 2);
      }
      assert.ok(
        Math.abs(along) / Math.sqrt(norm) < 0.05,
        `row ${r} sees noise direction ${k}: ${along / Math.sqrt(norm)}`,
      );
    }
  }
  // within-class covariance of the projected data is the identity
  const y = transform(featureMatrix(2, dim, Float32Array.from(lda.data)), x);
  const within = [0, 0, 0];
  for (let c = 0; c < classes; c++) {
    const rows = labels.map((l, t) => (l === c ? t : -1)).filter((t) => t >= 0);
    const mu = [0, 1].map((k) => rows.reduce((s, t) => s + y.data[t * 2 + k], 0) / rows.length);
    for (const t of rows) {
      const a = y.data[t * 2] - mu[0], b = y.data[t * 2 + 1] - mu[1];
      (within[0] += a * a), (within[1] += a * b), (within[2] += b * b);
    }
  }
  const n = classes * per;
  assert.ok(
    Math.abs(within[0] / n - 1) < 1e-3 && Math.abs(within[1] / n) < 1e-3 &&
      Math.abs(within[2] / n - 1) < 1e-3,
    `${within.map((w) => w / n)}`,
  );
});

test("MLLT recovers a hidden rotation of diagonal Gaussians; its objective never decreases", () => {
  const dim = 4, classes = 6, per = 1500;
  const q = rotation(dim);
  const z: number[][] = [], labels: number[] = [];
  for (let c = 0; c < classes; c++) {
    const mean = Array.from({ length: dim }, () => 2 * rng.normal());
    const std = Array.from({ length: dim }, () => Math.exp(rng.uniform(-1, 1)));
    for (let i = 0; i < per; i++) (z.push(mean.map((m, k) => m + std[k] * rng.normal())), labels.push(c));
  }
  const x = rotate(q, z); // x = Q z: the classes are diagonal in the basis Q' x
  let total: Mat = fromRows(
    Array.from({ length: dim }, (_, i) => Array.from({ length: dim }, (_, j) => (i === j ? 1 : 0))),
  );
  for (let iter = 0; iter < 8; iter++) {
    const y = transform(featureMatrix(dim, dim, Float32Array.from(total.data)), x);
    const stats = new MlltStats(dim);
    for (let c = 0; c < classes; c++) {
      const rows = labels.map((l, t) => (l === c ? t : -1)).filter((t) => t >= 0);
      const mean = Array.from(
        { length: dim },
        (_, k) => rows.reduce((s, t) => s + y.data[t * dim + k], 0) / rows.length,
      );
      const vars = mean.map((m, k) =>
        rows.reduce((s, t) => s + (y.data[t * dim + k] - m) ** 2, 0) / rows.length
      );
      for (const t of rows) stats.add(y, t, mean, vars);
    }
    const { transform: a, objectives } = stats.update(10);
    objectives.forEach((o, i) =>
      assert.ok(i === 0 || o >= objectives[i - 1] - 1e-6 * Math.abs(o), `objective fell: ${objectives}`)
    );
    total = matmul(a, total);
  }
  // total * Q should be a scaled permutation: one dominant entry per row
  const p = matmul(total, q);
  for (let i = 0; i < dim; i++) {
    const row = Array.from({ length: dim }, (_, j) => Math.abs(p.data[i * dim + j]));
    const norm = Math.hypot(...row);
    assert.ok(Math.max(...row) / norm > 0.995, `row ${i} of A Q is not a scaled unit vector: ${row}`);
  }
  assert.ok(Number.isFinite(inverse(total).data[0]));
});

test.run();
