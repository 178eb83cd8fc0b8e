// The core's threaded matrix product (both kernels) against a float64 reference: every transpose, odd shapes, alpha and beta.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createGemm, hasRelaxedSimd } from "../../src/simd/gemm.ts";

const values = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed));

/** alpha op(A) op(B) + beta C in float64, and the sum of the terms' magnitudes per element (for the tolerance). */
function reference(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: Float32Array,
  b: Float32Array,
  beta: number,
  c: Float32Array,
) {
  const want = new Float64Array(m * n), scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0, abs = 0;
      for (let p = 0; p < k; p++) {
        const t = (transA ? a[p * m + i] : a[i * k + p]) * (transB ? b[j * k + p] : b[p * n + j]);
        (s += t), (abs += Math.abs(t));
      }
      want[i * n + j] = alpha * s + beta * c[i * n + j];
      scale[i * n + j] = Math.abs(alpha) * abs + Math.abs(beta * c[i * n + j]);
    }
  }
  return { want, scale };
}

// sizes around the tile (6 x 8), the column chunk (32) and the block of steps (256), and the threaded path
const SHAPES = [[1, 1, 1], [5, 7, 3], [6, 8, 256], [13, 33, 257], [70, 301, 45], [131, 67, 519], [
  256,
  130,
  600,
]];

for (const relaxed of hasRelaxedSimd() ? [true, false] : [false]) {
  test(`the ${relaxed ? "relaxed SIMD FMA" : "plain SIMD"} kernel on 2 threads matches the reference`, async () => {
    const g = await createGemm(2, relaxed);
    assert.is(g.kernel, relaxed ? "relaxed SIMD FMA" : "SIMD");
    for (const [m, n, k] of SHAPES) {
      for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]]) {
        for (const [alpha, beta] of [[1, 0], [-0.5, 1], [2, 0.3]]) {
          const a = values(m * k, 1), b = values(k * n, 2), c = values(m * n, 3);
          const [ao, bo, co] = g.arena([m * k, k * n, m * n]);
          g.view(ao, m * k).set(a), g.view(bo, k * n).set(b), g.view(co, m * n).set(c);
          g.sgemm(transA, transB, m, n, k, alpha, ao, bo, beta, co);
          const got = g.view(co, m * n);
          const { want, scale } = reference(transA, transB, m, n, k, alpha, a, b, beta, c);
          for (let i = 0; i < m * n; i++) {
            const what =
              `${m}x${n}x${k} transA ${transA} transB ${transB} alpha ${alpha} beta ${beta} [${i}]`;
            assert.ok(
              Math.abs(got[i] - want[i]) <= 1e-5 * Math.max(1, scale[i]),
              `${what}: ${got[i]} vs ${want[i]}`,
            );
          }
        }
      }
    }
  });
}

test("a product with beta 0 ignores what C held (NaN included)", async () => {
  const g = await createGemm(2);
  const [ao, bo, co] = g.arena([6 * 9, 9 * 40, 6 * 40]);
  g.view(ao, 54).fill(1), g.view(bo, 360).fill(2), g.view(co, 240).fill(NaN);
  g.sgemm(false, false, 6, 40, 9, 1, ao, bo, 0, co);
  assert.ok(g.view(co, 240).every((v) => v === 18));
});

test("relaxed SIMD is detected exactly when the engine accepts the relaxed kernel's module", () => {
  const bytes = Deno.readFileSync(new URL("../../asm/build/gemm-relaxed.wasm", import.meta.url));
  assert.is(hasRelaxedSimd(), WebAssembly.validate(bytes));
});

test.run();
