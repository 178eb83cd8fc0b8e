// MFCC and log-mel filterbank features as Kaldi's compute-mfcc-feats and compute-fbank-feats define them.
import { Rng } from "../util/rng.ts";
import { RealFft } from "../linalg/fft.ts";
import type { FeatureMatrix } from "../linalg/feature_matrix.ts";

export interface FrameOptions {
  sampleRate: number;
  frameShiftMs: number;
  frameLengthMs: number;
  preemphasis: number;
  removeDcOffset: boolean;
  /** Kaldi's default window, "povey": a Hann window raised to 0.85. */
  window: "povey" | "hamming" | "hanning" | "rectangular";
  snipEdges: boolean;
  /** Gaussian dither amplitude (0 = none); seeded by `ditherSeed` and the utterance, so runs repeat. */
  dither: number;
  ditherSeed: number;
}

export interface MelOptions extends FrameOptions {
  numMelBins: number;
  lowFreq: number;
  /** <= 0 means that much below the Nyquist frequency, as in Kaldi. */
  highFreq: number;
  /** Replace the first output with the log energy of the raw frame (before pre-emphasis and window). */
  useEnergy: boolean;
}

export interface MfccOptions extends MelOptions {
  numCeps: number;
  cepstralLifter: number;
}

const FRAME_DEFAULTS: FrameOptions = {
  sampleRate: 16000,
  frameShiftMs: 10,
  frameLengthMs: 25,
  preemphasis: 0.97,
  removeDcOffset: true,
  window: "povey",
  snipEdges: true,
  dither: 0,
  ditherSeed: 0,
};

/** Kaldi's MFCC defaults with energy off, as in Kaldi's TIMIT recipe (conf/mfcc.conf: --use-energy=false). */
export const MFCC_DEFAULTS: MfccOptions = {
  ...FRAME_DEFAULTS,
  numMelBins: 23,
  lowFreq: 20,
  highFreq: 0,
  useEnergy: false,
  numCeps: 13,
  cepstralLifter: 22,
};

/** Kaldi's fbank defaults, with 40 bins. */
export const FBANK_DEFAULTS: MelOptions = {
  ...FRAME_DEFAULTS,
  numMelBins: 40,
  lowFreq: 20,
  highFreq: 0,
  useEnergy: false,
};

const FLT_EPSILON = 1.1920928955078125e-7, FLT_MIN = 1.1754943508222875e-38;
const melScale = (hz: number) => 1127 * Math.log(1 + hz / 700);

function windowFunction(kind: FrameOptions["window"], n: number): Float64Array {
  const a = (2 * Math.PI) / (n - 1);
  return Float64Array.from({ length: n }, (_, i) => {
    switch (kind) {
      case "povey":
        return Math.pow(0.5 - 0.5 * Math.cos(a * i), 0.85);
      case "hanning":
        return 0.5 - 0.5 * Math.cos(a * i);
      case "hamming":
        return 0.54 - 0.46 * Math.cos(a * i);
      case "rectangular":
        return 1;
    }
  });
}

/** Triangular mel filters over FFT bins 0..n/2-1 (Kaldi leaves the Nyquist bin out), as [first bin, weights]. */
function melBanks(o: MelOptions, fftSize: number): { first: number; weights: Float64Array }[] {
  const nyquist = o.sampleRate / 2;
  const high = o.highFreq > 0 ? o.highFreq : nyquist + o.highFreq;
  if (o.lowFreq < 0 || high > nyquist || high <= o.lowFreq) {
    throw new Error(`bad mel range ${o.lowFreq}-${high} Hz`);
  }
  const melLow = melScale(o.lowFreq), melHigh = melScale(high);
  const delta = (melHigh - melLow) / (o.numMelBins + 1);
  const banks = [];
  for (let b = 0; b < o.numMelBins; b++) {
    const left = melLow + b * delta, center = left + delta, right = center + delta;
    const weights: number[] = [];
    let first = -1;
    for (let i = 0; i < fftSize / 2; i++) {
      const mel = melScale((o.sampleRate * i) / fftSize);
      if (mel > left && mel < right) {
        if (first < 0) first = i;
        weights.push(mel <= center ? (mel - left) / (center - left) : (right - mel) / (right - center));
      }
    }
    if (first < 0) {
      throw new Error(`mel bin ${b} is empty: too many bins (${o.numMelBins}) for a ${fftSize}-point FFT`);
    }
    banks.push({ first, weights: Float64Array.from(weights) });
  }
  return banks;
}

/** Kaldi's DCT-II matrix (numCeps x numBins), orthonormal rows. */
function dctMatrix(numCeps: number, numBins: number): Float64Array {
  const m = new Float64Array(numCeps * numBins);
  for (let k = 0; k < numCeps; k++) {
    const scale = k === 0 ? Math.sqrt(1 / numBins) : Math.sqrt(2 / numBins);
    for (let j = 0; j < numBins; j++) {
      m[k * numBins + j] = scale * Math.cos((Math.PI / numBins) * (j + 0.5) * k);
    }
  }
  return m;
}

/** A reusable extractor: window, filters and DCT are built once. */
export class FeatureExtractor {
  readonly frameLength: number;
  readonly frameShift: number;
  readonly dim: number;
  private readonly fft: RealFft;
  private readonly window: Float64Array;
  private readonly banks: { first: number; weights: Float64Array }[];
  private readonly dct: Float64Array | null;
  private readonly lifter: Float64Array | null;

  constructor(readonly kind: "mfcc" | "fbank", readonly options: MfccOptions | MelOptions) {
    const o = options;
    this.frameLength = Math.round((o.sampleRate * o.frameLengthMs) / 1000);
    this.frameShift = Math.round((o.sampleRate * o.frameShiftMs) / 1000);
    let size = 1;
    while (size < this.frameLength) size <<= 1;
    this.fft = new RealFft(size);
    this.window = windowFunction(o.window, this.frameLength);
    this.banks = melBanks(o, size);
    if (kind === "mfcc") {
      const m = o as MfccOptions;
      if (m.numCeps > m.numMelBins) {
        throw new Error(`numCeps (${m.numCeps}) exceeds numMelBins (${m.numMelBins})`);
      }
      this.dct = dctMatrix(m.numCeps, m.numMelBins);
      this.lifter = Float64Array.from(
        { length: m.numCeps },
        (_, i) =>
          m.cepstralLifter ? 1 + 0.5 * m.cepstralLifter * Math.sin((Math.PI * i) / m.cepstralLifter) : 1,
      );
      this.dim = m.numCeps;
    } else {
      this.dct = this.lifter = null;
      this.dim = o.numMelBins;
    }
  }

  numFrames(numSamples: number): number {
    if (this.options.snipEdges) {
      return numSamples < this.frameLength
        ? 0
        : 1 + Math.floor((numSamples - this.frameLength) / this.frameShift);
    }
    return Math.floor((numSamples + this.frameShift / 2) / this.frameShift);
  }

  /** Features of 16-bit samples (as integers, like Kaldi's wave reader). `key` seeds the dither. */
  compute(samples: Int16Array | Float32Array, key = ""): FeatureMatrix {
    const o = this.options, n = this.frameLength, size = this.fft.size;
    const frames = this.numFrames(samples.length);
    const out = new Float32Array(frames * this.dim);
    const frame = new Float64Array(size), power = new Float64Array(size / 2 + 1);
    const mel = new Float64Array(o.numMelBins);
    const rng = o.dither > 0 ? new Rng(o.ditherSeed, "dither", key) : null;
    for (let t = 0; t < frames; t++) {
      const start = o.snipEdges
        ? t * this.frameShift
        : t * this.frameShift + Math.floor(this.frameShift / 2) - Math.floor(n / 2);
      for (let i = 0; i < n; i++) {
        let s = start + i;
        if (s < 0) s = -s - 1;
        if (s >= samples.length) s = 2 * samples.length - s - 1;
        frame[i] = samples[s];
      }
      frame.fill(0, n);
      if (rng) { for (let i = 0; i < n; i++) frame[i] += o.dither * rng.normal(); }
      if (o.removeDcOffset) {
        let mean = 0;
        for (let i = 0; i < n; i++) mean += frame[i];
        mean /= n;
        for (let i = 0; i < n; i++) frame[i] -= mean;
      }
      let energy = 0;
      if (o.useEnergy) {
        for (let i = 0; i < n; i++) energy += frame[i] * frame[i];
        energy = Math.log(Math.max(energy, FLT_MIN));
      }
      if (o.preemphasis) {
        for (let i = n - 1; i > 0; i--) frame[i] -= o.preemphasis * frame[i - 1];
        frame[0] -= o.preemphasis * frame[0];
      }
      for (let i = 0; i < n; i++) frame[i] *= this.window[i];
      this.fft.powerSpectrum(frame, power);
      for (let b = 0; b < this.banks.length; b++) {
        const { first, weights } = this.banks[b];
        let e = 0;
        for (let i = 0; i < weights.length; i++) e += weights[i] * power[first + i];
        mel[b] = Math.log(Math.max(e, FLT_EPSILON));
      }
      const row = t * this.dim;
      if (this.dct) {
        const bins = mel.length;
        for (let k = 0; k < this.dim; k++) {
          let c = 0;
          for (let j = 0; j < bins; j++) c += this.dct[k * bins + j] * mel[j];
          out[row + k] = c * this.lifter![k];
        }
      } else for (let b = 0; b < this.dim; b++) out[row + b] = mel[b];
      if (o.useEnergy) out[row] = energy;
    }
    return { rows: frames, cols: this.dim, data: out };
  }
}
