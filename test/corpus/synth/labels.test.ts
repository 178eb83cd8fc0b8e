// eSpeak phonemes -> TIMIT labels: the symbol table, the two-phone split rule, closures, words, pauses.
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Synthesis, SynthEvent } from "../../../src/corpus/synth/espeak.ts";
import { labelSynthesis, releaseStart, SPLIT_AT, timitPhones } from "../../../src/corpus/synth/labels.ts";

test("maps eSpeak IPA to TIMIT symbols, stress-aware for reduced vowels", () => {
  assert.equal(timitPhones("ʃ"), ["sh"]);
  assert.equal(timitPhones("ˈiː"), ["iy"]);
  assert.equal(timitPhones("ɪ"), ["ix"]);
  assert.equal(timitPhones("ˈɪ"), ["ih"]);
  assert.equal(timitPhones("ɐ"), ["ax"]);
  assert.equal(timitPhones("ˈɐ"), ["ah"]);
  assert.equal(timitPhones("ɾ"), ["dx"]);
  assert.equal(timitPhones("ˈɑːɹ"), ["aa", "r"]);
  assert.equal(timitPhones("aɪɚ"), ["ay", "axr"]);
  assert.equal(timitPhones(""), ["pau"]);
});

test("unlisted segments follow the vowel+r and vowel+schwa rules, anything else is an error", () => {
  assert.equal(timitPhones("ˈeːɹ"), ["ey", "r"]);
  assert.equal(timitPhones("ʌə"), ["ah", "ax"]);
  assert.throws(() => timitPhones("ʘ"), /no TIMIT mapping for eSpeak phoneme 'ʘ'/);
});

function burst(silence: number, loud: number): Int16Array {
  return Int16Array.from(
    { length: silence + loud },
    (_, i) => (i < silence ? (i % 2 ? 3 : -3) : Math.round(3000 * Math.sin(i))),
  );
}

test("a stop's release starts where the energy jumps; no closure without a quiet stretch", () => {
  const audio = burst(22 * 30, 22 * 10); // 30 ms closure, 10 ms burst
  assert.is(releaseStart(audio, 0, audio.length), 22 * 30);
  const noisy = Int16Array.from({ length: 880 }, (_, i) => Math.round(3000 * Math.sin(i)));
  assert.is(releaseStart(noisy, 0, noisy.length), null);
});

const ev = (
  type: SynthEvent["type"],
  id: string,
  sample: number,
  textPosition = 0,
  textLength = 0,
): SynthEvent => ({
  type,
  id,
  sample,
  textPosition,
  textLength,
});

test("builds contiguous segments, splits two-phone segments at SPLIT_AT, adds closures, finds words", () => {
  const text = "Dark tea.";
  // d(closure+burst) ɑːɹ k | pause | t iː
  const audio = new Int16Array(4000);
  audio.set(burst(22 * 20, 22 * 5), 100);
  audio.set(burst(22 * 20, 22 * 5), 2500);
  const events = [
    ev("word", "1", 100, 1, 4),
    ev("phoneme", "d", 100),
    ev("phoneme", "ˈɑːɹ", 650),
    ev("phoneme", "k", 1650),
    ev("phoneme", "", 1900),
    ev("word", "2", 2500, 6, 3),
    ev("phoneme", "t", 2500),
    ev("phoneme", "ˈiː", 3050),
    ev("phoneme", "", 3600),
    ev("end", "0", 4000),
  ];
  const synth: Synthesis = { audio, sampleRate: 22050, events };
  const { phones, words, speechStart, speechEnd } = labelSynthesis(synth, text);
  const cut = 650 + Math.round(1000 * SPLIT_AT);
  assert.equal(phones, [
    { start: 100, end: 540, label: "dcl" },
    { start: 540, end: 650, label: "d" },
    { start: 650, end: cut, label: "aa" },
    { start: cut, end: 1650, label: "r" },
    { start: 1650, end: 1900, label: "k" },
    { start: 1900, end: 2500, label: "pau" },
    { start: 2500, end: 2940, label: "tcl" },
    { start: 2940, end: 3050, label: "t" },
    { start: 3050, end: 3600, label: "iy" },
  ]);
  assert.equal(words, [{ start: 100, end: 1900, label: "dark" }, { start: 2500, end: 3600, label: "tea" }]);
  assert.equal([speechStart, speechEnd], [100, 3600]);
});

test.run();
