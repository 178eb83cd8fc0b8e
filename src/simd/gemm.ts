// The core's threaded matrix product (asm/gemm.ts): one shared WebAssembly memory, this thread and workers on it.
import { Worker } from "node:worker_threads";

/** The kernel's exports (asm/gemm.ts). */
interface GemmExports {
  gemm(
    m: number,
    n: number,
    k: number,
    alpha: number,
    ap: number,
    b: number,
    rsB: number,
    csB: number,
    beta: number,
    c: number,
    next: number,
    scratch: number,
    kc: number,
    nc: number,
  ): void;
  gemmScratchBytes(kc: number, nc: number): number;
  packA(a: number, rsA: number, csA: number, m: number, k: number, kc: number, out: number): void;
  packedABytes(m: number, k: number): number;
  fmaPeak(steps: number, x: number, scale: number, shift: number): number;
}

export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  index: number;
}

/** Int32 slots of the control block at the start of the shared memory. */
export const GEN = 0, PENDING = 1;
const NEXT = 2, PARAMS = 4;
const P = { m: 0, n: 1, k: 2, alpha: 3, ap: 4, b: 5, rsB: 6, csB: 7, beta: 8, c: 9 };
const SCRATCH = 4096, PAGE = 65536, MAX_PAGES = 65536;
/** Cache blocking: rows of op(B) per packed block, and columns per chunk that a thread takes at a time. */
const KC = 256, NC = 32;

/** Runs thread `index`'s share of the product described in the control block. */
export function runShare(exports: GemmExports, ctl: Int32Array, index: number) {
  const p = (i: number) => ctl[PARAMS + i];
  const f = new Float32Array(ctl.buffer, ctl.byteOffset, ctl.length);
  const scratch = SCRATCH + index * exports.gemmScratchBytes(KC, NC);
  exports.gemm(
    p(P.m),
    p(P.n),
    p(P.k),
    f[PARAMS + P.alpha],
    p(P.ap),
    p(P.b),
    p(P.rsB),
    p(P.csB),
    f[PARAMS + P.beta],
    p(P.c),
    NEXT * 4,
    scratch,
    KC,
    NC,
  );
}

/** Whether the engine runs relaxed SIMD's fused multiply-add (a one-function module using f32x4.relaxed_madd). */
export function hasRelaxedSimd(): boolean {
  // (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd)
  const bytes = new Uint8Array([
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    8,
    1,
    96,
    3,
    123,
    123,
    123,
    1,
    123,
    3,
    2,
    1,
    0,
    10,
    13,
    1,
    11,
    0,
    32,
    0,
    32,
    1,
    32,
    2,
    253,
    133,
    2,
    11,
  ]);
  return WebAssembly.validate(bytes);
}

/** C (m x n) = alpha op(A) op(B) + beta C, row-major; op(A) is m x k, op(B) is k x n; T holds or locates them. */
export type Sgemm<T> = (
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: T,
  b: T,
  beta: number,
  c: T,
) => void;

/** Offsets (bytes) of float32 regions in the shared memory, valid until the next `arena` call. */
export interface SharedGemm {
  /** "relaxed SIMD FMA" or "SIMD", and the threads that run each product. */
  kernel: string;
  threads: number;
  arena(lengths: number[]): number[];
  view(offset: number, length: number): Float32Array;
  /** C (m x n, row-major) = alpha op(A) op(B) + beta C, on offsets from `arena`. */
  sgemm: Sgemm<number>;
  /** GFLOP/s of one thread's multiply-adds on 128-bit vectors held in registers, over about `seconds`. */
  simdPeak(seconds: number): number;
}

let started: Promise<SharedGemm> | null = null;

/** The process's product, started once with every core (or OMP_NUM_THREADS) and the best kernel the engine runs. */
export function startGemm(): Promise<SharedGemm> {
  return started ??= createGemm(Number(Deno.env.get("OMP_NUM_THREADS")) || navigator.hardwareConcurrency);
}

/**
 * A product on its own memory with `threads - 1` workers: asm/build/gemm-relaxed.wasm (fused multiply-add) when
 * `relaxed` and the engine validates relaxed SIMD, else gemm.wasm.
 */
export async function createGemm(threads: number, relaxed = hasRelaxedSimd()): Promise<SharedGemm> {
  threads = Math.max(1, threads);
  const url = new URL(`../../asm/build/${relaxed ? "gemm-relaxed" : "gemm"}.wasm`, import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(url);
  } catch {
    throw new Error(`${url.pathname} is missing: run 'deno task build:asm'`);
  }
  const module = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: 16, maximum: MAX_PAGES, shared: true });
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as GemmExports;
  const ctl = new Int32Array(memory.buffer, 0, 64);
  const workers = await Promise.all(
    Array.from({ length: threads - 1 }, (_, i) =>
      new Promise<Worker>((resolve, reject) => {
        const w = new Worker(new URL("./gemm_worker.ts", import.meta.url));
        w.once("message", () => resolve(w));
        w.once("error", (e) => reject(new Error(`gemm worker: ${e.message}`)));
        w.postMessage({ module, memory, index: i + 1 } satisfies WorkerInit);
        // asleep on the control block between products: they do not keep the process alive
        w.unref();
      })),
  );
  const base = SCRATCH + threads * exports.gemmScratchBytes(KC, NC);
  const f = new Float32Array(memory.buffer, 0, 64);
  let top = base;
  const reserve = (end: number) => {
    const have = memory.buffer.byteLength;
    if (end > have) memory.grow(Math.ceil((end - have) / PAGE));
  };
  return {
    kernel: relaxed ? "relaxed SIMD FMA" : "SIMD",
    threads,
    arena(lengths) {
      let at = base;
      const offsets = lengths.map((n) => {
        const o = at;
        at += (4 * n + 63) & ~63;
        return o;
      });
      reserve(top = at);
      return offsets;
    },
    view: (offset, length) => new Float32Array(memory.buffer, offset, length),
    sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      const ap = top;
      reserve(ap + exports.packedABytes(m, k));
      exports.packA(a, transA ? 4 : 4 * k, transA ? 4 * m : 4, m, k, KC, ap);
      ctl.set([m, n, k, 0, ap, b, transB ? 4 : 4 * n, transB ? 4 * k : 4, 0, c], PARAMS);
      f[PARAMS + P.alpha] = alpha;
      f[PARAMS + P.beta] = beta;
      Atomics.store(ctl, NEXT, 0);
      // small products (or a single chunk) run here alone
      const helpers = workers.length && m * n * k >= 1 << 18 && n > NC ? workers.length : 0;
      if (helpers) {
        Atomics.store(ctl, PENDING, helpers);
        Atomics.add(ctl, GEN, 1);
        Atomics.notify(ctl, GEN);
      }
      runShare(exports, ctl, 0);
      for (let left; helpers && (left = Atomics.load(ctl, PENDING)) !== 0;) Atomics.wait(ctl, PENDING, left);
    },
    simdPeak(seconds) {
      // many short calls: V8 compiles a hot function's optimized code for its next call, not the running one
      const steps = 1 << 14;
      let calls = 0, took = 0;
      for (const t0 = performance.now(); took < seconds; took = (performance.now() - t0) / 1000) {
        for (let i = 0; i < 64; i++) exports.fmaPeak(steps, 1, 0.999, 0.001);
        calls += 64;
      }
      return (calls * steps * 96) / took / 1e9;
    },
  };
}
