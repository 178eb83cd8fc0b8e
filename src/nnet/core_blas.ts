// The wasm core's threaded matrix product (src/simd/gemm.ts) behind the BLAS interface: operands copied into its shared memory, the product copied back.
import type { Blas } from "./blas.ts";
import { createGemm, type SharedGemm, startGemm } from "../simd/gemm.ts";

/** A Blas whose sgemm runs on the core's product (the process's, or one made with `threads` and `relaxed`). */
export async function coreBlas(o: { threads?: number; relaxed?: boolean } = {}): Promise<Blas> {
  const g: SharedGemm = o.threads || o.relaxed !== undefined
    ? await createGemm(o.threads ?? navigator.hardwareConcurrency, o.relaxed)
    : await startGemm();
  return {
    path: `phl's wasm core (${g.kernel}, ${g.threads} thread${g.threads > 1 ? "s" : ""})`,
    sgemm(transA, transB, m, n, k, alpha, a, b, beta, c) {
      if (a.length < m * k || b.length < k * n || c.length < m * n) {
        throw new Error(`sgemm: buffers too small for ${m} x ${k} x ${n}`);
      }
      const [ao, bo, co] = g.arena([m * k, k * n, m * n]);
      g.view(ao, m * k).set(a.subarray(0, m * k));
      g.view(bo, k * n).set(b.subarray(0, k * n));
      if (beta !== 0) g.view(co, m * n).set(c.subarray(0, m * n));
      g.sgemm(transA, transB, m, n, k, alpha, ao, bo, beta, co);
      c.set(g.view(co, m * n));
    },
  };
}
