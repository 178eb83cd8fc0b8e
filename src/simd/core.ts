// Loads the AssemblyScript core (asm/build/*.wasm) and manages its memory: float32 buffers in its heap.
import { memoryProbes } from "../util/memory.ts";

export interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  splice(input: number, frames: number, dim: number, context: number, output: number): void;
  fmllrAccumulate(
    x: number,
    frames: number,
    dim: number,
    w: number,
    wMean: number,
    stride: number,
    g: number,
    k: number,
    scratch: number,
  ): void;
  spliceGather(
    input: number,
    dim: number,
    frames: number,
    first: number,
    last: number,
    count: number,
    context: number,
    output: number,
  ): void;
  transform(
    a: number,
    outDim: number,
    inDim: number,
    affine: boolean,
    x: number,
    frames: number,
    out: number,
  ): void;
  diagLoglik(
    x: number,
    frames: number,
    dim: number,
    meanIvar: number,
    negHalfIvar: number,
    gconst: number,
    from: number,
    to: number,
    outStride: number,
    out: number,
  ): void;
  bwStats(
    x: number,
    frames: number,
    dim: number,
    meanIvar: number,
    negHalfIvar: number,
    gconst: number,
    numGauss: number,
    minPost: number,
    post: number,
    n: number,
    f: number,
    s: number,
  ): number;
  viterbi(
    loglik: number,
    frames: number,
    numPdfs: number,
    numStates: number,
    statePdf: number,
    arcStart: number,
    arcDst: number,
    arcWeight: number,
    initial: number,
    final: number,
    acousticScale: number,
    beam: number,
    scoreA: number,
    scoreB: number,
    back: number,
    active: number,
    next: number,
    stamp: number,
  ): number;
}

const PAGE = 65536;

/**
 * A buffer of 4-byte values inside the core's memory, seen as float32 (`view`) or int32 (`ints`). Views are re-made
 * when memory grows (growth detaches old views).
 */
export class WasmF32 {
  private cached: Float32Array | null = null;
  private cachedInts: Int32Array | null = null;
  constructor(private readonly heap: Heap, readonly ptr: number, readonly length: number) {}

  get view(): Float32Array {
    const buffer = this.heap.memory.buffer;
    if (!this.cached || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, this.ptr, this.length);
    }
    return this.cached;
  }

  get ints(): Int32Array {
    const buffer = this.heap.memory.buffer;
    if (!this.cachedInts || this.cachedInts.buffer !== buffer) {
      this.cachedInts = new Int32Array(buffer, this.ptr, this.length);
    }
    return this.cachedInts;
  }

  free() {
    this.heap.release(this.ptr, this.length * 4);
  }
}

const align = (n: number) => (n + 15) & ~15;

/**
 * A first-fit allocator over the core's linear memory, growing it on demand. Model parameters live in it for the
 * model's lifetime (free() when done); per-call scratch goes inside scoped(), which frees it on return.
 */
class Heap {
  private readonly holes: { ptr: number; size: number }[];
  private readonly scopes: WasmF32[][] = [];

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.holes = [{ ptr: align(base), size: Number.MAX_SAFE_INTEGER }];
  }

  f32(length: number): WasmF32 {
    const size = align(Math.max(4 * length, 16));
    const i = this.holes.findIndex((h) => h.size >= size);
    const hole = this.holes[i];
    const ptr = hole.ptr;
    if (hole.size === size) this.holes.splice(i, 1);
    else (hole.ptr += size), (hole.size -= size);
    const have = this.memory.buffer.byteLength;
    if (ptr + size > have) this.memory.grow(Math.ceil((ptr + size - have) / PAGE));
    const buffer = new WasmF32(this, ptr, length);
    this.scopes[this.scopes.length - 1]?.push(buffer);
    return buffer;
  }

  /** A buffer holding a copy of `data`. */
  copy(data: Float32Array): WasmF32 {
    const b = this.f32(data.length);
    b.view.set(data);
    return b;
  }

  release(ptr: number, bytes: number) {
    const size = align(Math.max(bytes, 16));
    let i = this.holes.findIndex((h) => h.ptr > ptr);
    if (i < 0) i = this.holes.length;
    this.holes.splice(i, 0, { ptr, size });
    const next = this.holes[i + 1];
    if (next && ptr + size === next.ptr) (this.holes[i].size += next.size), this.holes.splice(i + 1, 1);
    const prev = this.holes[i - 1];
    if (prev && prev.ptr + prev.size === ptr) (prev.size += this.holes[i].size), this.holes.splice(i, 1);
  }

  /** Runs `body`; every buffer it allocates is freed when it returns. */
  scoped<T>(body: (heap: Heap) => T): T {
    this.scopes.push([]);
    try {
      return body(this);
    } finally {
      for (const b of this.scopes.pop()!) b.free();
    }
  }
}

export interface Core {
  exports: CoreExports;
  heap: Heap;
}

export type CoreVariant = "simd" | "scalar";
const loaded = new Map<CoreVariant, Core>();

/** The core built with SIMD (the default), or the same kernels built without it. */
export function loadCore(variant: CoreVariant = "simd"): Core {
  const have = loaded.get(variant);
  if (have) return have;
  const url = new URL(`../../asm/build/${variant === "simd" ? "core" : "core-scalar"}.wasm`, import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(url);
  } catch {
    throw new Error(
      `${url.pathname} is missing: run 'deno task build:asm' (tasks that need it run setup first)`,
    );
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`wasm core aborted at ${line}:${col}`);
      },
    },
  });
  const exports = instance.exports as unknown as CoreExports;
  const core = { exports, heap: new Heap(exports.memory, exports.heapBase()) };
  loaded.set(variant, core);
  memoryProbes.set(
    `core${variant === "simd" ? "" : "Scalar"}HeapMB`,
    () => Math.round(exports.memory.buffer.byteLength / 2 ** 20),
  );
  return core;
}
