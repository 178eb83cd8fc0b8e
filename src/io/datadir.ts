// Kaldi data directories (wav.scp, text, utt2spk, spk2utt, spk2gender): written from a corpus split, read back.
import { join, resolve } from "node:path";
import { map61to48 } from "../corpus/phones.ts";
import { readPhones, type Utterance } from "../corpus/timit.ts";
import { exists, writeDirAtomic } from "../util/fs.ts";

export interface DataDir {
  wavScp: Map<string, string>;
  text: Map<string, string[]>;
  utt2spk: Map<string, string>;
  spk2gender: Map<string, string>;
}

const lines = (rows: Iterable<string[]>) => [...rows].map((r) => r.join(" ")).join("\n") + "\n";

/** Kaldi's key order: the C-locale byte order of the UTF-8 text (LC_ALL=C sort), i.e. code point order. */
export function compareKeys(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a.codePointAt(i)!, y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Builds a data dir in memory: text holds the 48-phone transcript (61 -> 48, q deleted). */
export function dataDirOf(utterances: readonly Utterance[]): DataDir {
  const sorted = [...utterances].sort((a, b) => compareKeys(a.id, b.id));
  const dir: DataDir = { wavScp: new Map(), text: new Map(), utt2spk: new Map(), spk2gender: new Map() };
  for (const u of sorted) {
    dir.wavScp.set(u.id, resolve(u.wav));
    dir.text.set(u.id, map61to48(readPhones(u).map((s) => s.label)));
    dir.utt2spk.set(u.id, u.speaker);
    dir.spk2gender.set(u.speaker, u.sex);
  }
  return dir;
}

/** Each speaker's utterances, speakers and utterances in Kaldi's order. */
export function spk2utt(utt2spk: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [utt, spk] of utt2spk) out.set(spk, [...(out.get(spk) ?? []), utt]);
  return new Map([...out].sort(([a], [b]) => compareKeys(a, b)).map(([s, us]) => [s, us.sort(compareKeys)]));
}

/**
 * Writes the data dir atomically (a killed run leaves the old one or none, never half of one), keys in Kaldi's order.
 * A dir that already holds exactly these files is left as it is, so that jobs starting at once never replace it
 * under each other's reads.
 */
export async function writeDataDir(path: string, dir: DataDir) {
  const sorted = <V>(m: Map<string, V>) => [...m].sort(([a], [b]) => compareKeys(a, b));
  const files: Record<string, string> = {
    "wav.scp": lines(sorted(dir.wavScp).map(([u, w]) => [u, w])),
    text: lines(sorted(dir.text).map(([u, t]) => [u, ...t])),
    utt2spk: lines(sorted(dir.utt2spk).map(([u, s]) => [u, s])),
    spk2utt: lines([...spk2utt(dir.utt2spk)].map(([s, us]) => [s, ...us])),
    spk2gender: lines(sorted(dir.spk2gender).map(([s, g]) => [s, g])),
  };
  if (holdsExactly(path, files)) return;
  await writeDirAtomic(path, (tmp) => {
    for (const [name, text] of Object.entries(files)) Deno.writeTextFileSync(join(tmp, name), text);
  });
}

function holdsExactly(path: string, files: Record<string, string>): boolean {
  try {
    const names = [...Deno.readDirSync(path)].map((e) => e.name).sort();
    return names.join("\n") === Object.keys(files).sort().join("\n") &&
      names.every((n) => Deno.readTextFileSync(join(path, n)) === files[n]);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/** The audio file of a wav.scp entry: a path, or Kaldi's "sph2pipe -f wav PATH |" form. Other commands are errors. */
export function wavPath(entry: string, where: string): string {
  if (!entry.trim().endsWith("|")) return entry.trim();
  const m = /^\S*sph2pipe\s.*?(\S+\.(?:wav|sph|WAV|SPH))\s*\|$/.exec(entry.trim());
  if (!m) {
    throw new Error(`${where}: '${entry}' is a command; phl reads audio files (SPHERE or WAV) directly`);
  }
  return m[1];
}

interface Row {
  key: string;
  values: string[];
  line: number;
}

/**
 * One file of a data dir as rows "key values...": `count` values per key (a number, or "1+" / "0+" for at least
 * that many), keys unique and sorted in Kaldi's order. Any breach is an error naming the file and line.
 */
function readTable(file: string, count: number | "0+" | "1+"): Row[] {
  const rows: Row[] = [], lineOf = new Map<string, number>();
  Deno.readTextFileSync(file).split("\n").forEach((text, i) => {
    if (text.trim() === "") return;
    const [key, ...values] = text.trim().split(/\s+/), line = i + 1, prev = rows[rows.length - 1];
    const ok = count === "0+" || (count === "1+" ? values.length >= 1 : values.length === count);
    if (!ok) {
      const want = count === "1+" ? "at least 1 value" : `${count} value${count === 1 ? "" : "s"}`;
      throw new Error(`${file}:${line}: expected '${key}' and ${want}, got ${values.length}`);
    }
    if (lineOf.has(key)) {
      throw new Error(`${file}:${line}: duplicate key '${key}' (first on line ${lineOf.get(key)})`);
    }
    if (prev && compareKeys(key, prev.key) < 0) {
      throw new Error(
        `${file}:${line}: key '${key}' is out of order: it sorts before '${prev.key}' on line ${prev.line}; ` +
          "Kaldi wants data-dir files sorted by key in C-locale byte order (LC_ALL=C sort)",
      );
    }
    lineOf.set(key, line);
    rows.push({ key, values, line });
  });
  return rows;
}

/** Both files list the same keys (`what`: utterance or speaker); otherwise an error naming the key and line. */
function sameKeys(what: string, aFile: string, a: Row[], bFile: string, b: Row[]) {
  const inA = new Set(a.map((r) => r.key)), inB = new Set(b.map((r) => r.key));
  const missing = a.find((r) => !inB.has(r.key)), extra = b.find((r) => !inA.has(r.key));
  if (missing) {
    throw new Error(`${bFile}: no line for ${what} '${missing.key}' (${aFile}:${missing.line} has it)`);
  }
  if (extra) throw new Error(`${bFile}:${extra.line}: ${what} '${extra.key}' is not in ${aFile}`);
}

/**
 * Reads a data dir and checks it as Kaldi's utils/validate_data_dir.sh does: every file sorted by key with no
 * duplicates; utt2spk sorted by speaker too; spk2utt exactly the inverse of utt2spk; text, wav.scp and (when
 * present) feats.scp listing the utterances of utt2spk; spk2gender (m or f) and cmvn.scp (when present) the
 * speakers. The first problem is an error naming the file, line and key.
 */
export function readDataDir(path: string): DataDir {
  const file = (name: string) => join(path, name);
  const utt2spkRows = readTable(file("utt2spk"), 1);
  utt2spkRows.forEach((r, i) => {
    const prev = utt2spkRows[i - 1];
    if (prev && compareKeys(r.values[0], prev.values[0]) < 0) {
      throw new Error(
        `${file("utt2spk")}:${r.line}: speaker '${r.values[0]}' of '${r.key}' sorts before '${
          prev.values[0]
        }' ` +
          `on line ${prev.line}; Kaldi wants utt2spk sorted by speaker too (make speaker ids prefixes of utterance ids)`,
      );
    }
  });
  const speakerOf = new Map(utt2spkRows.map((r) => [r.key, r.values[0]]));
  const spk2uttRows = readTable(file("spk2utt"), "1+");
  const listed = new Map<string, number>();
  for (const r of spk2uttRows) {
    if (!r.values.some((u) => speakerOf.get(u) === r.key)) {
      throw new Error(`${file("spk2utt")}:${r.line}: speaker '${r.key}' has no utterance in utt2spk`);
    }
    r.values.forEach((u, i) => {
      const at = `${file("spk2utt")}:${r.line}: utterance '${u}' of speaker '${r.key}'`;
      if (listed.has(u)) throw new Error(`${at} is also on line ${listed.get(u)}`);
      if (!speakerOf.has(u)) throw new Error(`${at} is not in utt2spk`);
      if (speakerOf.get(u) !== r.key) throw new Error(`${at} has speaker '${speakerOf.get(u)}' in utt2spk`);
      if (i > 0 && compareKeys(u, r.values[i - 1]) < 0) {
        throw new Error(
          `${at} sorts before '${r.values[i - 1]}' listed ahead of it; Kaldi wants them sorted`,
        );
      }
      listed.set(u, r.line);
    });
  }
  const unlisted = utt2spkRows.find((r) => !listed.has(r.key));
  if (unlisted) {
    throw new Error(
      `${file("spk2utt")}: no entry for utterance '${unlisted.key}' (${
        file("utt2spk")
      }:${unlisted.line} has it)`,
    );
  }
  const textRows = readTable(file("text"), "0+"), wavRows = readTable(file("wav.scp"), "1+");
  sameKeys("utterance", file("utt2spk"), utt2spkRows, file("text"), textRows);
  sameKeys("utterance", file("utt2spk"), utt2spkRows, file("wav.scp"), wavRows);
  const genderRows = readTable(file("spk2gender"), 1);
  const badGender = genderRows.find((r) => r.values[0] !== "m" && r.values[0] !== "f");
  if (badGender) {
    throw new Error(
      `${file("spk2gender")}:${badGender.line}: gender '${badGender.values[0]}' is neither m nor f`,
    );
  }
  sameKeys("speaker", file("spk2utt"), spk2uttRows, file("spk2gender"), genderRows);
  if (exists(file("feats.scp"))) {
    sameKeys(
      "utterance",
      file("utt2spk"),
      utt2spkRows,
      file("feats.scp"),
      readTable(file("feats.scp"), "1+"),
    );
  }
  if (exists(file("cmvn.scp"))) {
    sameKeys("speaker", file("spk2utt"), spk2uttRows, file("cmvn.scp"), readTable(file("cmvn.scp"), "1+"));
  }
  const joined = (rows: Row[]) => new Map(rows.map((r) => [r.key, r.values.join(" ")]));
  return {
    wavScp: joined(wavRows),
    text: new Map(textRows.map((r) => [r.key, r.values])),
    utt2spk: speakerOf,
    spk2gender: joined(genderRows),
  };
}
