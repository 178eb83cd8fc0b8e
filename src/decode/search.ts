// The dev search every system is decoded with: acoustic scale and insertion penalty on dev, then test, scored on 39 phones.
import { map48to39 } from "../corpus/phones.ts";
import type { Topology } from "../hmm/topology.ts";
import type { ScoresRef, UtterancePool } from "../utterances/pool.ts";
import type { DecodeGraph } from "./graph.ts";
import { type ErrorCounts, errorRate, formatCounts, scoreHypotheses, type ScoreReport } from "./score.ts";

/** The sets systems are decoded and scored on: dev, core test, and the extra test speakers (see corpus/timit.ts). */
export type EvalSplit = "dev" | "test" | "extra";

/** Per set, its references (48 phones) or speakers; extra only where it is decoded. */
export type PerSet<T> = Record<"dev" | "test", T> & { extra?: T };

export interface DecodeConfig {
  /**
   * Searched on dev, coordinate-wise: acoustic scales (ascending) with the first insertion penalty, walking from
   * the middle of the list towards the better neighbour until neither neighbour is better; then the other
   * penalties at the best scale. An optimum on the edge of a grid of two or more values widens it. The best pair
   * decodes test (and extra).
   */
  acousticScales: number[];
  insertionPenalties: number[];
  beam: number;
}

export const DECODE_DEFAULTS: DecodeConfig = {
  acousticScales: [0.06, 0.08, 0.1, 0.13, 0.17, 0.22, 0.3, 0.4, 0.5],
  insertionPenalties: [0, -4, -2, 2],
  beam: 15,
};

/** Two-pass decoding with speaker transforms estimated from hypotheses (Kaldi's decode_fmllr.sh). */
export interface SpeakerAdaptation {
  /** Speaker-independent first-pass hypotheses (48 phones) of the sets decoded. */
  firstPass: PerSet<Map<string, string[]>>;
  /**
   * Aligns a loaded set to hypotheses, estimates its speakers' transforms and installs them; pass 1 starts from the
   * first-pass hypotheses, pass 2 from the adapted system's own. Returns a line for the log.
   */
  adapt: (set: EvalSplit, hyps: Map<string, string[]>, pass: 1 | 2) => Promise<string>;
}

/** What a decode chose on dev and what it scored: every stage's summary holds these. */
export interface Decoded {
  dev: ErrorCounts;
  test: ErrorCounts;
  /** The extra test speakers, where decoded: with test, the extended test. */
  extra?: ErrorCounts;
  acousticScale: number;
  insertionPenalty: number;
  /** Dev PER of every setting tried. */
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
}

/** The extended test's error counts (core test and extra), or null where extra was not decoded. */
export const extendedTest = (d: Pick<Decoded, "test" | "extra">): ErrorCounts | null =>
  d.extra
    ? {
      ref: d.test.ref + d.extra.ref,
      sub: d.test.sub + d.extra.sub,
      del: d.test.del + d.extra.del,
      ins: d.test.ins + d.extra.ins,
    }
    : null;

/** RESULTS.md's lines for the extra test speakers and the extended test, where decoded. */
export const extendedLines = (d: Pick<Decoded, "test" | "extra">): string[] =>
  d.extra ? [`extra: ${formatCounts(d.extra)}`, `extended test: ${formatCounts(extendedTest(d)!)}`] : [];

export interface SystemResult extends Omit<Decoded, "dev" | "test" | "extra"> {
  dev: ScoreReport;
  test: ScoreReport;
  extra?: ScoreReport;
  /** With speaker adaptation: the error counts with the transforms of pass 1 only, at the same setting. */
  firstEstimate?: PerSet<ErrorCounts>;
  hyps: PerSet<Map<string, string[]>>;
}

/** How many times a search widens each grid at most. */
const MAX_WIDENING = 6;

const to39 = (m: Map<string, readonly string[]>) => new Map([...m].map(([k, v]) => [k, map48to39(v)]));

/**
 * Decodes dev over the grid, picks the best setting on dev only, decodes test (and extra, where `refs` has it) with
 * it, scores each on 39 phones. With speaker adaptation, every set is first adapted to the first-pass hypotheses;
 * after the search each is adapted again to its own best hypotheses and decoded once more at the chosen setting.
 */
export async function decodeAndScore(
  pool: UtterancePool,
  scoresFor: (set: EvalSplit) => Promise<ScoresRef>,
  topology: Topology,
  graphFor: (insertionPenalty: number) => DecodeGraph,
  refs: PerSet<Map<string, string[]>>,
  utt2spk: PerSet<Map<string, string>>,
  d: DecodeConfig,
  adaptation?: SpeakerAdaptation,
  log: (line: string) => void = () => {},
): Promise<SystemResult> {
  const decode = async (set: EvalSplit, graphs: DecodeGraph[], scales: number[]) =>
    decodeSet(pool, set, await scoresFor(set), graphs, scales, d.beam);
  const asPhones = (m: Map<string, Int32Array | null>, set: string) =>
    new Map([...m].map(([k, v]) => {
      if (!v) throw new Error(`decoding ${set}: no path survived the beam for '${k}'`);
      return [k, [...v].map((p) => topology.phones[p])];
    }));
  const graphs = new Map<number, DecodeGraph>();
  const graphOf = (penalty: number) => {
    if (!graphs.has(penalty)) graphs.set(penalty, graphFor(penalty));
    return graphs.get(penalty)!;
  };
  const devGrid: SystemResult["devGrid"] = [];
  const hypsAt = new Map<string, Map<string, string[]>>();
  const tryOnDev = async (penalties: number[], scales: number[]) => {
    const out = await decode("dev", penalties.map(graphOf), scales);
    return penalties.map((penalty, g) =>
      scales.map((scale, s) => {
        const hyps = asPhones(out[g][s], "dev");
        const per = errorRate(scoreHypotheses(to39(refs.dev), to39(hyps), utt2spk.dev).total);
        devGrid.push({ acousticScale: scale, insertionPenalty: penalty, per });
        log(`dev: acoustic scale ${scale}, insertion penalty ${penalty}: PER ${per.toFixed(2)}`);
        hypsAt.set(`${penalty} ${scale}`, hyps);
        return per;
      })
    );
  };
  const sets: EvalSplit[] = refs.extra ? ["dev", "test", "extra"] : ["dev", "test"], later = sets.slice(1);
  if (adaptation) {
    for (const set of sets) {
      const first = adaptation.firstPass[set];
      if (!first) throw new Error(`speaker adaptation of ${set}: no first-pass hypotheses`);
      log(await adaptation.adapt(set, first, 1));
    }
  }
  const best = await searchDevGrid(d, tryOnDev, log);
  const decodeBest = async (set: EvalSplit) => {
    log(`${set}: decoding at acoustic scale ${best.scale}, insertion penalty ${best.penalty}`);
    return asPhones((await decode(set, [graphOf(best.penalty)], [best.scale]))[0][0], set);
  };
  const score = (set: EvalSplit, hyps: Map<string, string[]>) =>
    scoreHypotheses(to39(refs[set]!), to39(hyps), utt2spk[set]!);
  const hyps: PerSet<Map<string, string[]>> = {
    dev: hypsAt.get(`${best.penalty} ${best.scale}`)!,
    test: new Map(),
  };
  for (const set of later) hyps[set] = await decodeBest(set);
  let firstEstimate: SystemResult["firstEstimate"];
  if (adaptation) {
    firstEstimate = perSet(sets, (set) => score(set, hyps[set]!).total);
    for (const set of sets) {
      log(await adaptation.adapt(set, hyps[set]!, 2));
      hyps[set] = await decodeBest(set);
    }
  }
  const scored = perSet(sets, (set) => score(set, hyps[set]!));
  return {
    ...scored,
    firstEstimate,
    acousticScale: best.scale,
    insertionPenalty: best.penalty,
    devGrid,
    hyps,
  };
}

/** A value per set: dev and test, and extra where it is among `sets`. */
export function perSet<T>(sets: readonly EvalSplit[], f: (set: EvalSplit) => T): PerSet<T> {
  return Object.fromEntries(sets.map((s) => [s, f(s)])) as PerSet<T>;
}

/**
 * The coordinate search on dev: a walk over the acoustic scales at the first penalty (PER against the scale is
 * unimodal in practice; every scale of the list is still reachable), then every penalty at the best scale. An
 * optimum on the edge of a grid of two or more values widens that grid (scales geometrically, penalties by their
 * smallest step) until it is interior. `tryOnDev` returns dev PER per penalty and scale.
 */
export async function searchDevGrid(
  d: Pick<DecodeConfig, "acousticScales" | "insertionPenalties">,
  tryOnDev: (penalties: number[], scales: number[]) => Promise<number[][]>,
  log: (line: string) => void = () => {},
): Promise<{ penalty: number; scale: number; per: number }> {
  let best = { penalty: 0, scale: 0, per: Infinity };
  const tryAll = async (penalties: number[], scales: number[]) =>
    (await tryOnDev(penalties, scales)).forEach((row, g) =>
      row.forEach((per, s) => {
        if (per < best.per) best = { penalty: penalties[g], scale: scales[s], per };
      })
    );
  const scales = [...d.acousticScales].sort((a, b) => a - b), tried = new Set<number>();
  let centre = scales[Math.floor((scales.length - 1) / 2)], widened = 0;
  for (;;) {
    const at = scales.indexOf(centre), edge = at === 0 ? 0 : at === scales.length - 1 ? 1 : -1;
    if (tried.has(centre) && scales.length > 1 && edge >= 0 && widened++ < MAX_WIDENING) {
      const [a, b] = edge === 0 ? [scales[0], scales[1]] : [scales[at], scales[at - 1]];
      const further = Number(((a * a) / b).toPrecision(2));
      log(`dev: the best acoustic scale ${a} is on the edge of the grid: trying ${further}`);
      if (edge === 0) scales.unshift(further);
      else scales.push(further);
    }
    const i = scales.indexOf(centre);
    const next = [i - 1, i, i + 1].filter((k) => k >= 0 && k < scales.length && !tried.has(scales[k]));
    if (!next.length) break;
    next.forEach((k) => tried.add(scales[k]));
    await tryAll([d.insertionPenalties[0]], next.map((k) => scales[k]));
    if (best.scale === centre) break;
    centre = best.scale;
  }
  if (d.insertionPenalties.length > 1) {
    await tryAll(d.insertionPenalties.slice(1), [best.scale]);
    const penalties = [...d.insertionPenalties].sort((a, b) => a - b);
    const step = Math.min(...penalties.slice(1).map((p, i) => p - penalties[i]));
    for (let n = 0; n < MAX_WIDENING; n++) {
      const edge = best.penalty === penalties[0] ? -1 : best.penalty === penalties.at(-1) ? 1 : 0;
      if (!edge) break;
      const further = best.penalty + edge * step;
      log(`dev: the best insertion penalty ${best.penalty} is on the edge of the grid: trying ${further}`);
      if (edge < 0) penalties.unshift(further);
      else penalties.push(further);
      await tryAll([further], [best.scale]);
    }
  }
  return best;
}

/**
 * Decodes a set (its stored scores) with each graph and acoustic scale: result[graph][scale] maps utterance ->
 * phone ids, or null where no path survived the beam.
 */
async function decodeSet(
  pool: UtterancePool,
  set: string,
  scores: ScoresRef,
  graphs: DecodeGraph[],
  scales: number[],
  beam: number,
) {
  const replies = await pool.all<(Int32Array | null)[][][]>(() => ({
    op: "decode",
    set,
    scoresId: scores.scoresId,
    numPdfs: scores.numPdfs,
    graphs,
    scales,
    beam,
  }));
  const keys = pool.keysOf(set);
  return graphs.map((_, g) =>
    scales.map((_, s) => new Map(replies.flatMap((r, w) => keys[w].map((k, i) => [k, r[g][s][i]] as const))))
  );
}
