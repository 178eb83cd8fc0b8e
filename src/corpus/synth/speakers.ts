// Who is in the default corpus and what each speaker reads: TIMIT's speaker counts, splits, and sentence design.
import { DEV_SPEAKERS, type SentenceKind, type Split, SPLITS, TEST_SPEAKERS } from "../timit.ts";
import { Rng } from "../../util/rng.ts";
import { SA_SENTENCES, sentencePools } from "./sentences.ts";

export interface PlannedSentence {
  id: string;
  kind: SentenceKind;
  text: string;
}

export interface PlannedSpeaker {
  id: string;
  sex: "f" | "m";
  dialect: number;
  set: "train" | "test";
  split: Split;
  sentences: PlannedSentence[];
}

/** TIMIT's training speakers per dialect region (462 in all, 136 of them female). */
export const TRAIN_PER_REGION = [38, 76, 76, 68, 70, 35, 77, 22];
const TRAIN_FEMALE = 136;

/**
 * TIMIT's TEST speakers outside dev and core test per dialect region: TEST's 168 ([11, 26, 26, 32, 28, 11, 23,
 * 11]) less three core-test speakers per region and the dev speakers as they are placed here (round-robin); 30 of
 * the 94 female (TEST's 56 less dev's 18 and core test's 8).
 */
export const EXTRA_PER_REGION = [1, 16, 17, 23, 19, 2, 14, 2];
const EXTRA_FEMALE = 30;

/** Dialect regions of the 24 core-test speakers, as in TIMIT (one male pair and one female per region). */
const CORE_TEST_REGION: Record<string, number> = {
  mdab0: 1,
  mwbt0: 1,
  felc0: 1,
  mtas1: 2,
  mwew0: 2,
  fpas0: 2,
  mjmp0: 3,
  mlnt0: 3,
  fpkt0: 3,
  mlll0: 4,
  mtls0: 4,
  fjlm0: 4,
  mbpm0: 5,
  mklt0: 5,
  fnlp0: 5,
  mcmj0: 6,
  mjdh0: 6,
  fmgd0: 6,
  mgrt0: 7,
  mnjm0: 7,
  fdhc0: 7,
  mjln0: 8,
  mpam0: 8,
  fmld0: 8,
};

const SX_PER_SPEAKER = 5, SI_PER_SPEAKER = 3, READERS_PER_SX = 7;
const FIRST_SX = 3, FIRST_SI = 453; // TIMIT numbers its SX prompts from 3 and its SI prompts from 453

/**
 * The 462 training speakers. TIMIT's own training ids are not part of phl (only the dev and test lists are), so
 * ids are made in TIMIT's shape (sex letter, three initials, digit) from a fixed seed: the same for every corpus.
 * Ordered round-robin over dialect regions, so the first N speakers span regions and both sexes.
 */
export function trainSpeakers(): { id: string; sex: "f" | "m"; dialect: number }[] {
  return shapedSpeakers("timit-shaped training speaker ids", TRAIN_PER_REGION, TRAIN_FEMALE, [
    ...DEV_SPEAKERS,
    ...TEST_SPEAKERS,
  ]);
}

/** The 94 extra test speakers, made as the training speakers are (after them, so that ids never collide). */
export function extraSpeakers(): { id: string; sex: "f" | "m"; dialect: number }[] {
  return shapedSpeakers("timit-shaped extra test speaker ids", EXTRA_PER_REGION, EXTRA_FEMALE, [
    ...DEV_SPEAKERS,
    ...TEST_SPEAKERS,
    ...trainSpeakers().map((s) => s.id),
  ]);
}

/** Speakers with TIMIT-shaped ids, `perRegion` of them per dialect region, `female` in all, round-robin order. */
function shapedSpeakers(label: string, perRegion: number[], female: number, reserved: string[]) {
  const rng = new Rng(label);
  const taken = new Set(reserved);
  const total = perRegion.reduce((a, b) => a + b, 0);
  const regions = perRegion.map((count, r) => {
    const females = Math.round((count * female) / total);
    return { count, females, dialect: r + 1 };
  });
  const shortfall = female - regions.reduce((a, r) => a + r.females, 0);
  for (let i = 0; i < Math.abs(shortfall); i++) regions[i % 8].females += Math.sign(shortfall);
  const lists = regions.map(({ count, females, dialect }) => {
    const sexes = rng.shuffle(
      Array.from({ length: count }, (_, i) => (i < females ? "f" : "m") as "f" | "m"),
    );
    return sexes.map((sex) => {
      let id: string;
      do {
        const initials = Array.from({ length: 3 }, () => String.fromCharCode(97 + rng.int(26))).join("");
        id = `${sex}${initials}0`;
        for (let d = 1; taken.has(id) && d < 10; d++) id = `${sex}${initials}${d}`;
      } while (taken.has(id));
      taken.add(id);
      return { id, sex, dialect };
    });
  });
  const ordered = [];
  for (let i = 0; ordered.length < total; i++) {
    for (const list of lists) if (i < list.length) ordered.push(list[i]);
  }
  return ordered;
}

/** The 74 dev and core-test speakers; dev speakers' regions are not in the lists, so they go round-robin. */
function testSpeakers(): { id: string; sex: "f" | "m"; dialect: number; split: Split }[] {
  return [
    ...TEST_SPEAKERS.map((id) => ({
      id,
      sex: id[0] as "f" | "m",
      dialect: CORE_TEST_REGION[id] ?? 1,
      split: "test" as Split,
    })),
    ...DEV_SPEAKERS.map((id, i) => ({
      id,
      sex: id[0] as "f" | "m",
      dialect: (i % 8) + 1,
      split: "dev" as Split,
    })),
  ];
}

export type SpeakerCounts = Record<Split, number>;

export const FULL_COUNTS: SpeakerCounts = {
  train: 462,
  dev: DEV_SPEAKERS.length,
  test: TEST_SPEAKERS.length,
  extra: EXTRA_PER_REGION.reduce((a, b) => a + b, 0),
};

/**
 * Plans the corpus: every speaker reads SA1, SA2, five SX prompts (each SX prompt read by about seven speakers of
 * the same side) and three SI prompts of their own. Training and dev/test prompts are disjoint. The plan for a
 * speaker does not depend on how many speakers are generated, so a small corpus is a subset of the full one.
 */
export function planCorpus(seed: number, counts: SpeakerCounts = FULL_COUNTS): PlannedSpeaker[] {
  for (const split of SPLITS) {
    if (!Number.isInteger(counts[split]) || counts[split] < 0 || counts[split] > FULL_COUNTS[split]) {
      throw new Error(
        `--${split}-speakers must be between 0 and ${FULL_COUNTS[split]}, got ${counts[split]}`,
      );
    }
  }
  const train = trainSpeakers();
  const test = testSpeakers(), extra = extraSpeakers();
  const sxCount = (speakers: number) => Math.ceil((speakers * SX_PER_SPEAKER) / READERS_PER_SX);
  const pools = sentencePools({
    trainSx: sxCount(train.length),
    testSx: sxCount(test.length),
    trainSi: train.length * SI_PER_SPEAKER,
    testSi: test.length * SI_PER_SPEAKER,
    extraSx: sxCount(extra.length),
    extraSi: extra.length * SI_PER_SPEAKER,
  }, seed);
  const sentencesOf = (
    i: number,
    sx: string[],
    si: string[],
    sxBase: number,
    siBase: number,
  ): PlannedSentence[] => [
    ...SA_SENTENCES.map((text, k) => ({ id: `sa${k + 1}`, kind: "sa" as const, text })),
    ...Array.from({ length: SX_PER_SPEAKER }, (_, k) => {
      const j = (i * SX_PER_SPEAKER + k) % sx.length;
      return { id: `sx${sxBase + j}`, kind: "sx" as const, text: sx[j] };
    }),
    ...Array.from({ length: SI_PER_SPEAKER }, (_, k) => {
      const j = i * SI_PER_SPEAKER + k;
      return { id: `si${siBase + j}`, kind: "si" as const, text: si[j] };
    }),
  ];
  const planned: PlannedSpeaker[] = [
    ...train.map((s, i) => ({
      ...s,
      set: "train" as const,
      split: "train" as Split,
      sentences: sentencesOf(i, pools.trainSx, pools.trainSi, FIRST_SX, FIRST_SI),
    })),
    ...test.map((s, i) => ({
      ...s,
      set: "test" as const,
      sentences: sentencesOf(
        i,
        pools.testSx,
        pools.testSi,
        FIRST_SX + pools.trainSx.length,
        FIRST_SI + pools.trainSi.length,
      ),
    })),
    ...extra.map((s, i) => ({
      ...s,
      set: "test" as const,
      split: "extra" as Split,
      sentences: sentencesOf(
        i,
        pools.extraSx,
        pools.extraSi,
        FIRST_SX + pools.trainSx.length + pools.testSx.length,
        FIRST_SI + pools.trainSi.length + pools.testSi.length,
      ),
    })),
  ];
  const taken = { train: 0, dev: 0, test: 0, extra: 0 };
  return planned.filter((s) => taken[s.split]++ < counts[s.split]);
}
