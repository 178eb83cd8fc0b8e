// Decoding graphs: emitting HMM states joined by weighted arcs (stored by source), e.g. a phone loop under a bigram.
import type { Topology } from "../hmm/topology.ts";
import { STATES_PER_PHONE } from "../hmm/topology.ts";
import { tableIndex } from "../hmm/tree.ts";
import { type BigramLm, SENTENCE_END, SENTENCE_START } from "./lm.ts";

export interface DecodeGraph {
  numStates: number;
  statePdf: Int32Array;
  statePhone: Int32Array;
  /** 1 where entering the state starts a new phone. */
  entry: Uint8Array;
  /** Outgoing arcs of state s: arcStart[s] .. arcStart[s+1]-1, to arcDst with log weight arcWeight. */
  arcStart: Int32Array;
  arcDst: Int32Array;
  arcWeight: Float32Array;
  initial: Float32Array;
  final: Float32Array;
}

/** Builds the CSR arrays (by source) from a list of arcs (src -> dst, weight). */
export function graphFromArcs(
  numStates: number,
  arcs: { src: number; dst: number; w: number }[],
  parts: Pick<DecodeGraph, "statePdf" | "statePhone" | "entry" | "initial" | "final">,
): DecodeGraph {
  const arcStart = new Int32Array(numStates + 1);
  for (const a of arcs) arcStart[a.src + 1]++;
  for (let s = 0; s < numStates; s++) arcStart[s + 1] += arcStart[s];
  const fill = arcStart.slice(0, numStates),
    arcDst = new Int32Array(arcs.length),
    arcWeight = new Float32Array(arcs.length);
  for (const a of arcs) {
    const i = fill[a.src]++;
    arcDst[i] = a.dst;
    arcWeight[i] = a.w;
  }
  return { numStates, arcStart, arcDst, arcWeight, ...parts };
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

/**
 * A phone loop with triphone pdfs (from a pdf table: phone, left, right, state; context P is the utterance edge).
 * A phone's copies are kept only as far as its pdfs tell them apart: left contexts with the same pdfs for every right
 * context form a class, and so do right contexts; one copy per (left class, right class). Leaving a copy enters a
 * next phone q only if q is in the copy's right class, and enters q's copy for this phone's left class. The graph
 * is exact for the tree, and as small as its questions allow (mergeContexts = false keeps every context, for checks).
 */
export function contextPhoneLoopGraph(
  topology: Topology,
  table: Int32Array,
  lm: BigramLm,
  insertionPenalty = 0,
  lmScale = 1,
  mergeContexts = true,
): DecodeGraph {
  const P = topology.phones.length, C = P + 1, K = STATES_PER_PHONE;
  const pdfs = (p: number, l: number, r: number) =>
    Array.from({ length: K }, (_, k) => table[tableIndex(P, p, l, r, k)]).join(",");
  const classes = (p: number, side: "left" | "right") => {
    const sig = new Map<string, number>(), of = new Int32Array(C);
    for (let a = 0; a < C; a++) {
      const key = mergeContexts
        ? Array.from({ length: C }, (_, b) => (side === "left" ? pdfs(p, a, b) : pdfs(p, b, a))).join(";")
        : `${a}`;
      if (!sig.has(key)) sig.set(key, sig.size);
      of[a] = sig.get(key)!;
    }
    return { of, count: sig.size };
  };
  const left = Array.from({ length: P }, (_, p) => classes(p, "left")),
    right = Array.from({ length: P }, (_, p) => classes(p, "right"));
  const firstNode = new Int32Array(P + 1);
  for (let p = 0; p < P; p++) firstNode[p + 1] = firstNode[p] + left[p].count * right[p].count;
  const node = (p: number, lc: number, rc: number) => firstNode[p] + lc * right[p].count + rc;
  const S = firstNode[P] * K;
  const statePdf = new Int32Array(S), statePhone = new Int32Array(S), entry = new Uint8Array(S);
  const initial = new Float32Array(S).fill(-Infinity), final = new Float32Array(S).fill(-Infinity);
  const arcs: { src: number; dst: number; w: number }[] = [];
  const member = (cls: { of: Int32Array }, c: number) =>
    Array.from({ length: C }, (_, a) => a).filter((a) => cls.of[a] === c);
  for (let p = 0; p < P; p++) {
    const phone = topology.phones[p], last = p * K + K - 1;
    for (let lc = 0; lc < left[p].count; lc++) {
      const l0 = member(left[p], lc)[0];
      for (let rc = 0; rc < right[p].count; rc++) {
        const rs = member(right[p], rc), n = node(p, lc, rc) * K;
        for (let k = 0; k < K; k++) {
          statePdf[n + k] = table[tableIndex(P, p, l0, rs[0], k)];
          statePhone[n + k] = p;
          arcs.push({ src: n + k, dst: n + k, w: topology.selfLog[p * K + k] });
          if (k > 0) arcs.push({ src: n + k - 1, dst: n + k, w: topology.leaveLog[p * K + k - 1] });
        }
        entry[n] = 1;
        if (left[p].of[P] === lc) initial[n] = lmScale * lm.logP(SENTENCE_START, phone) - insertionPenalty;
        if (rs.includes(P)) {
          final[n + K - 1] = topology.leaveLog[last] + lmScale * lm.logP(phone, SENTENCE_END);
        }
        for (const q of rs) {
          if (q === P) continue;
          const w = topology.leaveLog[last] + lmScale * lm.logP(phone, topology.phones[q]) - insertionPenalty;
          for (let rq = 0; rq < right[q].count; rq++) {
            arcs.push({ src: n + K - 1, dst: node(q, left[q].of[p], rq) * K, w });
          }
        }
      }
    }
  }
  return graphFromArcs(S, arcs, { statePdf, statePhone, entry, initial, final });
}
