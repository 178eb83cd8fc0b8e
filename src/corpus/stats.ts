// Corpus statistics: duration per split, phone counts per 39-class, and how distinct its speakers are.
import { Fft } from "../linalg/fft.ts";
import { readAudio } from "./audio.ts";
import { map48to39, map61to48, PHONES_39 } from "./phones.ts";
import { readPhones, type Utterance } from "./timit.ts";

/** Token counts per 39-class phone (61 -> 48 -> 39, q deleted). */
export function phoneCounts39(utterances: readonly Utterance[]): Map<string, number> {
  const counts = new Map(PHONES_39.map((p) => [p, 0]));
  for (const u of utterances) {
    for (const p of map48to39(map61to48(readPhones(u).map((s) => s.label)))) {
      counts.set(p, counts.get(p)! + 1);
    }
  }
  return counts;
}

const BANDS = 24, FRAME = 400, HOP = 160, SIZE = 512;

/**
 * An utterance's long-term spectrum: mean log energy in 24 mel-spaced bands (100-7600 Hz) over its speech frames
 * (h#, pau and epi left out). Voice and channel both shape it, so it is a simple speaker fingerprint.
 */
export function longTermSpectrum(u: Utterance): Float64Array {
  const { samples, sampleRate } = readAudio(u.wav);
  const speech = readPhones(u).filter((s) => !["h#", "pau", "epi"].includes(s.label));
  const mel = (f: number) => 1127 * Math.log(1 + f / 700);
  const edges = Array.from({ length: BANDS + 1 }, (_, i) => mel(100) + ((mel(7600) - mel(100)) * i) / BANDS);
  const bandOf = new Int32Array(SIZE / 2).map((_, k) => {
    const m = mel((k * sampleRate) / SIZE);
    return edges.findIndex((e, i) => i < BANDS && m >= e && m < edges[i + 1]);
  });
  const sum = new Float64Array(BANDS);
  let frames = 0;
  const re = new Float64Array(SIZE), im = new Float64Array(SIZE);
  for (const seg of speech) {
    for (let t = seg.start; t + FRAME <= seg.end; t += HOP) {
      re.fill(0);
      im.fill(0);
      for (let i = 0; i < FRAME; i++) {
        re[i] = samples[t + i] * (0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (FRAME - 1)));
      }
      Fft.of(SIZE, "recurrent").transform(re, im);
      const band = new Float64Array(BANDS);
      for (let k = 1; k < SIZE / 2; k++) if (bandOf[k] >= 0) band[bandOf[k]] += re[k] * re[k] + im[k] * im[k];
      for (let b = 0; b < BANDS; b++) sum[b] += Math.log(band[b] + 1);
      frames++;
    }
  }
  return sum.map((v) => v / Math.max(frames, 1));
}

export interface SpeakerSeparation {
  speakers: number;
  utterances: number;
  /** Leave-one-utterance-out nearest-centroid speaker identification accuracy (cosine, mean-removed). */
  identification: number;
  /** Between-speaker variance over mean within-speaker variance of the spectra, averaged over bands. */
  fRatio: number;
}

export function speakerSeparation(items: { speaker: string; vector: Float64Array }[]): SpeakerSeparation {
  const dim = items[0].vector.length;
  const global = new Float64Array(dim);
  for (const it of items) for (let d = 0; d < dim; d++) global[d] += it.vector[d] / items.length;
  const centered = items.map((it) => ({ speaker: it.speaker, v: it.vector.map((x, d) => x - global[d]) }));
  const bySpeaker = Map.groupBy(centered, (c) => c.speaker);
  const sumOf = (vs: Float64Array[]) => vs.reduce((s, v) => s.map((x, d) => x + v[d]), new Float64Array(dim));
  const cos = (a: Float64Array, b: Float64Array) => {
    let ab = 0, aa = 0, bb = 0;
    for (let d = 0; d < dim; d++) (ab += a[d] * b[d]), (aa += a[d] * a[d]), (bb += b[d] * b[d]);
    return ab / Math.sqrt(aa * bb + 1e-30);
  };
  const sums = new Map([...bySpeaker].map(([s, cs]) => [s, sumOf(cs.map((c) => c.v))]));
  let correct = 0;
  for (const c of centered) {
    let best = "", bestScore = -Infinity;
    for (const [s, total] of sums) {
      const n = bySpeaker.get(s)!.length - (s === c.speaker ? 1 : 0);
      if (n === 0) continue;
      const centroid = total.map((x, d) => (x - (s === c.speaker ? c.v[d] : 0)) / n);
      const score = cos(c.v, centroid);
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    if (best === c.speaker) correct++;
  }
  let between = 0, within = 0;
  for (let d = 0; d < dim; d++) {
    const means = [...bySpeaker].map(([s, cs]) => sums.get(s)![d] / cs.length);
    between += means.reduce((a, m) => a + m * m, 0) / means.length;
    within += [...bySpeaker].reduce((a, [s, cs]) => {
      const m = sums.get(s)![d] / cs.length;
      return a + cs.reduce((b, c) => b + (c.v[d] - m) ** 2, 0) / cs.length;
    }, 0) / bySpeaker.size;
  }
  return {
    speakers: bySpeaker.size,
    utterances: items.length,
    identification: correct / items.length,
    fRatio: between / within,
  };
}
