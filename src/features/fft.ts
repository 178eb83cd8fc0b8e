// Real-input FFT of a fixed power-of-two size (half-size complex FFT plus a split step), for frame spectra.

export class RealFft {
  private readonly half: number;
  private readonly bitrev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) {
      throw new Error(`FFT size must be a power of two >= 4, got ${size}`);
    }
    const h = (this.half = size / 2);
    this.bitrev = new Uint32Array(h);
    for (let i = 0, j = 0; i < h; i++) {
      this.bitrev[i] = j;
      let bit = h >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
    }
    this.cos = new Float64Array(h);
    this.sin = new Float64Array(h);
    for (let k = 0; k < h; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
  }

  /** Power spectrum |X_k|^2, k = 0..size/2, of the real signal x (length size). */
  powerSpectrum(x: Float64Array, out: Float64Array) {
    const h = this.half, re = this.re, im = this.im, cos = this.cos, sin = this.sin;
    for (let i = 0; i < h; i++) {
      const j = this.bitrev[i];
      re[j] = x[2 * i];
      im[j] = x[2 * i + 1];
    }
    for (let len = 2; len <= h; len <<= 1) {
      const step = this.size / len;
      for (let i = 0; i < h; i += len) {
        for (let k = 0; k < len / 2; k++) {
          const wr = cos[k * step], wi = -sin[k * step];
          const a = i + k, b = a + len / 2;
          const tr = re[b] * wr - im[b] * wi, ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    out[0] = (re[0] + im[0]) ** 2;
    out[h] = (re[0] - im[0]) ** 2;
    for (let k = 1; k < h; k++) {
      const ar = re[k], ai = im[k], br = re[h - k], bi = -im[h - k];
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
      const wr = cos[k], wi = -sin[k];
      const xr = er + wr * or - wi * oi, xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
