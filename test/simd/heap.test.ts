// The core's heap: buffers survive memory growth, freed space is reused, scopes free what they allocate.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { loadCore } from "../../src/simd/core.ts";

test("views follow memory growth; frees coalesce and are reused", () => {
  const { heap } = loadCore("scalar");
  const a = heap.copy(Float32Array.from([1, 2, 3]));
  const big = heap.f32(4 << 20); // forces growth
  assert.equal([...a.view], [1, 2, 3]);
  const b = heap.f32(8);
  big.free();
  b.free();
  const again = heap.f32(1000);
  assert.is(again.ptr, big.ptr, "the freed block is reused");
  again.free();
  a.free();
});

test("scoped frees everything allocated inside", () => {
  const { heap } = loadCore("scalar");
  const before = heap.f32(4);
  before.free();
  heap.scoped((h) => {
    h.f32(100);
    h.f32(200);
  });
  const after = heap.f32(4);
  assert.is(after.ptr, before.ptr);
  after.free();
});

test.run();
