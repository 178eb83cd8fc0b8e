// Builds tiny corpora in TIMIT layout in a temporary folder, for reader tests.
import { join } from "node:path";
import { encodeSphere, encodeWav } from "../../src/corpus/audio.ts";

export interface FixtureUtterance {
  set: "TRAIN" | "TEST";
  dr: number;
  speaker: string;
  sentence: string;
  samples?: number;
  phones?: [number, number, string][];
  riff?: boolean;
}

/** "h# sh iy h#" over n samples; for 400 samples: 0 100 h#, 100 180 sh, 180 300 iy, 300 400 h#. */
function phonesOver(n: number): [number, number, string][] {
  const [a, b, c] = [0.25, 0.45, 0.75].map((f) => Math.round(f * n));
  return [[0, a, "h#"], [a, b, "sh"], [b, c, "iy"], [c, n, "h#"]];
}

export function tone(n: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(8000 * Math.sin(i * 0.05)));
}

export function makeCorpus(utts: FixtureUtterance[], { lowerCase = false } = {}): string {
  const root = Deno.makeTempDirSync({ prefix: "phl-corpus-" });
  const name = (s: string) => (lowerCase ? s.toLowerCase() : s.toUpperCase());
  for (const u of utts) {
    const dir = join(root, name(u.set), name(`DR${u.dr}`), name(u.speaker));
    Deno.mkdirSync(dir, { recursive: true });
    const n = u.samples ?? 400;
    const standard = phonesOver(n), phones = u.phones ?? standard;
    const base = join(dir, name(u.sentence));
    const audio = tone(n);
    Deno.writeFileSync(
      `${base}.${name("wav")}`,
      u.riff ? encodeWav(audio, 16000) : encodeSphere(audio, 16000),
    );
    Deno.writeTextFileSync(`${base}.${name("phn")}`, phones.map((p) => p.join(" ")).join("\n") + "\n");
    Deno.writeTextFileSync(`${base}.${name("wrd")}`, `${standard[1][0]} ${standard[2][1]} she\n`);
    Deno.writeTextFileSync(`${base}.${name("txt")}`, `0 ${n} She.\n`);
  }
  return root;
}

/** One utterance per sentence kind for a train speaker, a dev speaker and a core-test speaker. */
export function smallCorpus(opts: { lowerCase?: boolean } = {}): string {
  const utts: FixtureUtterance[] = [];
  for (
    const [set, dr, speaker] of [["TRAIN", 1, "FCJF0"], ["TEST", 1, "FAKS0"], ["TEST", 1, "MDAB0"]] as const
  ) {
    for (const sentence of ["SA1", "SI648", "SX38"]) utts.push({ set, dr, speaker, sentence });
  }
  return makeCorpus(utts, opts);
}
