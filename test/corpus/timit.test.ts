// The TIMIT reader: layout, case, audio formats, splits, and a clear error for every kind of bad input.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { decodeAudio, encodeSphere, encodeWav, readAudio } from "../../src/corpus/audio.ts";
import {
  CorpusError,
  DEV_SPEAKERS,
  openTimit,
  readPhones,
  readTranscript,
  readWords,
  scanTimit,
  standardSplits,
  TEST_SPEAKERS,
} from "../../src/corpus/timit.ts";
import { makeCorpus, smallCorpus, tone } from "./fixture.ts";

test("speaker lists: 50 dev and 24 core test, disjoint", () => {
  assert.is(DEV_SPEAKERS.length, 50);
  assert.is(TEST_SPEAKERS.length, 24);
  assert.is(new Set([...DEV_SPEAKERS, ...TEST_SPEAKERS]).size, 74);
});

for (const lowerCase of [false, true]) {
  test(`reads a corpus with ${lowerCase ? "lower" : "upper"}-case names and makes the standard splits`, () => {
    const root = smallCorpus({ lowerCase });
    const utts = openTimit(root);
    assert.is(utts.length, 9);
    const u = utts.find((x) => x.id === "fcjf0_si648")!;
    assert.equal([u.speaker, u.sex, u.dialect, u.set, u.kind], ["fcjf0", "f", 1, "train", "si"]);
    assert.equal(readPhones(u).map((s) => s.label), ["h#", "sh", "iy", "h#"]);
    assert.equal(readWords(u), [{ start: 100, end: 300, label: "she" }]);
    assert.is(readTranscript(u), "She.");
    const splits = standardSplits(utts);
    assert.equal(splits.train.map((x) => x.id), ["fcjf0_si648", "fcjf0_sx38"]);
    assert.equal(splits.dev.map((x) => x.id), ["faks0_si648", "faks0_sx38"]);
    assert.equal(splits.test.map((x) => x.id), ["mdab0_si648", "mdab0_sx38"]);
  });
}

test("SPHERE little- and big-endian and RIFF decode to the same samples", () => {
  const x = tone(50);
  const le = encodeSphere(x, 16000);
  const header = new TextDecoder().decode(le.subarray(0, 1024)).replace(
    "sample_byte_format -s2 01",
    "sample_byte_format -s2 10",
  );
  const be = new Uint8Array(le);
  be.set(new TextEncoder().encode(header));
  for (let i = 0; i < 50; i++) [be[1024 + 2 * i], be[1025 + 2 * i]] = [le[1025 + 2 * i], le[1024 + 2 * i]];
  assert.equal([...decodeAudio(le, "le").samples], [...x]);
  assert.equal([...decodeAudio(be, "be").samples], [...x]);
  const root = makeCorpus([{ set: "TRAIN", dr: 2, speaker: "MABC0", sentence: "SX10", riff: true }]);
  const u = openTimit(root)[0];
  assert.equal([...readAudio(u.wav).samples], [...tone(400)]);
  assert.is(readAudio(u.wav).sampleRate, 16000);
});

function problemsOf(root: string) {
  return scanTimit(root).problems.map((p) =>
    `${p.file.slice(root.length + 1)}${p.line ? `:${p.line}` : ""}: ${p.message}`
  );
}

test("bad audio files are named with the field at fault", () => {
  const root = smallCorpus();
  const dir = join(root, "TRAIN/DR1/FCJF0");
  const good = Deno.readFileSync(join(dir, "SA1.WAV"));
  Deno.writeFileSync(join(dir, "SA1.WAV"), good.subarray(0, 1024 + 300)); // truncated
  Deno.writeFileSync(join(dir, "SI648.WAV"), new TextEncoder().encode("this is not audio at all"));
  Deno.writeFileSync(join(dir, "SX38.WAV"), new Uint8Array([...good, 0, 0, 0, 0])); // more data than sample_count
  const problems = problemsOf(root);
  assert.equal(problems, [
    "TRAIN/DR1/FCJF0/SA1.WAV: sample_count: header says 400 samples but the file holds 150 (truncated)",
    "TRAIN/DR1/FCJF0/SI648.WAV: header: neither NIST SPHERE (NIST_1A) nor RIFF WAV",
    "TRAIN/DR1/FCJF0/SX38.WAV: sample_count: header says 400 samples but the file holds 402",
  ]);
});

test("bad PHN files: order, overlap, gap, past the end, unknown symbol, missing file", () => {
  const root = makeCorpus([
    {
      set: "TRAIN",
      dr: 1,
      speaker: "FCJF0",
      sentence: "SX1",
      phones: [[0, 100, "h#"], [200, 300, "sh"], [100, 200, "iy"]],
    },
    {
      set: "TRAIN",
      dr: 1,
      speaker: "FCJF0",
      sentence: "SX2",
      phones: [[0, 100, "h#"], [90, 200, "sh"], [200, 400, "h#"]],
    },
    {
      set: "TRAIN",
      dr: 1,
      speaker: "FCJF0",
      sentence: "SX3",
      phones: [[0, 100, "h#"], [120, 200, "sh"], [200, 400, "h#"]],
    },
    { set: "TRAIN", dr: 1, speaker: "FCJF0", sentence: "SX4", phones: [[0, 100, "h#"], [100, 450, "h#"]] },
    { set: "TRAIN", dr: 1, speaker: "FCJF0", sentence: "SX5", phones: [[0, 100, "h#"], [100, 400, "zz"]] },
    { set: "TRAIN", dr: 1, speaker: "FCJF0", sentence: "SX6" },
  ]);
  Deno.removeSync(join(root, "TRAIN/DR1/FCJF0/SX6.PHN"));
  assert.equal(problemsOf(root), [
    "TRAIN/DR1/FCJF0/SX1.PHN:2: gap: starts at 200 but the previous segment ends at 100",
    "TRAIN/DR1/FCJF0/SX1.PHN:3: out of order: starts at 100, before the previous segment (200)",
    "TRAIN/DR1/FCJF0/SX2.PHN:2: overlaps the previous segment (starts at 90, previous ends at 100)",
    "TRAIN/DR1/FCJF0/SX3.PHN:2: gap: starts at 120 but the previous segment ends at 100",
    "TRAIN/DR1/FCJF0/SX4.PHN:2: segment ends at 450, past the audio end (400 samples)",
    "TRAIN/DR1/FCJF0/SX5.PHN:2: unknown phone symbol 'zz'",
    "TRAIN/DR1/FCJF0/SX6.WAV: no PHN beside it",
  ]);
  assert.throws(
    () => openTimit(root),
    (e: Error) => e instanceof CorpusError && /7 problem\(s\)/.test(e.message),
  );
});

/** A SPHERE file with one header field replaced (the header stays 1024 bytes). */
function sphereWith(samples: Int16Array, from: string, to: string): Uint8Array {
  const out = encodeSphere(samples, 16000);
  const text = new TextDecoder().decode(out.subarray(0, 1024)).replace(from, to);
  out.set(new TextEncoder().encode(text.padEnd(1024, " ").slice(0, 1024)));
  return out;
}

/** A RIFF file with one 16-bit fmt field (at its byte offset) set to `value`. */
function wavWith(samples: Int16Array, offset: number, value: number): Uint8Array {
  const out = encodeWav(samples, 16000);
  new DataView(out.buffer).setUint16(offset, value, true);
  return out;
}

test("audio other than 16 kHz mono 16-bit is an error naming the file and header field", () => {
  const root = makeCorpus(
    ["SA1", "SA2", "SI1", "SI2", "SX1", "SX2", "SX3"].map((sentence) => ({
      set: "TRAIN" as const,
      dr: 1,
      speaker: "FCJF0",
      sentence,
    })),
  );
  const dir = join(root, "TRAIN/DR1/FCJF0"), x = tone(400);
  Deno.writeFileSync(join(dir, "SA1.WAV"), encodeSphere(x, 8000));
  Deno.writeFileSync(join(dir, "SA2.WAV"), encodeWav(x, 8000));
  Deno.writeFileSync(join(dir, "SI1.WAV"), sphereWith(x, "channel_count -i 1", "channel_count -i 2"));
  Deno.writeFileSync(join(dir, "SI2.WAV"), sphereWith(x, "sample_n_bytes -i 2", "sample_n_bytes -i 1"));
  Deno.writeFileSync(join(dir, "SX1.WAV"), wavWith(x, 22, 2)); // channels
  Deno.writeFileSync(join(dir, "SX2.WAV"), wavWith(x, 34, 8)); // bits per sample
  Deno.writeFileSync(join(dir, "SX3.WAV"), wavWith(x, 32, 4)); // block align
  const hint = "phl reads 16000 Hz audio only (TIMIT's rate); resample first, e.g. sox IN -r 16000 OUT";
  assert.equal(problemsOf(root), [
    `TRAIN/DR1/FCJF0/SA1.WAV: sample_rate: 8000 Hz; ${hint}`,
    `TRAIN/DR1/FCJF0/SA2.WAV: fmt: sample rate 8000 Hz; ${hint}`,
    "TRAIN/DR1/FCJF0/SI1.WAV: channel_count: 2 channels; phl reads mono audio only",
    "TRAIN/DR1/FCJF0/SI2.WAV: sample_n_bytes: 1-byte samples; phl reads 16-bit PCM only",
    "TRAIN/DR1/FCJF0/SX1.WAV: fmt: 2 channels; phl reads mono audio only",
    "TRAIN/DR1/FCJF0/SX2.WAV: fmt: 8-bit samples; phl reads 16-bit PCM only",
    "TRAIN/DR1/FCJF0/SX3.WAV: fmt: block align 4 bytes; mono 16-bit PCM has 2",
  ]);
  const wav = join(dir, "SA1.WAV");
  assert.throws(() => readAudio(wav), (e: Error) => e.message === `${wav}: sample_rate: 8000 Hz; ${hint}`);
});

test("PHN labels must cover the audio to within 4000 samples (0.25 s) at each end", () => {
  const utt = (sentence: string, phones: [number, number, string][]) => ({
    set: "TRAIN" as const,
    dr: 1,
    speaker: "FCJF0",
    sentence,
    samples: 10000,
    phones,
  });
  const root = makeCorpus([
    utt("SX1", [[0, 3000, "h#"], [3000, 5999, "sh"]]), // 4001 samples unlabelled at the end
    utt("SX2", [[0, 3000, "h#"], [3000, 6000, "sh"]]), // 4000: accepted
    utt("SX3", [[4001, 8000, "sh"], [8000, 10000, "h#"]]), // 4001 unlabelled at the start
    utt("SX4", [[4000, 8000, "sh"], [8000, 10000, "h#"]]), // 4000: accepted
  ]);
  assert.equal(problemsOf(root), [
    "TRAIN/DR1/FCJF0/SX1.PHN:2: labels end at sample 5999 of 10000: 4001 samples (0.2501 s) unlabelled after " +
    "them, more than the 4000-sample (0.25 s) tolerance (is the closing h# missing?)",
    "TRAIN/DR1/FCJF0/SX3.PHN:1: labels start at sample 4001: 4001 samples (0.2501 s) unlabelled before them, " +
    "more than the 4000-sample (0.25 s) tolerance (is the opening h# missing?)",
  ]);
  assert.equal(scanTimit(root).utterances.map((u) => u.id), ["fcjf0_sx2", "fcjf0_sx4"]);
});

test("a folder without TRAIN/ or TEST/ is a clear error", () => {
  const root = Deno.makeTempDirSync();
  assert.throws(() => openTimit(root), /no TRAIN\/ or TEST\/ folder/);
});

test.run();
