// Dense float64 matrices for estimation (LDA, MLLT, fMLLR, i-vectors): products, Cholesky, inverse, log-det.

export interface Mat {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Mat {
  if (data.length !== rows * cols) {
    throw new Error(`${data.length} values cannot be a ${rows} x ${cols} matrix`);
  }
  return { rows, cols, data };
}

export function identity(n: number): Mat {
  const m = mat(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function fromRows(rows: number[][]): Mat {
  return mat(rows.length, rows[0]?.length ?? 0, Float64Array.from(rows.flat()));
}

export function transpose(a: Mat): Mat {
  const t = mat(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return t;
}

export function matmul(a: Mat, b: Mat): Mat {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const c = mat(a.rows, b.cols);
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      for (let j = 0; j < b.cols; j++) c.data[i * b.cols + j] += aik * b.data[k * b.cols + j];
    }
  }
  return c;
}

/** Row vector v times M times v' for a row of `v`. */
export function quadratic(v: Float64Array, m: Mat): number {
  let s = 0;
  for (let i = 0; i < m.rows; i++) {
    let r = 0;
    for (let j = 0; j < m.cols; j++) r += m.data[i * m.cols + j] * v[j];
    s += v[i] * r;
  }
  return s;
}

/** Lower-triangular L with L L' = A, for a symmetric positive definite A. */
export function cholesky(a: Mat): Mat {
  const n = a.rows, l = mat(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a.data[i * n + j];
      for (let k = 0; k < j; k++) s -= l.data[i * n + k] * l.data[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${i} is ${s})`);
        l.data[i * n + i] = Math.sqrt(s);
      } else l.data[i * n + j] = s / l.data[j * n + j];
    }
  }
  return l;
}

/** LU decomposition with partial pivoting, in place on a copy; returns the factors, the permutation sign. */
function lu(a: Mat): { lu: Mat; perm: Int32Array; sign: number } {
  const n = a.rows;
  if (a.cols !== n) throw new Error(`lu: ${a.rows}x${a.cols} is not square`);
  const m = mat(n, n, a.data.slice()), perm = Int32Array.from({ length: n }, (_, i) => i);
  let sign = 1;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m.data[i * n + k]) > Math.abs(m.data[p * n + k])) p = i;
    if (m.data[p * n + k] === 0) throw new Error("lu: matrix is singular");
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        [m.data[k * n + j], m.data[p * n + j]] = [m.data[p * n + j], m.data[k * n + j]];
      }
      [perm[k], perm[p]] = [perm[p], perm[k]];
      sign = -sign;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (m.data[i * n + k] /= m.data[k * n + k]);
      for (let j = k + 1; j < n; j++) m.data[i * n + j] -= f * m.data[k * n + j];
    }
  }
  return { lu: m, perm, sign };
}

export function inverse(a: Mat): Mat {
  const n = a.rows, { lu: m, perm } = lu(a), inv = mat(n, n);
  const col = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) col[i] = perm[i] === c ? 1 : 0;
    for (let i = 0; i < n; i++) for (let k = 0; k < i; k++) col[i] -= m.data[i * n + k] * col[k];
    for (let i = n - 1; i >= 0; i--) {
      for (let k = i + 1; k < n; k++) col[i] -= m.data[i * n + k] * col[k];
      col[i] /= m.data[i * n + i];
    }
    for (let i = 0; i < n; i++) inv.data[i * n + c] = col[i];
  }
  return inv;
}

/** log |det A| and the sign of det A. */
export function logDet(a: Mat): { logAbs: number; sign: number } {
  const n = a.rows, { lu: m, sign } = lu(a);
  let logAbs = 0, s = sign;
  for (let i = 0; i < n; i++) {
    const d = m.data[i * n + i];
    logAbs += Math.log(Math.abs(d));
    if (d < 0) s = -s;
  }
  return { logAbs, sign: s };
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values in decreasing order, vectors as the
 * matching columns of `vectors`.
 */
export function symmetricEigen(a: Mat): { values: Float64Array; vectors: Mat } {
  const n = a.rows, m = mat(n, n, a.data.slice()), v = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += m.data[i * n + j] ** 2;
    if (off < 1e-24 * (1 + trace2(m))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m.data[p * n + q];
        if (apq === 0) continue;
        const theta = (m.data[q * n + q] - m.data[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = m.data[k * n + p], akq = m.data[k * n + q];
          m.data[k * n + p] = c * akp - s * akq;
          m.data[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = m.data[p * n + k], aqk = m.data[q * n + k];
          m.data[p * n + k] = c * apk - s * aqk;
          m.data[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v.data[k * n + p], vkq = v.data[k * n + q];
          v.data[k * n + p] = c * vkp - s * vkq;
          v.data[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m.data[j * n + j] - m.data[i * n + i]);
  const values = Float64Array.from(order, (i) => m.data[i * n + i]);
  const vectors = mat(n, n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors.data[k * n + dst] = v.data[k * n + src];
  });
  return { values, vectors };
}

function trace2(m: Mat): number {
  let s = 0;
  for (let i = 0; i < m.rows; i++) s += m.data[i * m.cols + i] ** 2;
  return s;
}
