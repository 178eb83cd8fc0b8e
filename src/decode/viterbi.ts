// Viterbi decoding of frames x pdfs log-likelihoods over a DecodeGraph: the wasm kernel, a reference, traceback.
import { type CoreVariant, loadCore, type WasmF32 } from "../simd/core.ts";
import type { DecodeGraph } from "./graph.ts";

export interface DecodeResult {
  /** Graph state per frame. */
  states: Int32Array;
  /** Phone ids of the best path, in order. */
  phones: number[];
  score: number;
}

/** Phone sequence of a state path: a phone starts where the path enters an entry state from another state. */
function phonesOfPath(graph: DecodeGraph, states: Int32Array): number[] {
  const phones: number[] = [];
  for (let t = 0; t < states.length; t++) {
    if (t === 0 || (states[t] !== states[t - 1] && graph.entry[states[t]])) {
      phones.push(graph.statePhone[states[t]]);
    }
  }
  return phones;
}

/**
 * Plain TypeScript reference of the kernel (same pruning, same tie-breaking). When no final state survives, the path
 * ends in the best surviving state (a partial path, as Kaldi's --allow-partial).
 */
export function viterbiReference(
  graph: DecodeGraph,
  loglik: Float32Array,
  frames: number,
  numPdfs: number,
  acousticScale: number,
  beam: number,
): DecodeResult | null {
  const S = graph.numStates, f = Math.fround;
  let prev = new Float32Array(S), cur = new Float32Array(S);
  const back = new Int32Array(frames * S).fill(-1);
  const prune = (x: Float32Array, best: number) =>
    x.forEach((v, s) => (x[s] = v < f(best - beam) ? -Infinity : v));
  let best = -Infinity;
  for (let s = 0; s < S; s++) {
    (prev[s] = f(graph.initial[s] + f(acousticScale * loglik[graph.statePdf[s]]))),
      (best = Math.max(best, prev[s]));
  }
  prune(prev, best);
  for (let t = 1; t < frames; t++) {
    cur.fill(-Infinity);
    for (let s = 0; s < S; s++) {
      if (prev[s] === -Infinity) continue;
      for (let a = graph.arcStart[s]; a < graph.arcStart[s + 1]; a++) {
        const d = graph.arcDst[a], v = f(prev[s] + graph.arcWeight[a]);
        if (v > cur[d]) (cur[d] = v), (back[t * S + d] = s);
      }
    }
    best = -Infinity;
    for (let s = 0; s < S; s++) {
      if (cur[s] === -Infinity) continue;
      cur[s] = f(cur[s] + f(acousticScale * loglik[t * numPdfs + graph.statePdf[s]]));
      best = Math.max(best, cur[s]);
    }
    prune(cur, best);
    [prev, cur] = [cur, prev];
  }
  let end = -1, score = -Infinity, any = -1, anyScore = -Infinity;
  for (let s = 0; s < S; s++) {
    const v = f(prev[s] + graph.final[s]);
    if (v > score) (score = v), (end = s);
    if (prev[s] > anyScore) (anyScore = prev[s]), (any = s);
  }
  if (end < 0) (end = any), (score = anyScore);
  return end < 0 ? null : trace(graph, back, frames, end, score);
}

function trace(
  graph: DecodeGraph,
  back: Int32Array,
  frames: number,
  end: number,
  score: number,
): DecodeResult {
  const states = new Int32Array(frames);
  for (let t = frames - 1, s = end; t >= 0; t--) {
    states[t] = s;
    s = back[t * graph.numStates + s];
  }
  return { states, phones: phonesOfPath(graph, states), score };
}

/** A graph uploaded to the wasm core once, decoding many utterances. */
export class Decoder {
  private readonly buffers: Record<string, WasmF32>;

  constructor(readonly graph: DecodeGraph, readonly variant: CoreVariant = "simd") {
    const { heap } = loadCore(variant);
    const ints = (x: Int32Array) => {
      const b = heap.f32(x.length);
      b.ints.set(x);
      return b;
    };
    this.buffers = {
      statePdf: ints(graph.statePdf),
      arcStart: ints(graph.arcStart),
      arcDst: ints(graph.arcDst),
      arcWeight: heap.copy(graph.arcWeight),
      initial: heap.copy(graph.initial),
      final: heap.copy(graph.final),
    };
  }

  decode(
    loglik: Float32Array,
    frames: number,
    numPdfs: number,
    acousticScale: number,
    beam = 15,
  ): DecodeResult | null {
    if (loglik.length !== frames * numPdfs) {
      throw new Error(`decode: ${loglik.length} log-likelihoods for ${frames} x ${numPdfs}`);
    }
    const { exports, heap } = loadCore(this.variant);
    const g = this.graph, b = this.buffers;
    return heap.scoped((h) => {
      const ll = h.copy(loglik),
        a = h.f32(g.numStates),
        c = h.f32(g.numStates),
        back = h.f32(frames * g.numStates),
        active = h.f32(g.numStates),
        next = h.f32(g.numStates),
        stamp = h.f32(g.numStates);
      const end = exports.viterbi(
        ll.ptr,
        frames,
        numPdfs,
        g.numStates,
        b.statePdf.ptr,
        b.arcStart.ptr,
        b.arcDst.ptr,
        b.arcWeight.ptr,
        b.initial.ptr,
        b.final.ptr,
        acousticScale,
        beam,
        a.ptr,
        c.ptr,
        back.ptr,
        active.ptr,
        next.ptr,
        stamp.ptr,
      );
      return end < 0 ? null : trace(g, back.ints, frames, end, a.view[0]);
    });
  }

  free() {
    for (const b of Object.values(this.buffers)) b.free();
  }
}
