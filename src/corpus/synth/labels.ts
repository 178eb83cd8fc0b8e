// eSpeak's phoneme events -> TIMIT's 61-phone labels and word segments, with documented rules for the splits.
import type { Segment } from "../timit.ts";
import type { Synthesis } from "./espeak.ts";

/** Stops and affricates, which TIMIT labels as a closure followed by a release. */
const CLOSURE: Record<string, string> = {
  p: "pcl",
  t: "tcl",
  k: "kcl",
  b: "bcl",
  d: "dcl",
  g: "gcl",
  ch: "tcl",
  jh: "dcl",
};

/**
 * eSpeak IPA (stress marks removed) -> TIMIT symbols. Two symbols mean one eSpeak segment spans two TIMIT phones
 * (r-coloured vowels, centring diphthongs, vowel + schwa): see SPLIT_AT. Accent-specific vowels map to the nearest
 * TIMIT vowel: British LOT ɒ -> aa, Scottish/Caribbean monophthongs eː oː -> ey ow, fronted ʉ -> ux.
 */
const IPA_TO_TIMIT: Record<string, string[]> = {
  "": ["pau"],
  // consonants
  p: ["p"],
  b: ["b"],
  t: ["t"],
  "t̪": ["t"],
  d: ["d"],
  k: ["k"],
  "ɡ": ["g"],
  g: ["g"],
  "tʃ": ["ch"],
  "dʒ": ["jh"],
  "ɾ": ["dx"],
  "ʔ": ["q"],
  f: ["f"],
  v: ["v"],
  "θ": ["th"],
  "ð": ["dh"],
  s: ["s"],
  z: ["z"],
  "ʃ": ["sh"],
  "ʒ": ["zh"],
  h: ["hh"],
  "ɦ": ["hv"],
  x: ["hh"],
  "ç": ["hh"],
  m: ["m"],
  n: ["n"],
  "ŋ": ["ng"],
  "n̩": ["en"],
  "m̩": ["em"],
  "əl": ["el"],
  "l̩": ["el"],
  l: ["l"],
  "ɫ": ["l"],
  "ɹ": ["r"],
  r: ["r"],
  w: ["w"],
  "ʍ": ["w"],
  j: ["y"],
  "ʲ": ["y"],
  // monophthongs
  "iː": ["iy"],
  i: ["iy"],
  "ɪ": ["ih"],
  "ᵻ": ["ix"],
  e: ["eh"],
  "ɛ": ["eh"],
  "æ": ["ae"],
  a: ["ae"],
  "ɑː": ["aa"],
  "ɑ": ["aa"],
  "aː": ["aa"],
  "a:": ["aa"],
  aa: ["aa"],
  "ɒ": ["aa"],
  "ɔː": ["ao"],
  "ɔ": ["ao"],
  "ʌ": ["ah"],
  "ɐ": ["ah"],
  "ə": ["ax"],
  "ʊ": ["uh"],
  "uː": ["uw"],
  u: ["uw"],
  "ʉ": ["ux"],
  "ʉː": ["ux"],
  "ɜː": ["er"],
  "ɜ": ["er"],
  "ɚ": ["axr"],
  "eː": ["ey"],
  "oː": ["ow"],
  o: ["ow"],
  // diphthongs
  "eɪ": ["ey"],
  ei: ["ey"],
  "əɪ": ["ey"],
  "ɛɪ": ["ey"],
  "aɪ": ["ay"],
  "ʌɪ": ["ay"],
  "ɑɪ": ["ay"],
  "ɔɪ": ["oy"],
  "oɪ": ["oy"],
  "ɒɪ": ["oy"],
  "aʊ": ["aw"],
  "æʊ": ["aw"],
  "ʌʊ": ["aw"],
  "ʌʉ": ["aw"],
  "ɑʊ": ["aw"],
  "ɐʊ": ["aw"],
  "oʊ": ["ow"],
  "əʊ": ["ow"],
  "əu": ["ow"],
  "ɔʊ": ["ow"],
  "ɵʊ": ["ow"],
  "ɵ": ["ow"],
  // one eSpeak segment, two TIMIT phones
  "ɪɹ": ["ih", "r"],
  "ɛɹ": ["eh", "r"],
  "ʊɹ": ["uh", "r"],
  "ʌɹ": ["ah", "r"],
  "ʉɹ": ["ux", "r"],
  "əɹ": ["ax", "r"],
  "ɑːɹ": ["aa", "r"],
  "ɑɹ": ["aa", "r"],
  "ɔːɹ": ["ao", "r"],
  "ɔɹ": ["ao", "r"],
  "ɜːɹ": ["er", "r"],
  "aɪɚ": ["ay", "axr"],
  "aʊɚ": ["aw", "axr"],
  "aɪə": ["ay", "ax"],
  "aʊə": ["aw", "ax"],
  "iə": ["iy", "ax"],
  "ɪə": ["ih", "ax"],
  "ɛə": ["eh", "ax"],
  "eə": ["eh", "ax"],
  "ʊə": ["uh", "ax"],
  "oə": ["ao", "ax"],
  "ɔə": ["ao", "ax"],
  "ɑə": ["aa", "ax"],
};

/** Where a two-phone segment is cut: the first phone gets this fraction of its duration. */
export const SPLIT_AT = 0.6;

/**
 * TIMIT symbols for one eSpeak phoneme. Unstressed ɪ and ɐ become the reduced ix and ax, as TIMIT labels them.
 * A segment not in the table is read as a length-marked vowel (ː dropped), or a vowel + r, or a vowel + schwa;
 * anything else is an error, never a guess.
 */
export function timitPhones(ipa: string): string[] {
  const stressed = /[ˈˌ]/.test(ipa);
  const key = ipa.replace(/[ˈˌ]/g, "");
  if (!stressed && key === "ɪ") return ["ix"];
  if (!stressed && key === "ɐ") return ["ax"];
  const known = IPA_TO_TIMIT[key] ?? IPA_TO_TIMIT[key.replace(/[ːː:]/g, "")];
  if (known) return known;
  const vowel = (v: string) => {
    const m = IPA_TO_TIMIT[v] ?? IPA_TO_TIMIT[v.replace(/[ːː:]/g, "")];
    return m?.length === 1 && /^[aeiou]/.test(m[0]) ? m[0] : null;
  };
  const r = /^(.+)[ɹr]$/.exec(key), schwa = /^(.+)[əɐ]$/.exec(key);
  if (r && vowel(r[1])) return [vowel(r[1])!, "r"];
  if (schwa && vowel(schwa[1])) return [vowel(schwa[1])!, "ax"];
  throw new Error(`no TIMIT mapping for eSpeak phoneme '${ipa}'`);
}

const FRAME = 22; // 1 ms at 22.05 kHz

/**
 * Where a stop's release starts inside its eSpeak segment [start, end), or null if it has no closure (no silent
 * stretch 12 dB below the segment's loudest millisecond). The release starts at the largest rise of
 * 1 ms log-energy in the middle of the segment (25% to 90% of its length).
 */
export function releaseStart(audio: Int16Array, start: number, end: number): number | null {
  const frames = Math.floor((end - start) / FRAME);
  if (frames < 4) return null;
  const logE: number[] = [];
  for (let f = 0; f < frames; f++) {
    let e = 0;
    for (let i = start + f * FRAME; i < start + (f + 1) * FRAME; i++) e += audio[i] * audio[i];
    logE.push(10 * Math.log10(e / FRAME + 1));
  }
  const lo = Math.max(1, Math.floor(frames * 0.25)), hi = Math.max(lo + 1, Math.floor(frames * 0.9));
  const quietest = Math.min(...logE.slice(0, hi));
  if (Math.max(...logE) - quietest < 12) return null;
  let best = lo, bestRise = -Infinity;
  for (let f = lo; f < hi; f++) {
    const rise = logE[f] - logE[f - 1];
    if (rise > bestRise) [best, bestRise] = [f, rise];
  }
  return start + best * FRAME;
}

export interface UtteranceLabels {
  /** 61-phone segments of the speech, pauses labelled pau, in synthesizer samples; no h# yet. */
  phones: Segment[];
  words: Segment[];
  /** The speech span: first phoneme start to last phoneme end. */
  speechStart: number;
  speechEnd: number;
}

/** Builds TIMIT labels from a synthesis of `text`. */
export function labelSynthesis(synth: Synthesis, text: string): UtteranceLabels {
  const { audio, events } = synth;
  const raw: { ipa: string; start: number; end: number; word: number }[] = [];
  let word = -1;
  const wordInfo: { textPosition: number; textLength: number }[] = [];
  const endSample = audio.length;
  for (let i = 0; i < events.length; i++) {
    const ev = events[i];
    if (ev.type === "word") {
      word = wordInfo.length;
      wordInfo.push(ev);
    }
    if (ev.type !== "phoneme") continue;
    const next = events.slice(i + 1).find((e) => e.type === "phoneme" || e.type === "end");
    const end = next ? next.sample : endSample;
    if (end > ev.sample) raw.push({ ipa: ev.id, start: ev.sample, end, word: ev.id === "" ? -1 : word });
  }
  const first = raw.findIndex((r) => r.ipa !== "");
  let last = raw.length - 1;
  while (last >= 0 && raw[last].ipa === "") last--;
  if (first < 0) throw new Error(`eSpeak produced no phonemes for '${text}'`);
  const speech = raw.slice(first, last + 1);

  const phones: Segment[] = [];
  const push = (label: string, start: number, end: number) => {
    const prev = phones[phones.length - 1];
    if (label === "pau" && prev?.label === "pau") prev.end = end;
    else if (end > start) phones.push({ start, end, label });
  };
  for (const r of speech) {
    const symbols = timitPhones(r.ipa);
    if (symbols.length === 2) {
      const cut = r.start + Math.round((r.end - r.start) * SPLIT_AT);
      push(symbols[0], r.start, cut);
      push(symbols[1], cut, r.end);
    } else if (CLOSURE[symbols[0]]) {
      const release = releaseStart(audio, r.start, r.end);
      if (release !== null) push(CLOSURE[symbols[0]], r.start, release);
      push(symbols[0], release ?? r.start, r.end);
    } else push(symbols[0], r.start, r.end);
  }

  const words: Segment[] = [];
  for (let w = 0; w < wordInfo.length; w++) {
    const own = speech.filter((r) => r.word === w);
    if (own.length === 0) continue;
    const { textPosition, textLength } = wordInfo[w];
    const label = text.slice(textPosition - 1, textPosition - 1 + textLength).toLowerCase().replace(
      /[^a-z'-]/g,
      "",
    );
    if (label) words.push({ start: own[0].start, end: own[own.length - 1].end, label });
  }
  return { phones, words, speechStart: speech[0].start, speechEnd: speech[speech.length - 1].end };
}
