// The worker side of decoding: Viterbi search over a set's stored scores with each graph and acoustic scale.
import { getSet } from "../utterances/store.ts";
import type { Handlers } from "../util/pool.ts";
import type { DecodeGraph } from "./graph.ts";
import { Decoder } from "./viterbi.ts";

export type DecodeRequest = {
  op: "decode";
  set: string;
  /** The scores the set holds (set by setScores or a GMM's score request). */
  scoresId: string;
  numPdfs: number;
  graphs: DecodeGraph[];
  scales: number[];
  beam: number;
};

/** result[graph][scale][utterance]: the best path's phone ids, or null where no path survived the beam. */
function decode(req: DecodeRequest): (Int32Array | null)[][][] {
  const set = getSet(req.set);
  if (set.scores?.id !== req.scoresId) throw new Error(`set ${req.set} holds no scores '${req.scoresId}'`);
  const logliks = set.scores.logliks;
  const decoders = req.graphs.map((g) => new Decoder(g));
  try {
    const out = req.graphs.map(() => req.scales.map(() => [] as (Int32Array | null)[]));
    logliks.forEach((ll) =>
      decoders.forEach((d, gi) =>
        req.scales.forEach((scale, si) => {
          const r = d.decode(ll, ll.length / req.numPdfs, req.numPdfs, scale, req.beam);
          out[gi][si].push(r ? Int32Array.from(r.phones) : null);
        })
      )
    );
    return out;
  } finally {
    decoders.forEach((d) => d.free());
  }
}

export const decodeHandlers: Handlers<DecodeRequest> = { decode };
