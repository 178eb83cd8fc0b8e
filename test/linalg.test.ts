// Dense linear algebra on hand-checkable and random cases.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  cholesky,
  fromRows,
  identity,
  inverse,
  logDet,
  type Mat,
  matmul,
  symmetricEigen,
  transpose,
} from "../src/linalg/matrix.ts";
import { Rng } from "../src/util/rng.ts";

const near = (a: Mat, b: Mat, tol = 1e-9) => a.data.every((v, i) => Math.abs(v - b.data[i]) < tol);
function randomSpd(n: number, rng: Rng): Mat {
  const a = fromRows(Array.from({ length: n }, () => Array.from({ length: n }, () => rng.normal())));
  const s = matmul(a, transpose(a));
  for (let i = 0; i < n; i++) s.data[i * n + i] += 0.5;
  return s;
}

test("hand-checked 2x2: inverse, log-det, Cholesky, eigenvalues", () => {
  const a = fromRows([[4, 2], [2, 3]]);
  assert.ok(near(inverse(a), fromRows([[3 / 8, -2 / 8], [-2 / 8, 4 / 8]])));
  assert.ok(Math.abs(logDet(a).logAbs - Math.log(8)) < 1e-12);
  assert.ok(near(cholesky(a), fromRows([[2, 0], [1, Math.sqrt(2)]])));
  const { values } = symmetricEigen(a);
  assert.ok(
    Math.abs(values[0] - (3.5 + Math.sqrt(17) / 2)) < 1e-12 &&
      Math.abs(values[1] - (3.5 - Math.sqrt(17) / 2)) < 1e-12,
  );
  assert.is(logDet(fromRows([[0, 1], [1, 0]])).sign, -1);
});

test("random 30x30: A A^-1 = I, L L' = A, V diag(w) V' = A", () => {
  const rng = new Rng("linalg");
  const a = randomSpd(30, rng);
  assert.ok(near(matmul(a, inverse(a)), identity(30), 1e-8));
  const l = cholesky(a);
  assert.ok(near(matmul(l, transpose(l)), a, 1e-9));
  const { values, vectors } = symmetricEigen(a);
  const d = identity(30);
  values.forEach((w, i) => (d.data[i * 30 + i] = w));
  assert.ok(near(matmul(matmul(vectors, d), transpose(vectors)), a, 1e-8));
  assert.ok(values.every((w, i) => i === 0 || w <= values[i - 1]));
  assert.throws(() => cholesky(fromRows([[1, 2], [2, 1]])), /not positive definite/);
});

test.run();
