// Signal processing for the corpus generator: resampling, biquad filters, FFT convolution, room responses, noise.
import { Fft } from "../../linalg/fft.ts";
import type { Rng } from "../../util/rng.ts";

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Windowed-sinc (Blackman, 16 taps a side) polyphase resampler with no delay: input sample n lands at n*to/from. */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x.slice();
  const g = gcd(from, to), up = to / g, down = from / g;
  const half = 16, cutoff = 0.5 * Math.min(1, to / from) * 0.94;
  const table = new Float32Array(up * 2 * half);
  for (let phase = 0; phase < up; phase++) {
    const frac = phase / up;
    let sum = 0;
    for (let k = 0; k < 2 * half; k++) {
      const d = k - half + 1 - frac;
      const w = 0.42 + 0.5 * Math.cos((Math.PI * d) / half) + 0.08 * Math.cos((2 * Math.PI * d) / half);
      const s = d === 0 ? 2 * cutoff : Math.sin(2 * Math.PI * cutoff * d) / (Math.PI * d);
      const v = Math.abs(d) >= half ? 0 : s * w;
      table[phase * 2 * half + k] = v;
      sum += v;
    }
    for (let k = 0; k < 2 * half; k++) table[phase * 2 * half + k] /= sum;
  }
  const out = new Float32Array(Math.floor(((x.length - 1) * up) / down) + 1);
  for (let n = 0; n < out.length; n++) {
    const pos = n * down;
    const i = Math.floor(pos / up), phase = pos % up;
    const base = phase * 2 * half;
    let acc = 0;
    for (let k = 0; k < 2 * half; k++) {
      const j = i + k - half + 1;
      if (j >= 0 && j < x.length) acc += x[j] * table[base + k];
    }
    out[n] = acc;
  }
  return out;
}

export interface Biquad {
  b0: number;
  b1: number;
  b2: number;
  a1: number;
  a2: number;
}

function normalized(b0: number, b1: number, b2: number, a0: number, a1: number, a2: number): Biquad {
  return { b0: b0 / a0, b1: b1 / a0, b2: b2 / a0, a1: a1 / a0, a2: a2 / a0 };
}

/** RBJ audio-EQ-cookbook designs. */
export const design = {
  lowpass(fc: number, fs: number, q = Math.SQRT1_2): Biquad {
    const w = (2 * Math.PI * fc) / fs, c = Math.cos(w), alpha = Math.sin(w) / (2 * q);
    return normalized((1 - c) / 2, 1 - c, (1 - c) / 2, 1 + alpha, -2 * c, 1 - alpha);
  },
  highpass(fc: number, fs: number, q = Math.SQRT1_2): Biquad {
    const w = (2 * Math.PI * fc) / fs, c = Math.cos(w), alpha = Math.sin(w) / (2 * q);
    return normalized((1 + c) / 2, -(1 + c), (1 + c) / 2, 1 + alpha, -2 * c, 1 - alpha);
  },
  peaking(fc: number, fs: number, gainDb: number, q: number): Biquad {
    const A = 10 ** (gainDb / 40),
      w = (2 * Math.PI * fc) / fs,
      c = Math.cos(w),
      alpha = Math.sin(w) / (2 * q);
    return normalized(1 + alpha * A, -2 * c, 1 - alpha * A, 1 + alpha / A, -2 * c, 1 - alpha / A);
  },
  highShelf(fc: number, fs: number, gainDb: number): Biquad {
    const A = 10 ** (gainDb / 40), w = (2 * Math.PI * fc) / fs, c = Math.cos(w);
    const alpha = Math.sin(w) / Math.SQRT2, sq = 2 * Math.sqrt(A) * alpha;
    return normalized(
      A * (A + 1 + (A - 1) * c + sq),
      -2 * A * (A - 1 + (A + 1) * c),
      A * (A + 1 + (A - 1) * c - sq),
      A + 1 - (A - 1) * c + sq,
      2 * (A - 1 - (A + 1) * c),
      A + 1 - (A - 1) * c - sq,
    );
  },
};

/** Filters x in place (direct form II transposed). */
export function filter(x: Float32Array, f: Biquad): Float32Array {
  let z1 = 0, z2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i], y = f.b0 * v + z1;
    z1 = f.b1 * v - f.a1 * y + z2;
    z2 = f.b2 * v - f.a2 * y;
    x[i] = y;
  }
  return x;
}

/** Magnitude response of a biquad at frequency f. */
export function gainAt(b: Biquad, f: number, fs: number): number {
  const w = (2 * Math.PI * f) / fs;
  const re = (c: number[]) => c[0] + c[1] * Math.cos(-w) + c[2] * Math.cos(-2 * w);
  const im = (c: number[]) => c[1] * Math.sin(-w) + c[2] * Math.sin(-2 * w);
  const num = [b.b0, b.b1, b.b2], den = [1, b.a1, b.a2];
  return Math.hypot(re(num), im(num)) / Math.hypot(re(den), im(den));
}

/** Convolution y = x * h truncated to x's length, by overlap-add FFT in blocks; two real blocks share one FFT. */
export function convolve(x: Float32Array, h: Float32Array): Float32Array {
  let size = 2;
  while (size < 2 * h.length) size <<= 1;
  const block = size - h.length + 1;
  const hr = new Float64Array(size), hi = new Float64Array(size);
  hr.set(h);
  const fft = Fft.of(size, "recurrent");
  fft.transform(hr, hi);
  const y = new Float32Array(x.length);
  const re = new Float64Array(size), im = new Float64Array(size);
  for (let start = 0; start < x.length; start += 2 * block) {
    re.fill(0);
    im.fill(0);
    for (let i = 0; i < block && start + i < x.length; i++) re[i] = x[start + i];
    for (let i = 0; i < block && start + block + i < x.length; i++) im[i] = x[start + block + i];
    fft.transform(re, im);
    for (let k = 0; k < size; k++) {
      const r = re[k] * hr[k] - im[k] * hi[k];
      im[k] = re[k] * hi[k] + im[k] * hr[k];
      re[k] = r;
    }
    fft.transform(re, im, true);
    for (let i = 0; i < size; i++) {
      if (start + i < y.length) y[start + i] += re[i];
      if (start + block + i < y.length) y[start + block + i] += im[i];
    }
  }
  return y;
}

/**
 * A synthetic room impulse response: the direct path, a few early reflections (2-25 ms), and a diffuse tail of
 * exponentially decaying, slightly low-passed noise reaching -60 dB at rt60; the tail is scaled so the
 * direct-to-reverberant energy ratio is drrDb.
 */
export function roomImpulse(rng: Rng, rt60: number, drrDb: number, fs: number): Float32Array {
  const length = Math.ceil(rt60 * fs);
  const h = new Float32Array(length);
  const decay = Math.log(1000) / (rt60 * fs);
  let lp = 0;
  for (let i = Math.round(0.002 * fs); i < length; i++) {
    lp = 0.6 * lp + 0.4 * rng.normal();
    h[i] = lp * Math.exp(-decay * i);
  }
  for (let r = 0; r < 6; r++) {
    const at = Math.round(rng.uniform(0.002, 0.025) * fs);
    h[at] += rng.uniform(0.2, 0.6) * (rng.chance(0.5) ? 1 : -1) * Math.exp(-decay * at) * 8;
  }
  let tail = 0;
  for (let i = 1; i < length; i++) tail += h[i] * h[i];
  const scale = Math.sqrt(1 / (tail * 10 ** (drrDb / 10)));
  for (let i = 1; i < length; i++) h[i] *= scale;
  h[0] = 1;
  return h;
}

export function whiteNoise(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** Pink (1/f) noise from white noise with Paul Kellet's economy filter. */
export function pinkNoise(rng: Rng, n: number): Float32Array {
  const out = new Float32Array(n);
  let b0 = 0, b1 = 0, b2 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    b0 = 0.99765 * b0 + w * 0.099046;
    b1 = 0.963 * b1 + w * 0.2965164;
    b2 = 0.57 * b2 + w * 1.0526913;
    out[i] = b0 + b1 + b2 + w * 0.1848;
  }
  return out;
}

export function meanSquare(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return s / Math.max(1, to - from);
}
