// Renders one utterance of the default corpus: synthesis, TIMIT labels, then room, noise and channel at 16 kHz.
import type { Segment } from "../timit.ts";
import { Rng } from "../../util/rng.ts";
import { convolve, design, filter, meanSquare, pinkNoise, resample, roomImpulse, whiteNoise } from "./dsp.ts";
import type { Espeak } from "./espeak.ts";
import { labelSynthesis } from "./labels.ts";
import { brownSentences } from "./sentences.ts";
import {
  type Channel,
  type CorpusPreset,
  drawConditions,
  drawVoice,
  REGION_ACCENTS,
  type UtteranceConditions,
  variantFile,
  type Voice,
} from "./voices.ts";

export const SAMPLE_RATE = 16000;

export interface RenderedUtterance {
  samples: Int16Array;
  phones: Segment[];
  words: Segment[];
}

/** Maps synthesizer sample positions to the output: resampled, shifted by the leading silence. */
function positionMap(from: number, offset: number, lead: number) {
  return (sample: number) => lead + Math.round(((sample - offset) * SAMPLE_RATE) / from);
}

/** Moves segment boundaries through `map`, dropping segments that become empty, keeping them contiguous. */
function mapSegments(segments: Segment[], map: (s: number) => number): Segment[] {
  const out: Segment[] = [];
  for (const s of segments) {
    const start = out.length ? out[out.length - 1].end : map(s.start), end = map(s.end);
    if (end > start) out.push({ start, end, label: s.label });
  }
  return out;
}

/**
 * Babble: six synthetic talkers, each reading sentences back to back, summed; 12 s at 16 kHz, unit power.
 * Made from a fixed stream, so every worker builds the same one.
 */
export function babbleBank(espeak: Espeak, preset: CorpusPreset): Float32Array {
  const rng = new Rng("babble bank");
  const sentences = brownSentences();
  const length = 12 * SAMPLE_RATE;
  const mix = new Float32Array(length);
  for (let talker = 0; talker < 6; talker++) {
    const sex = talker % 2 ? "f" : "m";
    const voice = drawVoice(0, `babble${talker}`, sex, 1 + rng.int(REGION_ACCENTS.length), preset);
    let at = rng.int(SAMPLE_RATE);
    while (at < length) {
      const synth = espeak.synthesize(
        rng.pick(sentences),
        voice.accent,
        variantFile(voice, { rateFactor: 1, pitchFactor: 1 }),
      );
      const audio = resample(Float32Array.from(synth.audio), synth.sampleRate, SAMPLE_RATE);
      const gain = 1 / Math.sqrt(meanSquare(audio) + 1e-9);
      for (let i = 0; i < audio.length && at + i < length; i++) mix[at + i] += audio[i] * gain;
      at += audio.length;
    }
  }
  const g = 1 / Math.sqrt(meanSquare(mix));
  return mix.map((v) => v * g);
}

function noiseOf(
  kind: UtteranceConditions["noise"],
  rng: Rng,
  n: number,
  babble: Float32Array,
): Float32Array {
  if (kind === "white") return whiteNoise(rng, n);
  if (kind === "pink") return pinkNoise(rng, n);
  const out = new Float32Array(n);
  let at = rng.int(babble.length);
  for (let i = 0; i < n; i++, at = (at + 1) % babble.length) out[i] = babble[at];
  return out;
}

export interface RenderInput {
  seed: number;
  utteranceId: string;
  text: string;
  voice: Voice;
  channel: Channel;
  /** The speaker's room response at 16 kHz (null for no reverberation). */
  room: Float32Array | null;
  preset: CorpusPreset;
  babble: Float32Array;
}

export function roomOf(seed: number, speaker: string, channel: Channel): Float32Array | null {
  return channel.rt60 === null
    ? null
    : roomImpulse(new Rng(seed, "room", speaker), channel.rt60, channel.drrDb, SAMPLE_RATE);
}

export function renderUtterance(espeak: Espeak, input: RenderInput): RenderedUtterance {
  const { seed, utteranceId, text, voice, channel, preset } = input;
  const conditions = drawConditions(seed, utteranceId, preset);
  const synth = espeak.synthesize(text, voice.accent, variantFile(voice, conditions));
  const labels = labelSynthesis(synth, text);

  const speech = resample(
    Float32Array.from(synth.audio.subarray(labels.speechStart, labels.speechEnd)),
    synth.sampleRate,
    SAMPLE_RATE,
  );
  const lead = Math.round(conditions.leadSeconds * SAMPLE_RATE),
    trail = Math.round(conditions.trailSeconds * SAMPLE_RATE);
  let x: Float32Array = new Float32Array(lead + speech.length + trail);
  x.set(speech, lead);
  const map = positionMap(synth.sampleRate, labels.speechStart, lead);
  const speechEnd = map(labels.speechEnd);
  const phones = [
    { start: 0, end: lead, label: "h#" },
    ...mapSegments(labels.phones, map),
    { start: speechEnd, end: x.length, label: "h#" },
  ];
  const words = labels.words.map((w) => ({ start: map(w.start), end: map(w.end), label: w.label }));

  if (input.room) x = convolve(x, input.room);
  if (conditions.noise) {
    const noise = noiseOf(conditions.noise, new Rng(seed, "noise", utteranceId), x.length, input.babble);
    const gain = Math.sqrt(
      meanSquare(x, lead, speechEnd) / (meanSquare(noise) * 10 ** (conditions.snrDb / 10)),
    );
    for (let i = 0; i < x.length; i++) x[i] += gain * noise[i];
  }
  if (preset.channel) {
    filter(x, design.highpass(channel.highpassHz, SAMPLE_RATE));
    filter(x, design.lowpass(channel.lowpassHz, SAMPLE_RATE));
    filter(x, design.peaking(channel.eqHz, SAMPLE_RATE, channel.eqGainDb, channel.eqQ));
    filter(x, design.highShelf(1000, SAMPLE_RATE, channel.tiltDb));
  }
  let gain = (32768 * 10 ** (channel.levelDbfs / 20)) / Math.sqrt(meanSquare(x, lead, speechEnd) + 1e-12);
  const peak = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  if (peak * gain > 32000) gain = 32000 / peak;
  const samples = Int16Array.from(x, (v) => Math.round(v * gain));
  return { samples, phones, words };
}
