// The work GMM training and decoding hand to workers: each holds utterance sets (features, transcripts, alignments).
import { join } from "node:path";
import { applyCmvn, CmvnStats } from "../features/cmvn.ts";
import { addDeltas } from "../features/deltas.ts";
import type { FeatureMatrix } from "../features/matrix.ts";
import { ScpReader } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";
import { alignWithRetry, type Chain, equalAlignment } from "../hmm/align.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";
import type { DecodeGraph } from "../decode/graph.ts";
import { Decoder } from "../decode/viterbi.ts";
import { AcousticModel, type AcousticModelData, AmStats } from "./am.ts";
import { DiagScorer } from "./scorer.ts";

export interface TransitionData {
  selfLog: Float64Array;
  leaveLog: Float64Array;
}

export type GmmRequest =
  | { op: "load"; set: string; featDir: string; keys: string[]; transcripts?: Int32Array[]; deltas: boolean }
  | {
    op: "accumulate";
    set: string;
    model: AcousticModelData;
    transitions: TransitionData;
    alignment: "equal" | "realign" | "keep";
    acousticScale: number;
    beam: number;
    retryBeam: number;
  }
  | { op: "alignments"; set: string }
  | {
    op: "decode";
    set: string;
    model: AcousticModelData;
    graphs: DecodeGraph[];
    scales: number[];
    beam: number;
  };

export interface AccumulateReply {
  stats: { occ: Float64Array; sum: Float64Array; sumSq: Float64Array; loglik: number; frames: number };
  failed: string[];
  retried: number;
}

interface UtteranceSet {
  keys: string[];
  feats: FeatureMatrix[];
  transcripts: Int32Array[];
  alignments: (Int32Array | null)[];
}

const sets = new Map<string, UtteranceSet>();

/** Features as mono training uses them: per-speaker CMN, then deltas and delta-deltas if asked. */
function loadSet(featDir: string, keys: string[], deltas: boolean): FeatureMatrix[] {
  const feats = new ScpReader(join(featDir, "feats.scp"), "matrix"),
    cmvn = new ScpReader(join(featDir, "cmvn.scp"), "matrix");
  const { utt2spk } = readDataDir(featDir);
  return keys.map((k) => {
    const x = applyCmvn(feats.get(k), CmvnStats.fromMatrix(cmvn.get(utt2spk.get(k)!)));
    return deltas ? addDeltas(x) : x;
  });
}

/** The chain of HMM states of a phone transcript: hmm state = phone * 3 + state, which is also the mono pdf. */
function chainOf(transcript: Int32Array, t: TransitionData): Chain & { hmm: Int32Array } {
  const hmm = new Int32Array(transcript.length * STATES_PER_PHONE);
  transcript.forEach((p, i) => {
    for (let k = 0; k < STATES_PER_PHONE; k++) hmm[i * STATES_PER_PHONE + k] = p * STATES_PER_PHONE + k;
  });
  return {
    hmm,
    pdf: hmm,
    selfLog: Float64Array.from(hmm, (s) => t.selfLog[s]),
    leaveLog: Float64Array.from(hmm, (s) => t.leaveLog[s]),
  };
}

function accumulate(req: Extract<GmmRequest, { op: "accumulate" }>): AccumulateReply {
  const set = sets.get(req.set)!;
  const model = AcousticModel.from(req.model);
  const stats = new AmStats(model.dim, model.numGaussians);
  const scorer = req.alignment === "realign" ? new DiagScorer(model.gaussians()) : null;
  const failed: string[] = [];
  let retried = 0;
  try {
    set.feats.forEach((x, i) => {
      const chain = chainOf(set.transcripts[i], req.transitions);
      let gauss: FeatureMatrix | undefined;
      if (req.alignment === "equal") {
        const path = equalAlignment(x.rows, chain.hmm.length);
        set.alignments[i] = path && path.map((s) => chain.hmm[s]);
      } else if (scorer) {
        const pdfs = new Set(chain.pdf);
        gauss = scorer.score(x, model.gaussianRanges(pdfs));
        const loglik = model.pdfLoglik(gauss, pdfs);
        const aligned = alignWithRetry(
          loglik,
          model.numPdfs,
          x.rows,
          chain,
          req.acousticScale,
          req.beam,
          req.retryBeam,
        );
        set.alignments[i] = aligned && aligned.path.map((s) => chain.hmm[s]);
        if (aligned?.retried) retried++;
      }
      const ali = set.alignments[i];
      if (!ali) {
        failed.push(set.keys[i]);
        return;
      }
      for (let t = 0; t < x.rows; t++) stats.add(model, x, t, ali[t], gauss);
    });
  } finally {
    scorer?.free();
  }
  return {
    stats: { occ: stats.occ, sum: stats.sum, sumSq: stats.sumSq, loglik: stats.loglik, frames: stats.frames },
    failed,
    retried,
  };
}

function decode(req: Extract<GmmRequest, { op: "decode" }>): (Int32Array | null)[][][] {
  const set = sets.get(req.set)!;
  const model = AcousticModel.from(req.model);
  const scorer = new DiagScorer(model.gaussians());
  const decoders = req.graphs.map((g) => new Decoder(g));
  try {
    const out = req.graphs.map(() => req.scales.map(() => [] as (Int32Array | null)[]));
    for (const x of set.feats) {
      const loglik = model.pdfLoglik(scorer.score(x));
      decoders.forEach((d, gi) =>
        req.scales.forEach((scale, si) => {
          const r = d.decode(loglik, x.rows, model.numPdfs, scale, req.beam);
          out[gi][si].push(r ? Int32Array.from(r.phones) : null);
        })
      );
    }
    return out;
  } finally {
    scorer.free();
    decoders.forEach((d) => d.free());
  }
}

/** Answers one request; exported so tests can run the work without workers. */
export function handleGmmRequest(req: GmmRequest): unknown {
  switch (req.op) {
    case "load": {
      const feats = loadSet(req.featDir, req.keys, req.deltas);
      sets.set(req.set, {
        keys: req.keys,
        feats,
        transcripts: req.transcripts ?? [],
        alignments: req.keys.map(() => null),
      });
      const dim = feats[0]?.cols ?? 0, s = new CmvnStats(dim);
      for (const x of feats) s.add(x);
      return { frames: s.count, sum: s.sum, sumSq: s.sumSq };
    }
    case "accumulate":
      return accumulate(req);
    case "alignments": {
      const set = sets.get(req.set)!;
      return { keys: set.keys, alignments: set.alignments };
    }
    case "decode":
      return decode(req);
  }
}
