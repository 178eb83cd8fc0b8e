// The SIMD splicing kernel agrees exactly with the scalar reference, edges included.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { splice, spliceReference } from "../../src/features/splice.ts";

function ramp(frames: number, dim: number) {
  return Float32Array.from({ length: frames * dim }, (_, i) => Math.sin(i * 0.37) * 10 + i * 1e-3);
}

test("repeats edge frames (hand-checked)", () => {
  const x = Float32Array.from([1, 2, 3]); // 3 frames x 1 dim
  assert.equal([...spliceReference(x, 3, 1, 1)], [1, 1, 2, 1, 2, 3, 2, 3, 3]);
  assert.equal([...splice(x, 3, 1, 1)], [1, 1, 2, 1, 2, 3, 2, 3, 3]);
});

test("SIMD equals reference bit for bit on many shapes", () => {
  for (
    const [frames, dim, context] of [[1, 13, 5], [7, 40, 5], [300, 40, 5], [50, 13, 3], [20, 3, 0], [
      9,
      17,
      8,
    ]]
  ) {
    const x = ramp(frames, dim);
    const want = spliceReference(x, frames, dim, context);
    const got = splice(x, frames, dim, context);
    assert.is(got.length, want.length);
    assert.ok(got.every((v, i) => Object.is(v, want[i])), `${frames}x${dim} ±${context}`);
  }
});

test("rejects a shape that does not match the data", () => {
  assert.throws(() => splice(new Float32Array(10), 3, 4, 1), /10 values is not 3 frames x 4 dims/);
});

test.run();
