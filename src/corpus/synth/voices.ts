// Speaker voices, recording channels and per-utterance conditions of the default corpus, drawn from a preset.
import { Rng } from "../../util/rng.ts";

/** eSpeak's English accents, one per TIMIT dialect region DR1..DR8. */
export const REGION_ACCENTS = [
  "en-us",
  "en-us-nyc",
  "en",
  "en-gb-x-rp",
  "en-gb-scotland",
  "en-gb-x-gbclan",
  "en-gb-x-gbcwmd",
  "en-029",
];

type Range = [number, number];

/** The knobs that set how hard the corpus is. */
export interface CorpusPreset {
  /** Formant (vocal-tract length) scale ranges. */
  formantScaleMale: Range;
  formantScaleFemale: Range;
  /** Speaker's base speaking rate, percent of eSpeak's default. */
  speakerRate: Range;
  /** Per-utterance jitter, as a fraction (0.08 = ±8%). */
  rateJitter: number;
  pitchJitter: number;
  /** Fraction of speakers on one of eSpeak's Klatt voice sources. */
  klattFraction: number;
  /** Recording channel per speaker: tilt, band limits, peaking EQ. */
  channel: boolean;
  /** Room reverberation per speaker: RT60 range in seconds (null for none). */
  reverbRt60: Range | null;
  /** Additive noise per utterance: SNR range in dB (null for none) and the kinds drawn from. */
  snrDb: Range | null;
  noiseKinds: NoiseKind[];
}

export type NoiseKind = "white" | "pink" | "babble";

const DEFAULT_PRESET: CorpusPreset = {
  formantScaleMale: [0.88, 1.02],
  formantScaleFemale: [1.06, 1.2],
  speakerRate: [85, 118],
  rateJitter: 0.08,
  pitchJitter: 0.1,
  klattFraction: 1 / 3,
  channel: true,
  reverbRt60: [0.1, 0.5],
  snrDb: [10, 30],
  noiseKinds: ["white", "pink", "babble"],
};

export const PRESETS: Record<string, CorpusPreset> = {
  /** The default corpus: every source of variation on, noise at 10-30 dB SNR. */
  default: DEFAULT_PRESET,
  /** Distinct voices only: no channel, room, noise or per-utterance jitter (far too easy; for comparison). */
  clean: {
    ...DEFAULT_PRESET,
    rateJitter: 0,
    pitchJitter: 0,
    channel: false,
    reverbRt60: null,
    snrDb: null,
    noiseKinds: [],
  },
};

export interface Voice {
  accent: string;
  formantScale: number;
  /** Per-formant (F1..F5) frequency, height and width, percent. */
  formants: { freq: number; height: number; width: number }[];
  pitchBase: number;
  pitchTop: number;
  rate: number;
  breath: number;
  roughness: number;
  flutter: number;
  klatt: number;
}

export interface Channel {
  tiltDb: number;
  highpassHz: number;
  lowpassHz: number;
  eqHz: number;
  eqGainDb: number;
  eqQ: number;
  rt60: number | null;
  drrDb: number;
  levelDbfs: number;
}

export interface UtteranceConditions {
  rateFactor: number;
  pitchFactor: number;
  noise: NoiseKind | null;
  snrDb: number;
  leadSeconds: number;
  trailSeconds: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function drawVoice(
  seed: number,
  speaker: string,
  sex: "f" | "m",
  dialect: number,
  p: CorpusPreset,
): Voice {
  const rng = new Rng(seed, "voice", speaker);
  const scale = rng.uniform(...(sex === "m" ? p.formantScaleMale : p.formantScaleFemale));
  const pitchBase = sex === "m" ? rng.uniform(75, 125) : rng.uniform(150, 230);
  return {
    accent: REGION_ACCENTS[dialect - 1],
    formantScale: r2(scale),
    formants: [1, 2, 3, 4, 5].map(() => ({
      freq: Math.round(100 * scale * (1 + 0.03 * rng.normal())),
      height: Math.round(rng.uniform(80, 120)),
      width: Math.round(rng.uniform(80, 130)),
    })),
    pitchBase: Math.round(pitchBase),
    pitchTop: Math.round(pitchBase * rng.uniform(1.25, 1.8)),
    rate: Math.round(rng.uniform(...p.speakerRate)),
    breath: rng.int(9),
    roughness: rng.int(5),
    flutter: rng.int(40),
    klatt: rng.chance(p.klattFraction) ? 1 + rng.int(3) : 0,
  };
}

export function drawChannel(seed: number, speaker: string, p: CorpusPreset): Channel {
  const rng = new Rng(seed, "channel", speaker);
  const on = p.channel;
  return {
    tiltDb: on ? r2(rng.uniform(-6, 6)) : 0,
    highpassHz: on ? Math.round(rng.uniform(60, 300)) : 0,
    lowpassHz: on ? Math.round(rng.uniform(3000, 7500)) : 0,
    eqHz: on ? Math.round(300 * (4000 / 300) ** rng.next()) : 0,
    eqGainDb: on ? r2(rng.uniform(-8, 8)) : 0,
    eqQ: on ? r2(rng.uniform(0.7, 2)) : 1,
    rt60: p.reverbRt60 ? r2(rng.uniform(...p.reverbRt60)) : null,
    drrDb: r2(rng.uniform(0, 12)),
    levelDbfs: r2(rng.uniform(-32, -20)),
  };
}

export function drawConditions(seed: number, utterance: string, p: CorpusPreset): UtteranceConditions {
  const rng = new Rng(seed, "utterance", utterance);
  return {
    rateFactor: 1 + p.rateJitter * rng.uniform(-1, 1),
    pitchFactor: 1 + p.pitchJitter * rng.uniform(-1, 1),
    noise: p.snrDb && p.noiseKinds.length ? rng.pick(p.noiseKinds) : null,
    snrDb: p.snrDb ? rng.uniform(...p.snrDb) : Infinity,
    leadSeconds: rng.uniform(0.12, 0.35),
    trailSeconds: rng.uniform(0.1, 0.3),
  };
}

/** The voice as an eSpeak variant file, with this utterance's rate and pitch. */
export function variantFile(v: Voice, c: Pick<UtteranceConditions, "rateFactor" | "pitchFactor">): string {
  const lines = [
    "language variant",
    "name phl",
    `pitch ${Math.round(v.pitchBase * c.pitchFactor)} ${Math.round(v.pitchTop * c.pitchFactor)}`,
    `speed ${Math.round(v.rate * c.rateFactor)}`,
    ...v.formants.map((f, i) => `formant ${i + 1} ${f.freq} ${f.height} ${f.width}`),
    `breath ${v.breath} ${v.breath} ${Math.round(v.breath / 2)} ${Math.round(v.breath / 2)} 0 0 0 0`,
    `roughness ${v.roughness}`,
    `flutter ${v.flutter}`,
  ];
  if (v.klatt) lines.push(`klatt ${v.klatt}`);
  return lines.join("\n") + "\n";
}
