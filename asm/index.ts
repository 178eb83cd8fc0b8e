// The SIMD core's entry point: every kernel phl calls from TypeScript, plus the heap base for the arena.
export { splice } from "./splice";

export function heapBase(): usize {
  return __heap_base;
}
