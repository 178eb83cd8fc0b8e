// The FFT: an in-place radix-2 complex transform, and the real-input power spectrum built on it.

/**
 * How the twiddle factors exp(-2 pi i k / len) are made: `direct` takes cos and sin of each angle; `recurrent`
 * multiplies up from exp(-2 pi i / len), as the corpus generator always has (its audio depends on those bits).
 */
export type Twiddles = "direct" | "recurrent";

/** In-place iterative radix-2 complex FFT of a fixed power-of-two length; the inverse scales by 1/n. */
export class Fft {
  private static readonly made = new Map<string, Fft>();
  /** Per stage (len = 2, 4, ..., n): the real and imaginary parts of the len / 2 forward twiddles. */
  private readonly cos: Float64Array[] = [];
  private readonly sin: Float64Array[] = [];

  constructor(readonly n: number, twiddles: Twiddles) {
    if (n < 1 || (n & (n - 1)) !== 0) throw new Error(`FFT length must be a power of two, got ${n}`);
    for (let len = 2; len <= n; len <<= 1) {
      const half = len / 2, c = new Float64Array(half), s = new Float64Array(half);
      if (twiddles === "direct") {
        for (let k = 0; k < half; k++) {
          (c[k] = Math.cos((2 * Math.PI * k) / len)), (s[k] = -Math.sin((2 * Math.PI * k) / len));
        }
      } else {
        const ang = (-2 * Math.PI) / len, wr = Math.cos(ang), wi = Math.sin(ang);
        let cr = 1, ci = 0;
        for (let k = 0; k < half; k++) {
          (c[k] = cr), (s[k] = ci);
          [cr, ci] = [cr * wr - ci * wi, cr * wi + ci * wr];
        }
      }
      this.cos.push(c), this.sin.push(s);
    }
  }

  /** One shared instance per length and kind of twiddles. */
  static of(n: number, twiddles: Twiddles): Fft {
    const key = `${n} ${twiddles}`;
    if (!Fft.made.has(key)) Fft.made.set(key, new Fft(n, twiddles));
    return Fft.made.get(key)!;
  }

  transform(re: Float64Array, im: Float64Array, inverse = false) {
    const n = this.n;
    if (re.length !== n || im.length !== n) throw new Error(`FFT of length ${n} given ${re.length} values`);
    for (let i = 1, j = 0; i < n; i++) {
      let bit = n >> 1;
      for (; j & bit; bit >>= 1) j ^= bit;
      j ^= bit;
      if (i < j) {
        [re[i], re[j]] = [re[j], re[i]];
        [im[i], im[j]] = [im[j], im[i]];
      }
    }
    for (let len = 2, stage = 0; len <= n; len <<= 1, stage++) {
      const c = this.cos[stage], s = this.sin[stage], half = len / 2;
      for (let i = 0; i < n; i += len) {
        for (let k = 0; k < half; k++) {
          const a = i + k, b = a + half, cr = c[k], ci = inverse ? -s[k] : s[k];
          const tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    if (inverse) { for (let i = 0; i < n; i++) (re[i] /= n), (im[i] /= n); }
  }
}

/** Power spectra of real frames of a fixed power-of-two size: a half-size complex FFT, then the split step. */
export class RealFft {
  private readonly fft: Fft;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(readonly size: number) {
    if (size < 4 || (size & (size - 1)) !== 0) {
      throw new Error(`FFT size must be a power of two >= 4, got ${size}`);
    }
    const h = size / 2;
    this.fft = Fft.of(h, "direct");
    this.cos = Float64Array.from({ length: h }, (_, k) => Math.cos((2 * Math.PI * k) / size));
    this.sin = Float64Array.from({ length: h }, (_, k) => Math.sin((2 * Math.PI * k) / size));
    this.re = new Float64Array(h);
    this.im = new Float64Array(h);
  }

  /** Power spectrum |X_k|^2, k = 0..size/2, of the real signal x (length size). */
  powerSpectrum(x: Float64Array, out: Float64Array) {
    const h = this.size / 2, re = this.re, im = this.im;
    for (let i = 0; i < h; i++) (re[i] = x[2 * i]), (im[i] = x[2 * i + 1]);
    this.fft.transform(re, im);
    out[0] = (re[0] + im[0]) ** 2;
    out[h] = (re[0] - im[0]) ** 2;
    for (let k = 1; k < h; k++) {
      const ar = re[k], ai = im[k], br = re[h - k], bi = -im[h - k];
      const er = 0.5 * (ar + br), ei = 0.5 * (ai + bi);
      const or = 0.5 * (ai - bi), oi = -0.5 * (ar - br);
      const wr = this.cos[k], wi = -this.sin[k];
      const xr = er + wr * or - wi * oi, xi = ei + wr * oi + wi * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
