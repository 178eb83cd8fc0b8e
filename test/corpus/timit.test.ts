// The TIMIT reader: layout, case, audio formats, splits, and a clear error for every kind of bad input.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { decodeAudio, encodeSphere, readAudio } from "../../src/corpus/audio.ts";
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

test("a folder without TRAIN/ or TEST/ is a clear error", () => {
  const root = Deno.makeTempDirSync();
  assert.throws(() => openTimit(root), /no TRAIN\/ or TEST\/ folder/);
});

test.run();
