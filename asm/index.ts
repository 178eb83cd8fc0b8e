// The SIMD core's entry point: every kernel phl calls from TypeScript, plus the heap base for the arena.
// Built twice: with --enable simd (core.wasm) and without (core-scalar.wasm, for benchmarks and checks).
export { splice, spliceGather } from "./splice";
export { transform } from "./transform";
export { diagLoglik } from "./gmm";

export function heapBase(): usize {
  return __heap_base;
}
export { viterbi } from "./viterbi";
export { bwStats } from "./bwstats";
export { fmllrAccumulate } from "./fmllr";
