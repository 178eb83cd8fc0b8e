// End to end: a small default corpus is deterministic, passes the reader's checks, and exports Kaldi data dirs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { generateCorpus } from "../../../src/corpus/synth/generate.ts";
import { PRESETS } from "../../../src/corpus/synth/voices.ts";
import { readAudio } from "../../../src/corpus/audio.ts";
import { openTimit, readPhones, readWords, scanTimit, standardSplits } from "../../../src/corpus/timit.ts";
import { dataDirOf, readDataDir, writeDataDir } from "../../../src/io/datadir.ts";
import { PHONES_48 } from "../../../src/corpus/phones.ts";

const counts = { train: 2, dev: 1, test: 1, extra: 1 };
const options = { seed: 7, presetName: "default", preset: PRESETS.default, counts };

function digest(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory) walk(p);
      else out.set(p.slice(root.length), createHash("sha256").update(Deno.readFileSync(p)).digest("hex"));
    }
  };
  walk(root);
  return out;
}

const base = Deno.makeTempDirSync({ prefix: "phl-gen-" });
const one = join(base, "one"), two = join(base, "two");

test("the same seed gives byte-identical files with 1 or 2 workers", async () => {
  await generateCorpus({ ...options, out: one, jobs: 1 });
  await generateCorpus({ ...options, out: two, jobs: 2 });
  const a = digest(one), b = digest(two);
  assert.is(a.size, 5 * 10 * 4 + 2);
  assert.equal([...a], [...b]);
  assert.not.ok(Deno.readDirSync(base).some((e) => e.name.endsWith(".partial")));
});

function copyDir(from: string, to: string) {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    if (e.isDirectory) copyDir(join(from, e.name), join(to, e.name));
    else Deno.copyFileSync(join(from, e.name), join(to, e.name));
  }
}

test("a killed run resumes: finished speakers are kept, a half-written one is redone, the result is the same", async () => {
  const three = join(base, "three");
  const partial = `${three}.partial`;
  copyDir(join(one, "TRAIN"), join(partial, "TRAIN"));
  Deno.copyFileSync(join(one, "corpus.json"), join(partial, "corpus.json"));
  const half = join(partial, "TEST", "DR1", "MDAB0.tmp");
  Deno.mkdirSync(half, { recursive: true });
  Deno.writeTextFileSync(join(half, "SA1.PHN"), "0 10 h#\n");
  const { resumedSpeakers } = await generateCorpus({ ...options, out: three, jobs: 2 });
  assert.is(resumedSpeakers, 2);
  assert.equal([...digest(three)], [...digest(one)]);
});

test("the TIMIT reader reads it unchanged and finds no problem", () => {
  const { utterances, problems } = scanTimit(one);
  let stops = 0, closed = 0;
  assert.equal(problems, []);
  const splits = standardSplits(utterances);
  assert.equal([splits.train.length, splits.dev.length, splits.test.length], [16, 8, 8]);
  for (const u of utterances) {
    const audio = readAudio(u.wav);
    const phones = readPhones(u, audio.samples.length);
    assert.is(audio.sampleRate, 16000);
    assert.is(phones[0].label, "h#");
    assert.is(phones[phones.length - 1].label, "h#");
    assert.is(phones[phones.length - 1].end, audio.samples.length);
    phones.forEach((p, i) => {
      if (!/^([ptkbdg]|ch|jh)$/.test(p.label)) return;
      stops++;
      if (phones[i - 1].label.endsWith("cl")) closed++;
    });
    const words = readWords(u, audio.samples.length);
    assert.ok(words.length >= 3 && words.every((w) => w.start >= phones[1].start));
  }
  assert.ok(closed / stops > 0.6, `${closed} of ${stops} stops have a closure`);
  const manifest = JSON.parse(Deno.readTextFileSync(join(one, "speakers.json")));
  assert.is(manifest.length, 5);
  assert.equal(Object.keys(manifest[0].utterances).length, 10);
});

test("Kaldi data dirs: 48-phone text, utt2spk, spk2utt, spk2gender round-trip", async () => {
  const splits = standardSplits(openTimit(one));
  const dir = join(base, "kaldi", "train");
  await writeDataDir(dir, dataDirOf(splits.train));
  const back = readDataDir(dir);
  assert.is(back.wavScp.size, 16);
  assert.ok([...back.text.values()].every((t) => t[0] === "sil" && t.every((p) => PHONES_48.includes(p))));
  assert.equal(new Set(back.utt2spk.values()).size, 2);
  const spk2utt = Deno.readTextFileSync(join(dir, "spk2utt")).trim().split("\n");
  assert.is(spk2utt.length, 2);
  assert.is(spk2utt[0].split(" ").length, 9);
});

test.after(() => Deno.removeSync(base, { recursive: true }));

test.run();
