// A CPU BLAS (OpenBLAS, or the library named by BLAS_LIB) through Deno's FFI: single-precision GEMM on Float32Array views.
import type { Sgemm } from "../simd/gemm.ts";

const SYMBOLS = {
  cblas_sgemm: {
    parameters: [
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "i32",
      "f32",
      "buffer",
      "i32",
      "buffer",
      "i32",
      "f32",
      "buffer",
      "i32",
    ],
    result: "void",
  },
} as const;

/** Where a BLAS is looked for when BLAS_LIB is not set: Debian's OpenBLAS packages, then the loader's search path. */
const BLAS_CANDIDATES = [
  "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
  "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
  "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
  "libopenblas.so.0",
  "/opt/homebrew/opt/openblas/lib/libopenblas.dylib",
  "/System/Library/Frameworks/Accelerate.framework/Accelerate",
];

const ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112;

export interface Blas {
  /** The library file that was opened. */
  path: string;
  sgemm: Sgemm<Float32Array>;
}

let cached: Blas | null | undefined;

/**
 * Opens the BLAS once: BLAS_LIB if set (an error if it cannot be opened; `none` opens none), else the first
 * candidate that opens; null when none does or FFI is not allowed.
 */
export function loadBlas(): Blas | null {
  if (cached !== undefined) return cached;
  const wanted = Deno.env.get("BLAS_LIB");
  if (wanted === "none") return cached = null;
  for (const path of wanted ? [wanted] : BLAS_CANDIDATES) {
    let lib: Deno.DynamicLibrary<typeof SYMBOLS>;
    try {
      lib = Deno.dlopen(path, SYMBOLS);
    } catch (err) {
      if (wanted) {
        throw new Error(`BLAS_LIB=${wanted}: cannot open it with cblas_sgemm (${(err as Error).message})`);
      }
      continue;
    }
    const sgemm = lib.symbols.cblas_sgemm;
    cached = {
      path,
      sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
        if (a.length < m * k || b.length < k * n || c.length < m * n) {
          throw new Error(`sgemm: buffers too small for ${m} x ${k} x ${n}`);
        }
        sgemm(
          ROW_MAJOR,
          transA ? TRANS : NO_TRANS,
          transB ? TRANS : NO_TRANS,
          m,
          n,
          k,
          alpha,
          a,
          transA ? m : k,
          b,
          transB ? k : n,
          beta,
          c,
          n,
        );
      },
    };
    return cached;
  }
  return cached = null;
}
