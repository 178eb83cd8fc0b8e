// Single-precision matrix product C = alpha op(A) op(B) + beta C, shared by threads over one imported shared memory.
// Built on its own (asm/build/gemm.wasm, and gemm-relaxed.wasm with relaxed SIMD's fused multiply-add).

// The micro-kernel's tile: MR rows by NR columns (two vectors), 12 accumulators in registers.
const MR = 6;
const NR = 8;

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// Packs op(B) rows p0..p0+kc, columns j0..j0+nc into NR-column panels, kc x NR each, zero-padded on the right.
function packB(b: usize, rsB: usize, csB: usize, p0: i32, kc: i32, j0: i32, nc: i32, out: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const w = min(NR, nc - j);
    const col = b + <usize>(j0 + j) * csB + <usize>p0 * rsB;
    if (w == NR && csB == 4) {
      for (let p = 0; p < kc; p++) {
        const src = col + <usize>p * rsB;
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        out += NR << 2;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const src = col + <usize>p * rsB;
        for (let q = 0; q < NR; q++) {
          store<f32>(out + (<usize>q << 2), q < w ? load<f32>(src + <usize>q * csB) : 0);
        }
        out += NR << 2;
      }
    }
  }
}

// Packs op(A) (m x k; A(i, p) at a + i rsA + p csA bytes) into blocks of kc steps, each a column of MR-row panels
// (kc x MR floats, rows past m zero): the block of steps p0.. starts at out + p0 * mPadded floats.
export function packA(a: usize, rsA: usize, csA: usize, m: i32, k: i32, kcMax: i32, out: usize): void {
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = min(kcMax, k - p0);
    for (let i = 0; i < m; i += MR) {
      const rows = min(MR, m - i);
      const src = a + <usize>i * rsA + <usize>p0 * csA;
      for (let p = 0; p < kc; p++) {
        const s = src + <usize>p * csA;
        for (let r = 0; r < MR; r++) store<f32>(out + (<usize>r << 2), r < rows ? load<f32>(s + <usize>r * rsA) : 0);
        out += MR << 2;
      }
    }
  }
}

// The MR x NR tile sum_p Apanel(p, i) Bpanel(p, j) over kc steps of packed panels, times alpha, into c (row stride
// ldc bytes): mode 0 stores it, 1 adds it, 2 adds it to beta C.
function kernel(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  mode: i32,
  alpha: f32,
  beta: f32,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0), c41 = f32x4.splat(0), c50 = f32x4.splat(0), c51 = f32x4.splat(0);
  const end = ap + (<usize>(kc * MR) << 2);
  while (ap < end) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load32_splat(ap);
    c00 = madd(x, b0, c00);
    c01 = madd(x, b1, c01);
    x = v128.load32_splat(ap, 4);
    c10 = madd(x, b0, c10);
    c11 = madd(x, b1, c11);
    x = v128.load32_splat(ap, 8);
    c20 = madd(x, b0, c20);
    c21 = madd(x, b1, c21);
    x = v128.load32_splat(ap, 12);
    c30 = madd(x, b0, c30);
    c31 = madd(x, b1, c31);
    x = v128.load32_splat(ap, 16);
    c40 = madd(x, b0, c40);
    c41 = madd(x, b1, c41);
    x = v128.load32_splat(ap, 20);
    c50 = madd(x, b0, c50);
    c51 = madd(x, b1, c51);
    ap += MR << 2;
    bp += NR << 2;
  }
  const al = f32x4.splat(alpha);
  storeRow(c, f32x4.mul(c00, al), f32x4.mul(c01, al), mode, beta);
  storeRow(c + ldc, f32x4.mul(c10, al), f32x4.mul(c11, al), mode, beta);
  storeRow(c + 2 * ldc, f32x4.mul(c20, al), f32x4.mul(c21, al), mode, beta);
  storeRow(c + 3 * ldc, f32x4.mul(c30, al), f32x4.mul(c31, al), mode, beta);
  storeRow(c + 4 * ldc, f32x4.mul(c40, al), f32x4.mul(c41, al), mode, beta);
  storeRow(c + 5 * ldc, f32x4.mul(c50, al), f32x4.mul(c51, al), mode, beta);
}

// @ts-ignore: decorator
@inline function storeRow(c: usize, v0: v128, v1: v128, mode: i32, beta: f32): void {
  if (mode == 1) {
    v0 = f32x4.add(v0, v128.load(c));
    v1 = f32x4.add(v1, v128.load(c, 16));
  } else if (mode == 2) {
    const bv = f32x4.splat(beta);
    v0 = madd(bv, v128.load(c), v0);
    v1 = madd(bv, v128.load(c, 16), v1);
  }
  v128.store(c, v0);
  v128.store(c, v1, 16);
}

// A tile at the matrix's edge (rows < MR or cols < NR): computed whole into `tile`, then merged by element.
function edgeKernel(
  kc: i32,
  ap: usize,
  bp: usize,
  c: usize,
  ldc: usize,
  rows: i32,
  cols: i32,
  mode: i32,
  alpha: f32,
  beta: f32,
  tile: usize,
): void {
  kernel(kc, ap, bp, tile, NR << 2, 0, alpha, 0);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const dst = c + <usize>i * ldc + (<usize>j << 2);
      let v = load<f32>(tile + (<usize>(i * NR + j) << 2));
      if (mode == 1) v += load<f32>(dst);
      else if (mode == 2) v += beta * load<f32>(dst);
      store<f32>(dst, v);
    }
  }
}

// Bytes of scratch one thread needs: a packed B block (kc x nc) and an edge tile.
export function gemmScratchBytes(kc: i32, nc: i32): i32 {
  return (kc * nc + MR * NR) << 2;
}

// Floats that packA writes for m rows and k steps.
export function packedABytes(m: i32, k: i32): i32 {
  return (((m + MR - 1) / MR) * MR * k) << 2;
}

// The thread's share of C (m x n, row-major) = alpha op(A) op(B) + beta C: it takes chunks of nc columns from the counter at `next` until none are left. `ap` is op(A) packed by packA with
// the same kcMax; B(p, j) is at b + p rsB + j csB bytes.
export function gemm(
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  ap: usize,
  b: usize,
  rsB: usize,
  csB: usize,
  beta: f32,
  c: usize,
  next: usize,
  scratch: usize,
  kcMax: i32,
  nc: i32,
): void {
  const ldc = <usize>n << 2;
  const mPadded = ((m + MR - 1) / MR) * MR;
  const bp = scratch, tile = scratch + (<usize>(kcMax * nc) << 2);
  const chunks = (n + nc - 1) / nc;
  for (let chunk = atomic.add<i32>(next, 1); chunk < chunks; chunk = atomic.add<i32>(next, 1)) {
    const j0 = chunk * nc, w = min(nc, n - j0);
    for (let p0 = 0; p0 < k || p0 == 0; p0 += kcMax) {
      const kc = min(kcMax, k - p0);
      const mode = p0 > 0 ? 1 : beta != 0 ? 2 : 0;
      packB(b, rsB, csB, p0, kc, j0, w, bp);
      const a0 = ap + (<usize>(p0 * mPadded) << 2);
      for (let j = 0; j < w; j += NR) {
        const cols = min(NR, w - j);
        const panel = bp + (<usize>(j * kc) << 2);
        const cj = c + (<usize>(j0 + j) << 2);
        let i = 0;
        if (cols == NR) {
          for (; i + MR <= m; i += MR) {
            kernel(kc, a0 + (<usize>(i * kc) << 2), panel, cj + <usize>i * ldc, ldc, mode, alpha, beta);
          }
        }
        for (; i < m; i += MR) {
          const rows = min(MR, m - i);
          const api = a0 + (<usize>(i * kc) << 2);
          edgeKernel(kc, api, panel, cj + <usize>i * ldc, ldc, rows, cols, mode, alpha, beta, tile);
        }
      }
    }
  }
}

// 12 independent multiply-adds per step, `steps` times, in registers: the flops this engine gets from 128-bit lanes.
// The factors come in as arguments so that they stay in registers (constants would be rebuilt at every use).
export function fmaPeak(steps: i32, x: f32, scale: f32, shift: f32): f32 {
  const m = f32x4.splat(scale), d = f32x4.splat(shift);
  let a0 = f32x4.splat(x), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
  let a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  for (let s = 0; s < steps; s++) {
    a0 = madd(a0, m, d);
    a1 = madd(a1, m, d);
    a2 = madd(a2, m, d);
    a3 = madd(a3, m, d);
    a4 = madd(a4, m, d);
    a5 = madd(a5, m, d);
    a6 = madd(a6, m, d);
    a7 = madd(a7, m, d);
    a8 = madd(a8, m, d);
    a9 = madd(a9, m, d);
    a10 = madd(a10, m, d);
    a11 = madd(a11, m, d);
  }
  const sum = f32x4.add(
    f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)),
    f32x4.add(f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)), f32x4.add(f32x4.add(a8, a9), f32x4.add(a10, a11))),
  );
  return f32x4.extract_lane(sum, 0);
}
