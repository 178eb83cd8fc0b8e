// The dev search every system is decoded with: acoustic scale and insertion penalty on dev, then test, scored on 39 phones.
import { map48to39 } from "../corpus/phones.ts";
import type { Topology } from "../hmm/topology.ts";
import type { ScoresRef, UtterancePool } from "../utterances/pool.ts";
import type { DecodeGraph } from "./graph.ts";
import { type ErrorCounts, errorRate, scoreHypotheses, type ScoreReport } from "./score.ts";

/** The sets systems are decoded and scored on. */
export type EvalSplit = "dev" | "test";

export interface DecodeConfig {
  /**
   * Searched on dev, coordinate-wise: acoustic scales (ascending) with the first insertion penalty, walking from
   * the middle of the list towards the better neighbour until neither neighbour is better; then the other
   * penalties at the best scale. The best pair decodes test.
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
  /** Speaker-independent first-pass hypotheses (48 phones) of dev and test. */
  firstPass: Record<EvalSplit, Map<string, string[]>>;
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
  acousticScale: number;
  insertionPenalty: number;
  /** Dev PER of every setting tried. */
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
}

export interface SystemResult extends Omit<Decoded, "dev" | "test"> {
  dev: ScoreReport;
  test: ScoreReport;
  /** With speaker adaptation: the error counts with the transforms of pass 1 only, at the same setting. */
  firstEstimate?: { dev: ErrorCounts; test: ErrorCounts };
  hyps: Record<EvalSplit, Map<string, string[]>>;
}

const to39 = (m: Map<string, readonly string[]>) => new Map([...m].map(([k, v]) => [k, map48to39(v)]));

/**
 * Decodes dev over the grid, picks the best setting on dev only, decodes test with it, scores both on 39 phones.
 * With speaker adaptation, dev and test are first adapted to the first-pass hypotheses; after the search each is
 * adapted again to its own best hypotheses and decoded once more at the chosen setting.
 */
export async function decodeAndScore(
  pool: UtterancePool,
  scoresFor: (set: EvalSplit) => Promise<ScoresRef>,
  topology: Topology,
  graphFor: (insertionPenalty: number) => DecodeGraph,
  refs: Record<EvalSplit, Map<string, string[]>>,
  utt2spk: Record<EvalSplit, Map<string, string>>,
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
  const graphs = new Map(d.insertionPenalties.map((p) => [p, graphFor(p)]));
  const devGrid: SystemResult["devGrid"] = [];
  const hypsAt = new Map<string, Map<string, string[]>>();
  let best = { penalty: 0, scale: 0, per: Infinity };
  const tryOnDev = async (penalties: number[], scales: number[]) => {
    const out = await decode("dev", penalties.map((p) => graphs.get(p)!), scales);
    penalties.forEach((penalty, g) =>
      scales.forEach((scale, s) => {
        const hyps = asPhones(out[g][s], "dev");
        const per = errorRate(scoreHypotheses(to39(refs.dev), to39(hyps), utt2spk.dev).total);
        devGrid.push({ acousticScale: scale, insertionPenalty: penalty, per });
        log(`dev: acoustic scale ${scale}, insertion penalty ${penalty}: PER ${per.toFixed(2)}`);
        hypsAt.set(`${penalty} ${scale}`, hyps);
        if (per < best.per) best = { penalty, scale, per };
      })
    );
  };
  if (adaptation) {
    for (const set of ["dev", "test"] as const) {
      log(await adaptation.adapt(set, adaptation.firstPass[set], 1));
    }
  }
  // coordinate search on dev: a walk over the acoustic scales at the first penalty (PER against the scale is
  // unimodal in practice; every scale of the list is still reachable), then every penalty at the best scale
  const scales = [...d.acousticScales].sort((a, b) => a - b), tried = new Set<number>();
  let at = Math.floor((scales.length - 1) / 2);
  for (;;) {
    const next = [at - 1, at, at + 1].filter((i) => i >= 0 && i < scales.length && !tried.has(i));
    if (!next.length) break;
    next.forEach((i) => tried.add(i));
    await tryOnDev([d.insertionPenalties[0]], next.map((i) => scales[i]));
    const bestAt = scales.indexOf(best.scale);
    if (bestAt === at) break;
    at = bestAt;
  }
  if (d.insertionPenalties.length > 1) await tryOnDev(d.insertionPenalties.slice(1), [best.scale]);
  const decodeBest = async (set: EvalSplit) => {
    log(`${set}: decoding at acoustic scale ${best.scale}, insertion penalty ${best.penalty}`);
    return asPhones((await decode(set, [graphs.get(best.penalty)!], [best.scale]))[0][0], set);
  };
  const score = (set: EvalSplit, hyps: Map<string, string[]>) =>
    scoreHypotheses(to39(refs[set]), to39(hyps), utt2spk[set]);
  let devHyps = hypsAt.get(`${best.penalty} ${best.scale}`)!, testHyps = await decodeBest("test");
  let firstEstimate: SystemResult["firstEstimate"];
  if (adaptation) {
    firstEstimate = { dev: score("dev", devHyps).total, test: score("test", testHyps).total };
    log(await adaptation.adapt("dev", devHyps, 2));
    log(await adaptation.adapt("test", testHyps, 2));
    devHyps = await decodeBest("dev");
    testHyps = await decodeBest("test");
  }
  return {
    dev: score("dev", devHyps),
    test: score("test", testHyps),
    firstEstimate,
    acousticScale: best.scale,
    insertionPenalty: best.penalty,
    devGrid,
    hyps: { dev: devHyps, test: testHyps },
  };
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
