// Decoding graphs: emitting HMM states joined by weighted arcs (stored by destination), e.g. a phone loop under a bigram.
import type { Topology } from "../hmm/topology.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";
import { type BigramLm, SENTENCE_END, SENTENCE_START } from "./lm.ts";

export interface DecodeGraph {
  numStates: number;
  statePdf: Int32Array;
  statePhone: Int32Array;
  /** 1 where entering the state starts a new phone. */
  entry: Uint8Array;
  /** Incoming arcs of state s: arcStart[s] .. arcStart[s+1]-1, from arcSrc with log weight arcWeight. */
  arcStart: Int32Array;
  arcSrc: Int32Array;
  arcWeight: Float32Array;
  initial: Float32Array;
  final: Float32Array;
}

/** Builds the CSR arrays from a list of arcs (src -> dst, weight). */
export function graphFromArcs(
  numStates: number,
  arcs: { src: number; dst: number; w: number }[],
  parts: Pick<DecodeGraph, "statePdf" | "statePhone" | "entry" | "initial" | "final">,
): DecodeGraph {
  const arcStart = new Int32Array(numStates + 1);
  for (const a of arcs) arcStart[a.dst + 1]++;
  for (let s = 0; s < numStates; s++) arcStart[s + 1] += arcStart[s];
  const fill = arcStart.slice(0, numStates),
    arcSrc = new Int32Array(arcs.length),
    arcWeight = new Float32Array(arcs.length);
  for (const a of arcs) {
    const i = fill[a.dst]++;
    arcSrc[i] = a.src;
    arcWeight[i] = a.w;
  }
  return { numStates, arcStart, arcSrc, arcWeight, ...parts };
}

/**
 * A loop over all phones: each phone's 3 states in a row with self-loops and transition probabilities; leaving a
 * phone's last state enters any phone's first state with lmScale * log P(next | phone) and an insertion penalty.
 */
export function phoneLoopGraph(
  topology: Topology,
  pdfOf: (phone: number, state: number) => number,
  lm: BigramLm,
  insertionPenalty = 0,
  lmScale = 1,
): DecodeGraph {
  const P = topology.phones.length, S = P * STATES_PER_PHONE;
  const arcs: { src: number; dst: number; w: number }[] = [];
  const statePdf = new Int32Array(S), statePhone = new Int32Array(S), entry = new Uint8Array(S);
  const initial = new Float32Array(S).fill(-Infinity), final = new Float32Array(S).fill(-Infinity);
  for (let p = 0; p < P; p++) {
    const phone = topology.phones[p];
    for (let k = 0; k < STATES_PER_PHONE; k++) {
      const s = p * STATES_PER_PHONE + k;
      statePdf[s] = pdfOf(p, k);
      statePhone[s] = p;
      arcs.push({ src: s, dst: s, w: topology.selfLog[s] });
      if (k > 0) arcs.push({ src: s - 1, dst: s, w: topology.leaveLog[s - 1] });
    }
    const first = p * STATES_PER_PHONE, last = first + STATES_PER_PHONE - 1;
    entry[first] = 1;
    initial[first] = lmScale * lm.logP(SENTENCE_START, phone) - insertionPenalty;
    final[last] = topology.leaveLog[last] + lmScale * lm.logP(phone, SENTENCE_END);
    for (let q = 0; q < P; q++) {
      arcs.push({
        src: last,
        dst: q * STATES_PER_PHONE,
        w: topology.leaveLog[last] + lmScale * lm.logP(phone, topology.phones[q]) - insertionPenalty,
      });
    }
  }
  return graphFromArcs(S, arcs, { statePdf, statePhone, entry, initial, final });
}
