// Kaldi data dirs read back with validate_data_dir.sh's checks, and feature dirs whose features must be finite.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { CmvnStats } from "../../src/features/cmvn.ts";
import { loadFeatures } from "../../src/features/extract.ts";
import { ArkWriter } from "../../src/io/ark.ts";
import { compareKeys, type DataDir, readDataDir, writeDataDir } from "../../src/io/datadir.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";

const UTTS = [["mdab0_si3", "mdab0"], ["fcjf0_sx2", "fcjf0"], ["fcjf0_si1", "fcjf0"]];

/** A feature dir of three utterances (two speakers) as extractFeatures writes one, fcjf0_sx2 with one feature set
 * to `badValue` and `badCols` columns (left out of the CMVN statistics). */
async function featureDir(badValue = 0, badCols = 2): Promise<string> {
  const dir = Deno.makeTempDirSync({ prefix: "phl-datadir-" });
  const data: DataDir = {
    wavScp: new Map(UTTS.map(([u]) => [u, `/corpus/${u}.wav`])),
    text: new Map(UTTS.map(([u]) => [u, ["sil", "sh", "iy", "sil"]])),
    utt2spk: new Map(UTTS.map(([u, s]) => [u, s])),
    spk2gender: new Map([["mdab0", "m"], ["fcjf0", "f"]]),
  };
  await writeDataDir(dir, data);
  const feats = new ArkWriter(join(dir, "feats.ark"), "matrix", { scp: join(dir, "feats.scp") });
  const stats = new Map<string, CmvnStats>();
  for (const [u, s] of [...UTTS].sort()) {
    const bad = u === "fcjf0_sx2", cols = bad ? badCols : 2;
    const x = featureMatrix(3, cols, Float32Array.from({ length: 3 * cols }, (_, i) => i + u.length));
    if (bad) x.data[4] = badValue;
    else stats.set(s, (stats.get(s) ?? new CmvnStats(2)).add(x));
    feats.write(u, x);
  }
  feats.close();
  const cmvn = new ArkWriter(join(dir, "cmvn.ark"), "matrix", { scp: join(dir, "cmvn.scp") });
  for (const s of ["fcjf0", "mdab0"]) cmvn.write(s, stats.get(s)!.toMatrix());
  cmvn.close();
  return dir;
}

test("Kaldi's key order is C-locale byte order (code points), as LC_ALL=C sort gives", () => {
  const keys = ["b", "a_b", "\u{1F600}", "a", "\uE000", "A", "a-b"];
  const want = ["A", "a", "a-b", "a_b", "b", "\uE000", "\u{1F600}"];
  assert.equal([...keys].sort(compareKeys), want);
  assert.not.equal([...keys].sort(), want); // UTF-16 order puts U+1F600 before U+E000
  const sorted = new Deno.Command("sort", {
    env: { LC_ALL: "C" },
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = sorted.stdin.getWriter();
  writer.write(new TextEncoder().encode(keys.join("\n") + "\n")).then(() => writer.close());
  return sorted.output().then((o) =>
    assert.equal(new TextDecoder().decode(o.stdout).trim().split("\n"), want)
  );
});

test("writeDataDir writes every file in Kaldi's order; readDataDir and loadFeatures accept the dir", async () => {
  const dir = await featureDir();
  assert.equal(
    Deno.readTextFileSync(join(dir, "utt2spk")),
    "fcjf0_si1 fcjf0\nfcjf0_sx2 fcjf0\nmdab0_si3 mdab0\n",
  );
  assert.equal(Deno.readTextFileSync(join(dir, "spk2utt")), "fcjf0 fcjf0_si1 fcjf0_sx2\nmdab0 mdab0_si3\n");
  assert.equal(Deno.readTextFileSync(join(dir, "spk2gender")), "fcjf0 f\nmdab0 m\n");
  const back = readDataDir(dir);
  assert.equal([...back.utt2spk.keys()], ["fcjf0_si1", "fcjf0_sx2", "mdab0_si3"]);
  assert.equal([...loadFeatures(dir).keys()], ["fcjf0_si1", "fcjf0_sx2", "mdab0_si3"]);
});

/** Each way a data dir can disagree with itself: the edit to one file, and the error it must give. */
const BROKEN: [file: string, edit: (text: string) => string, message: string][] = [
  [
    "utt2spk",
    (t) => t.replace(/^(.*\n)(.*\n)/, "$2$1"),
    "utt2spk:2: key 'fcjf0_si1' is out of order: it sorts before 'fcjf0_sx2' on line 1; Kaldi wants data-dir files sorted by key in C-locale byte order (LC_ALL=C sort)",
  ],
  ["utt2spk", (t) => t + "fcjf0_si1 fcjf0\n", "utt2spk:4: duplicate key 'fcjf0_si1' (first on line 1)"],
  [
    "utt2spk",
    (t) => t.replace("fcjf0_si1 fcjf0", "fcjf0_si1 fcjf0 f"),
    "utt2spk:1: expected 'fcjf0_si1' and 1 value, got 2",
  ],
  [
    "utt2spk",
    (t) => t.replace("fcjf0_sx2 fcjf0", "fcjf0_sx2 aaaa0"),
    "utt2spk:2: speaker 'aaaa0' of 'fcjf0_sx2' sorts before 'fcjf0' on line 1; Kaldi wants utt2spk sorted by speaker too (make speaker ids prefixes of utterance ids)",
  ],
  [
    "spk2utt",
    (t) => t.replace(" fcjf0_sx2", ""),
    "spk2utt: no entry for utterance 'fcjf0_sx2' (DIR/utt2spk:2 has it)",
  ],
  [
    "spk2utt",
    (t) => t.replace(" fcjf0_sx2", "").replace("mdab0 ", "mdab0 fcjf0_sx2 "),
    "spk2utt:2: utterance 'fcjf0_sx2' of speaker 'mdab0' has speaker 'fcjf0' in utt2spk",
  ],
  [
    "spk2utt",
    (t) => t.replace("mdab0 ", "mdab0 fcjf0_sx2 "),
    "spk2utt:2: utterance 'fcjf0_sx2' of speaker 'mdab0' is also on line 1",
  ],
  [
    "spk2utt",
    (t) => t.replace("fcjf0_si1 fcjf0_sx2", "fcjf0_sx2 fcjf0_si1"),
    "spk2utt:1: utterance 'fcjf0_si1' of speaker 'fcjf0' sorts before 'fcjf0_sx2' listed ahead of it; Kaldi wants them sorted",
  ],
  ["spk2utt", (t) => t + "zzzz0 zzzz0_si1\n", "spk2utt:3: speaker 'zzzz0' has no utterance in utt2spk"],
  [
    "text",
    (t) => t.replace(/mdab0_si3.*\n/, ""),
    "text: no line for utterance 'mdab0_si3' (DIR/utt2spk:3 has it)",
  ],
  [
    "wav.scp",
    (t) => t + "mdab0_si4 /corpus/x.wav\n",
    "wav.scp:4: utterance 'mdab0_si4' is not in DIR/utt2spk",
  ],
  ["spk2gender", (t) => t.replace("mdab0 m", "mdab0 x"), "spk2gender:2: gender 'x' is neither m nor f"],
  [
    "spk2gender",
    (t) => t.replace("mdab0 m\n", ""),
    "spk2gender: no line for speaker 'mdab0' (DIR/spk2utt:2 has it)",
  ],
  [
    "feats.scp",
    (t) => t.replace(/fcjf0_sx2.*\n/, ""),
    "feats.scp: no line for utterance 'fcjf0_sx2' (DIR/utt2spk:2 has it)",
  ],
  [
    "feats.scp",
    (t) => t.replace(/^(.*\n)(.*\n)/, "$2$1"),
    "feats.scp:2: key 'fcjf0_si1' is out of order: it sorts before 'fcjf0_sx2' on line 1; Kaldi wants data-dir files sorted by key in C-locale byte order (LC_ALL=C sort)",
  ],
  [
    "cmvn.scp",
    (t) => t.replace(/mdab0.*\n/, ""),
    "cmvn.scp: no line for speaker 'mdab0' (DIR/spk2utt:2 has it)",
  ],
];

test("a data dir that disagrees with itself is an error naming the file, line and key", async () => {
  for (const [name, edit, message] of BROKEN) {
    const dir = await featureDir(), path = join(dir, name);
    const before = Deno.readTextFileSync(path), after = edit(before);
    assert.not.equal(after, before, `the edit of ${name} for '${message}' changed nothing`);
    Deno.writeTextFileSync(path, after);
    assert.throws(
      () => readDataDir(dir),
      (e: Error) => e.message === `${dir}/${message.replaceAll("DIR/", `${dir}/`)}`,
    );
    assert.throws(() => loadFeatures(dir), (e: Error) => e.message.startsWith(path));
  }
});

test("features with NaN or Inf, or of another dimension, are errors naming the utterance and archive", async () => {
  const ark = (dir: string) => join(dir, "feats.ark");
  for (const [value, what] of [[NaN, "NaN"], [Infinity, "+Inf"]] as const) {
    const dir = await featureDir(value);
    for (const cmn of ["speaker", "none"] as const) {
      assert.throws(
        () => loadFeatures(dir, cmn),
        (e: Error) =>
          e.message.startsWith(`${ark(dir)}: key 'fcjf0_sx2', byte `) &&
          e.message.endsWith(`: ${what} at row 2, column 0`),
      );
    }
  }
  const dir = await featureDir(0, 3);
  assert.throws(
    () => loadFeatures(dir, "none"),
    (e: Error) =>
      e.message.startsWith(`${ark(dir)}: key 'fcjf0_sx2', byte `) &&
      e.message.endsWith(`: 3 columns, but 'fcjf0_si1' (also in ${join(dir, "feats.scp")}) has 2`),
  );
});

test.run();
