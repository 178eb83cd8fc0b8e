// Kaldi data directories (wav.scp, text, utt2spk, spk2utt, spk2gender): written from a corpus split, read back.
import { join, resolve } from "node:path";
import { map61to48 } from "../corpus/phones.ts";
import { readPhones, type Utterance } from "../corpus/timit.ts";
import { writeDirAtomic } from "../util/fs.ts";

export interface DataDir {
  wavScp: Map<string, string>;
  text: Map<string, string[]>;
  utt2spk: Map<string, string>;
  spk2gender: Map<string, string>;
}

const lines = (rows: Iterable<string[]>) => [...rows].map((r) => r.join(" ")).join("\n") + "\n";

/** Builds a data dir in memory: text holds the 48-phone transcript (61 -> 48, q deleted). */
export function dataDirOf(utterances: readonly Utterance[]): DataDir {
  const sorted = [...utterances].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const dir: DataDir = { wavScp: new Map(), text: new Map(), utt2spk: new Map(), spk2gender: new Map() };
  for (const u of sorted) {
    dir.wavScp.set(u.id, resolve(u.wav));
    dir.text.set(u.id, map61to48(readPhones(u).map((s) => s.label)));
    dir.utt2spk.set(u.id, u.speaker);
    dir.spk2gender.set(u.speaker, u.sex);
  }
  return dir;
}

export function spk2utt(utt2spk: Map<string, string>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [utt, spk] of utt2spk) out.set(spk, [...(out.get(spk) ?? []), utt]);
  return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Writes the data dir atomically (a killed run leaves the old one or none, never half of one). */
export async function writeDataDir(path: string, dir: DataDir) {
  await writeDirAtomic(path, (tmp) => {
    Deno.writeTextFileSync(join(tmp, "wav.scp"), lines([...dir.wavScp].map(([u, w]) => [u, w])));
    Deno.writeTextFileSync(join(tmp, "text"), lines([...dir.text].map(([u, t]) => [u, ...t])));
    Deno.writeTextFileSync(join(tmp, "utt2spk"), lines([...dir.utt2spk].map(([u, s]) => [u, s])));
    Deno.writeTextFileSync(
      join(tmp, "spk2utt"),
      lines([...spk2utt(dir.utt2spk)].map(([s, us]) => [s, ...us])),
    );
    Deno.writeTextFileSync(join(tmp, "spk2gender"), lines([...dir.spk2gender].map(([s, g]) => [s, g])));
  });
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

/** Reads a data dir; a malformed line is an error naming the file and line. */
export function readDataDir(path: string): DataDir {
  const table = (name: string, minFields: number) => {
    const rows = new Map<string, string[]>();
    const text = Deno.readTextFileSync(join(path, name));
    text.split("\n").forEach((line, i) => {
      if (line.trim() === "") return;
      const f = line.trim().split(/\s+/);
      if (f.length < minFields) {
        throw new Error(`${join(path, name)}:${i + 1}: expected at least ${minFields} fields`);
      }
      if (rows.has(f[0])) throw new Error(`${join(path, name)}:${i + 1}: duplicate key '${f[0]}'`);
      rows.set(f[0], f.slice(1));
    });
    return rows;
  };
  const one = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, v.join(" ")]));
  return {
    wavScp: one(table("wav.scp", 2)),
    text: table("text", 1),
    utt2spk: one(table("utt2spk", 2)),
    spk2gender: one(table("spk2gender", 2)),
  };
}
