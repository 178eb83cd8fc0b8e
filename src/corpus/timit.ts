// Reads a corpus in TIMIT layout (real TIMIT or the generated default corpus): files, labels, checks, standard splits.
import { join } from "node:path";
import { AudioFormatError, readAudioHeader, SAMPLE_RATE } from "./audio.ts";
import { isTimitPhone } from "./phones.ts";

/** dev and core test as Kaldi's TIMIT recipe; extra: the other TEST speakers (with test, the extended test). */
export type Split = "train" | "dev" | "test" | "extra";
export const SPLITS = ["train", "dev", "test", "extra"] as const satisfies readonly Split[];
export type SentenceKind = "sa" | "si" | "sx";

export interface Utterance {
  /** Kaldi's TIMIT convention: speaker_sentence, lower case, e.g. "fcjf0_si1027". */
  id: string;
  speaker: string;
  sex: "f" | "m";
  dialect: number;
  /** TIMIT's own TRAIN/ or TEST/ folder. */
  set: "train" | "test";
  sentence: string;
  kind: SentenceKind;
  wav: string;
  phn: string;
  wrd: string;
  txt: string;
}

export interface Segment {
  start: number;
  end: number;
  label: string;
}

export interface Problem {
  file: string;
  line?: number;
  message: string;
}

export function formatProblem(p: Problem): string {
  return `${p.file}${p.line ? `:${p.line}` : ""}: ${p.message}`;
}

export class CorpusError extends Error {
  constructor(readonly problems: Problem[]) {
    const shown = problems.slice(0, 10).map(formatProblem).join("\n  ");
    const more = problems.length > 10
      ? `\n  ... and ${problems.length - 10} more (deno task corpus:check lists all)`
      : "";
    super(`${problems.length} problem(s) in the corpus:\n  ${shown}${more}`);
  }
}

const listText = (name: string) =>
  Deno.readTextFileSync(new URL(`./timit/${name}`, import.meta.url)).split(/\s+/).filter(Boolean).map((s) =>
    s.toLowerCase()
  );
/** The 50 dev speakers and the 24 core-test speakers, all from TIMIT's TEST folder. */
export const DEV_SPEAKERS: readonly string[] = listText("dev_spk.list");
export const TEST_SPEAKERS: readonly string[] = listText("test_spk.list");

const SPEAKER_RE = /^[fm][a-z]{3}[0-9]$/;
const SENTENCE_RE = /^(sa|si|sx)[0-9]+$/;
const LABEL_EXTS = ["wav", "phn", "wrd", "txt"] as const;

function dirEntries(path: string) {
  return [...Deno.readDirSync(path)].sort((a, b) => a.name.localeCompare(b.name));
}

/** Finds TRAIN/ and TEST/ under root (any case), also one level down (e.g. root/TIMIT/TRAIN). */
function findSetDirs(root: string): { set: "train" | "test"; path: string }[] {
  for (
    const base of [
      root,
      ...dirEntries(root).filter((e) => e.isDirectory).map((e) => join(root, e.name)),
    ]
  ) {
    const sets = dirEntries(base)
      .filter((e) => e.isDirectory && /^(train|test)$/i.test(e.name))
      .map((e) => ({ set: e.name.toLowerCase() as "train" | "test", path: join(base, e.name) }));
    if (sets.length > 0) return sets;
  }
  return [];
}

/**
 * How much audio a PHN file may leave unlabelled at either end: 4000 samples (0.25 s). TIMIT's labels start at
 * sample 0 and end near the file end, not always exactly at it; a quarter second unlabelled means a missing h#
 * (or another file's labels), not that slack.
 */
const UNLABELLED_TOLERANCE = SAMPLE_RATE / 4;

const seconds = (samples: number) => `${+(samples / SAMPLE_RATE).toFixed(4)} s`;

/**
 * Parses a .PHN or .WRD file; every problem found is pushed to `problems`. With `sampleCount`, segments must
 * end within the audio, and PHN segments must cover it to within UNLABELLED_TOLERANCE at both ends.
 */
function parseSegments(
  text: string,
  file: string,
  kind: "phn" | "wrd",
  problems: Problem[],
  sampleCount?: number,
): Segment[] {
  const segments: Segment[] = [];
  const lines = text.split("\n");
  let firstLine = 0, lastLine = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    const at = (message: string) => problems.push({ file, line: i + 1, message });
    const fields = line.split(/\s+/);
    if (fields.length !== 3) {
      at(`expected 'start end ${kind === "phn" ? "phone" : "word"}', got '${line}'`);
      continue;
    }
    const [start, end] = [Number(fields[0]), Number(fields[1])];
    const label = fields[2];
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0) {
      at(`bad sample numbers '${fields[0]} ${fields[1]}'`);
      continue;
    }
    if (end <= start) at(`segment ends (${end}) at or before it starts (${start})`);
    if (sampleCount !== undefined && end > sampleCount) {
      at(`segment ends at ${end}, past the audio end (${sampleCount} samples)`);
    }
    const prev = segments[segments.length - 1];
    if (prev && start < prev.start) {
      at(`out of order: starts at ${start}, before the previous segment (${prev.start})`);
    } else if (kind === "phn" && prev && start < prev.end) {
      at(`overlaps the previous segment (starts at ${start}, previous ends at ${prev.end})`);
    } else if (kind === "phn" && prev && start > prev.end) {
      at(`gap: starts at ${start} but the previous segment ends at ${prev.end}`);
    }
    if (kind === "phn" && !isTimitPhone(label)) at(`unknown phone symbol '${label}'`);
    segments.push({ start, end, label });
    firstLine ||= i + 1;
    lastLine = i + 1;
  }
  if (kind === "phn" && sampleCount !== undefined && segments.length > 0) {
    const first = segments[0].start, last = segments[segments.length - 1].end;
    const unlabelled = (n: number, where: string) =>
      `${n} samples (${seconds(n)}) unlabelled ${where}, more than the ${UNLABELLED_TOLERANCE}-sample ` +
      `(${seconds(UNLABELLED_TOLERANCE)}) tolerance`;
    if (first > UNLABELLED_TOLERANCE) {
      problems.push({
        file,
        line: firstLine,
        message: `labels start at sample ${first}: ${
          unlabelled(first, "before them")
        } (is the opening h# missing?)`,
      });
    }
    if (sampleCount - last > UNLABELLED_TOLERANCE) {
      problems.push({
        file,
        line: lastLine,
        message: `labels end at sample ${last} of ${sampleCount}: ` +
          `${unlabelled(sampleCount - last, "after them")} (is the closing h# missing?)`,
      });
    }
  }
  if (segments.length === 0 && !problems.some((p) => p.file === file)) {
    problems.push({ file, message: "no segments" });
  }
  return segments;
}

function parseTranscript(text: string, file: string, problems: Problem[]): string {
  const m = /^\s*(\d+)\s+(\d+)\s+(.*\S)\s*$/.exec(text.split("\n")[0] ?? "");
  if (!m) {
    problems.push({ file, line: 1, message: "expected 'start end text'" });
    return "";
  }
  return m[3];
}

const readText = (path: string) => Deno.readTextFileSync(path);

function strict<T>(read: (problems: Problem[]) => T): T {
  const problems: Problem[] = [];
  const out = read(problems);
  if (problems.length) throw new CorpusError(problems);
  return out;
}

/** The phone segments of an utterance, validated (contiguous, known symbols). */
export function readPhones(utt: Utterance, sampleCount?: number): Segment[] {
  return strict((p) => parseSegments(readText(utt.phn), utt.phn, "phn", p, sampleCount));
}

export function readWords(utt: Utterance, sampleCount?: number): Segment[] {
  return strict((p) => parseSegments(readText(utt.wrd), utt.wrd, "wrd", p, sampleCount));
}

export function readTranscript(utt: Utterance): string {
  return strict((p) => parseTranscript(readText(utt.txt), utt.txt, p));
}

export interface ScanResult {
  utterances: Utterance[];
  problems: Problem[];
}

/**
 * Walks a TIMIT-layout corpus and checks every file: headers and sample counts of the audio, and every label file.
 * Collects all problems instead of stopping at the first.
 */
export function scanTimit(root: string): ScanResult {
  const problems: Problem[] = [];
  const utterances: Utterance[] = [];
  let sets: { set: "train" | "test"; path: string }[] = [];
  try {
    sets = findSetDirs(root);
  } catch (e) {
    return {
      utterances,
      problems: [{ file: root, message: `cannot read the corpus folder (${(e as Error).message})` }],
    };
  }
  if (sets.length === 0) {
    problems.push({ file: root, message: "no TRAIN/ or TEST/ folder here or one level down" });
  }
  for (const { set, path: setPath } of sets) {
    for (const drEntry of dirEntries(setPath)) {
      if (!drEntry.isDirectory) continue;
      const drPath = join(setPath, drEntry.name);
      const dr = /^dr([1-8])$/i.exec(drEntry.name);
      if (!dr) {
        problems.push({ file: drPath, message: "not a dialect-region folder (DR1..DR8)" });
        continue;
      }
      for (const spkEntry of dirEntries(drPath)) {
        if (!spkEntry.isDirectory) continue;
        const speaker = spkEntry.name.toLowerCase();
        const spkPath = join(drPath, spkEntry.name);
        if (!SPEAKER_RE.test(speaker)) {
          problems.push({
            file: spkPath,
            message: "speaker folder name is not TIMIT's (sex letter, 3 letters, digit)",
          });
          continue;
        }
        const files = new Map<string, Partial<Record<(typeof LABEL_EXTS)[number], string>>>();
        for (const f of dirEntries(spkPath)) {
          const m = /^([^.]+)\.([^.]+)$/.exec(f.name);
          if (!f.isFile || !m) continue;
          const ext = m[2].toLowerCase() as (typeof LABEL_EXTS)[number];
          if (!LABEL_EXTS.includes(ext)) continue;
          const sentence = m[1].toLowerCase();
          const filePath = join(spkPath, f.name);
          if (!SENTENCE_RE.test(sentence)) {
            problems.push({
              file: filePath,
              message: "file name is not a TIMIT sentence id (SA1, SX123, SI456)",
            });
            continue;
          }
          const entry = files.get(sentence) ?? {};
          if (entry[ext]) problems.push({ file: filePath, message: `duplicate of ${entry[ext]}` });
          entry[ext] = filePath;
          files.set(sentence, entry);
        }
        for (const [sentence, entry] of files) {
          const missing = LABEL_EXTS.filter((e) => !entry[e]);
          if (missing.length) {
            const have = entry.wav ?? entry.phn ?? entry.wrd ?? entry.txt!;
            problems.push({
              file: have,
              message: `no ${missing.map((e) => e.toUpperCase()).join(", ")} beside it`,
            });
            continue;
          }
          const utt: Utterance = {
            id: `${speaker}_${sentence}`,
            speaker,
            sex: speaker[0] as "f" | "m",
            dialect: Number(dr[1]),
            set,
            sentence,
            kind: sentence.slice(0, 2) as SentenceKind,
            wav: entry.wav!,
            phn: entry.phn!,
            wrd: entry.wrd!,
            txt: entry.txt!,
          };
          let sampleCount: number | undefined;
          try {
            sampleCount = readAudioHeader(utt.wav).sampleCount;
          } catch (e) {
            if (!(e instanceof AudioFormatError)) throw e;
            problems.push({ file: e.file, message: `${e.field}: ${e.detail}` });
          }
          const before = problems.length;
          parseSegments(readText(utt.phn), utt.phn, "phn", problems, sampleCount);
          parseSegments(readText(utt.wrd), utt.wrd, "wrd", problems, sampleCount);
          parseTranscript(readText(utt.txt), utt.txt, problems);
          if (problems.length === before && sampleCount !== undefined) utterances.push(utt);
        }
      }
    }
  }
  const seen = new Map<string, string>();
  for (const u of utterances) {
    if (seen.has(u.id)) {
      problems.push({ file: u.wav, message: `utterance ${u.id} also at ${seen.get(u.id)}` });
    }
    seen.set(u.id, u.wav);
  }
  utterances.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { utterances, problems };
}

/** Opens a corpus for use: every utterance, or a CorpusError naming each bad file and line. */
export function openTimit(root: string): Utterance[] {
  const { utterances, problems } = scanTimit(root);
  if (problems.length) throw new CorpusError(problems);
  if (utterances.length === 0) throw new CorpusError([{ file: root, message: "no utterances found" }]);
  return utterances;
}

/**
 * The standard splits, without SA: train = TRAIN; dev and core test = the listed TEST speakers; extra = every
 * other TEST speaker (real TIMIT: 94, so that core test and extra, the extended test, are TEST less dev).
 */
export function standardSplits(utterances: readonly Utterance[]): Record<Split, Utterance[]> {
  const dev = new Set(DEV_SPEAKERS), test = new Set(TEST_SPEAKERS);
  const noSa = utterances.filter((u) => u.kind !== "sa");
  return {
    train: noSa.filter((u) => u.set === "train"),
    dev: noSa.filter((u) => u.set === "test" && dev.has(u.speaker)),
    test: noSa.filter((u) => u.set === "test" && test.has(u.speaker)),
    extra: noSa.filter((u) => u.set === "test" && !dev.has(u.speaker) && !test.has(u.speaker)),
  };
}
