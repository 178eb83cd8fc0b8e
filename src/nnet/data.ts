// Frame-level DNN data: fMLLR features with global CMVN in the core's memory, senone targets, minibatches spliced on the fly.
import { applyCmvn, CmvnStats } from "../features/cmvn.ts";
import { ScpReader } from "../io/ark.ts";
import { loadCore, type WasmF32 } from "../simd/core.ts";
import { Rng } from "../util/rng.ts";

/** Utterances' frames concatenated (normalized), with their boundaries and, for training, a target per frame. */
export class FrameSet {
  private constructor(
    readonly keys: string[],
    /** First frame of each utterance, then the total (length keys + 1). */
    readonly offsets: Int32Array,
    readonly dim: number,
    readonly feats: WasmF32,
    readonly targets: Int32Array | null,
    /** The utterance of every frame. */
    readonly uttOf: Int32Array,
  ) {}

  /** Each utterance's speaker vector (utterances x speakerDim), when attached. */
  speakers: Float32Array | null = null;
  speakerDim = 0;

  get frames() {
    return this.offsets[this.offsets.length - 1];
  }

  /** Attaches a speaker vector to every utterance (the i-vector of its speaker, say) by utterance key. */
  attachSpeakers(vectorOf: (key: string) => Float32Array) {
    const vectors = this.keys.map(vectorOf), dim = vectors[0]?.length ?? 0;
    this.speakers = new Float32Array(this.keys.length * dim);
    vectors.forEach((v, i) => {
      if (v.length !== dim) {
        throw new Error(`'${this.keys[i]}': speaker vector of ${v.length} dims, not ${dim}`);
      }
      this.speakers!.set(v, i * dim);
    });
    this.speakerDim = dim;
  }

  /** The speaker vectors of `frames`, one row each. */
  speakerRows(frames: Int32Array): Float32Array {
    const d = this.speakerDim, out = new Float32Array(frames.length * d);
    frames.forEach((f, i) => {
      const u = this.uttOf[f];
      out.set(this.speakers!.subarray(u * d, (u + 1) * d), i * d);
    });
    return out;
  }

  /**
   * Reads `keys` from a feats.scp, normalizes with global CMVN statistics (means and variances), and takes each
   * utterance's targets from `targets` when given (the lengths must agree).
   */
  static load(
    featsScp: string,
    keys: string[],
    cmvn: CmvnStats,
    targets?: Map<string, Int32Array>,
  ): FrameSet {
    const reader = new ScpReader(featsScp, "matrix");
    const mats = keys.map((k) => applyCmvn(reader.get(k), cmvn, true));
    const offsets = new Int32Array(keys.length + 1);
    mats.forEach((m, i) => (offsets[i + 1] = offsets[i] + m.rows));
    const dim = cmvn.dim, total = offsets[keys.length];
    const feats = loadCore().heap.f32(total * dim);
    const uttOf = new Int32Array(total);
    let labels: Int32Array | null = null;
    if (targets) labels = new Int32Array(total);
    mats.forEach((m, i) => {
      if (m.cols !== dim) {
        throw new Error(`${featsScp}: '${keys[i]}' has ${m.cols}-dim features, expected ${dim}`);
      }
      feats.view.set(m.data, offsets[i] * dim);
      uttOf.fill(i, offsets[i], offsets[i + 1]);
      if (labels) {
        const t = targets!.get(keys[i]);
        if (!t) throw new Error(`no alignment for '${keys[i]}'`);
        if (t.length !== m.rows) {
          throw new Error(`'${keys[i]}': alignment has ${t.length} frames, features ${m.rows}`);
        }
        labels.set(t, offsets[i]);
      }
    });
    return new FrameSet(keys, offsets, dim, feats, labels, uttOf);
  }

  /** Frames `frames` spliced ±context within their utterances into `out` (frames.length x (2c+1)*dim). */
  splice(frames: Int32Array, context: number, out: Float32Array) {
    const core = loadCore();
    core.heap.scoped((h) => {
      const n = frames.length, idx = h.f32(n), first = h.f32(n), last = h.f32(n);
      const width = (2 * context + 1) * this.dim, o = h.f32(n * width);
      const fi = idx.ints, lo = first.ints, hi = last.ints;
      for (let i = 0; i < n; i++) {
        const u = this.uttOf[frames[i]];
        (fi[i] = frames[i]), (lo[i] = this.offsets[u]), (hi[i] = this.offsets[u + 1] - 1);
      }
      core.exports.spliceGather(this.feats.ptr, this.dim, idx.ptr, first.ptr, last.ptr, n, context, o.ptr);
      out.set(o.view.subarray(0, n * width));
    });
  }

  free() {
    this.feats.free();
  }
}

/**
 * A seeded split for cross-validation by speaker, as Kaldi's `subset_data_dir_tr_cv.sh --cv-spk-percent`:
 * `fraction` of the speakers (at least one) are held out with all their utterances.
 */
export function splitHeldOut(
  keys: string[],
  speakerOf: (key: string) => string,
  fraction: number,
  seed: number,
): { train: string[]; cv: string[] } {
  const speakers = [...new Set(keys.map(speakerOf))].sort();
  const order = shuffled(Int32Array.from(speakers, (_, i) => i), new Rng(seed, "cv speakers"));
  const n = Math.max(1, Math.round(speakers.length * fraction));
  const cv = new Set([...order.subarray(0, n)].map((i) => speakers[i]));
  return { train: keys.filter((k) => !cv.has(speakerOf(k))), cv: keys.filter((k) => cv.has(speakerOf(k))) };
}

function shuffled(a: Int32Array, rng: Rng): Int32Array {
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1), t = a[i];
    (a[i] = a[j]), (a[j] = t);
  }
  return a;
}

export interface Minibatch {
  /** Spliced inputs, frames x (2 context + 1) dim. */
  x: Float32Array;
  y: Int32Array | null;
  /** Speaker vectors, frames x speakerDim, when the set has them. */
  s: Float32Array | null;
  frames: Int32Array;
}

/**
 * Minibatches over a frame set: every frame once per epoch in a seeded order across utterances (a full shuffle,
 * where Kaldi shuffles within a 32768-frame buffer), the last partial batch dropped as Kaldi's nnet1 does. With
 * `fraction` < 1 an epoch is the first part of that order (a fresh random subset each epoch).
 */
export function* minibatches(
  set: FrameSet,
  context: number,
  batchSize: number,
  seed: number | null,
  epoch = 0,
  fraction = 1,
): Generator<Minibatch> {
  const all = Int32Array.from({ length: set.frames }, (_, i) => i);
  const order = seed === null ? all : shuffled(all, new Rng(seed, `epoch ${epoch}`));
  const width = (2 * context + 1) * set.dim;
  const taken = Math.min(set.frames, Math.max(batchSize, Math.round(set.frames * fraction)));
  const whole = seed === null ? set.frames : taken - (taken % batchSize);
  for (let at = 0; at < whole; at += batchSize) {
    const frames = order.subarray(at, Math.min(at + batchSize, whole));
    const x = new Float32Array(frames.length * width);
    set.splice(frames, context, x);
    yield {
      x,
      y: set.targets ? Int32Array.from(frames, (f) => set.targets![f]) : null,
      s: set.speakers ? set.speakerRows(frames) : null,
      frames,
    };
  }
}
