// The splicing kernel, with and without SIMD, agrees exactly with the scalar reference, edges included.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { splice, spliceReference } from "../../src/features/splice.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";

function ramp(rows: number, cols: number) {
  return featureMatrix(
    rows,
    cols,
    Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * 10 + i * 1e-3),
  );
}

test("repeats edge frames (hand-checked)", () => {
  const x = featureMatrix(3, 1, Float32Array.from([1, 2, 3]));
  assert.equal([...spliceReference(x, 1).data], [1, 1, 2, 1, 2, 3, 2, 3, 3]);
  assert.equal([...splice(x, 1).data], [1, 1, 2, 1, 2, 3, 2, 3, 3]);
});

test("SIMD and scalar wasm equal the reference bit for bit on many shapes", () => {
  for (
    const [rows, cols, context] of [[1, 13, 5], [7, 40, 5], [300, 40, 5], [50, 13, 3], [20, 3, 0], [9, 17, 8]]
  ) {
    const x = ramp(rows, cols);
    const want = spliceReference(x, context);
    for (const variant of ["simd", "scalar"] as const) {
      assert.equal(splice(x, context, variant), want, `${rows}x${cols} ±${context}`);
    }
  }
});

test("rejects a bad context", () => {
  assert.throws(() => splice(ramp(3, 4), -1), /context must be a non-negative integer/);
});

test.run();
