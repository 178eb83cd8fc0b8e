// The Viterbi decoder on a hand-checkable graph, and the wasm kernel against the reference on a random one.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BigramLm } from "../../src/decode/lm.ts";
import { contextPhoneLoopGraph, graphFromArcs, phoneLoopGraph } from "../../src/decode/graph.ts";
import { Decoder, viterbiReference } from "../../src/decode/viterbi.ts";
import { Topology } from "../../src/hmm/topology.ts";
import { Rng } from "../../src/util/rng.ts";

test("two-state graph: the best path is the hand-computed one", () => {
  // states 0 (pdf 0) and 1 (pdf 1); start in 0; 0->0 log .5, 0->1 log .5, 1->1 log 1; end in 1
  const L = Math.log;
  const g = graphFromArcs(2, [{ src: 0, dst: 0, w: L(0.5) }, { src: 0, dst: 1, w: L(0.5) }, {
    src: 1,
    dst: 1,
    w: 0,
  }], {
    statePdf: Int32Array.from([0, 1]),
    statePhone: Int32Array.from([0, 1]),
    entry: Uint8Array.from([1, 1]),
    initial: Float32Array.from([0, -Infinity]),
    final: Float32Array.from([-Infinity, 0]),
  });
  // frames favour pdf 0, 0, then 1, 1: best path 0 0 1 1
  const ll = Float32Array.from([-1, -5, -1, -5, -5, -1, -5, -1]);
  const want = [0, 0, 1, 1];
  const ref = viterbiReference(g, ll, 4, 2, 1, 100)!;
  assert.equal([...ref.states], want);
  assert.ok(Math.abs(ref.score - (-1 + Math.log(0.5) - 1 + Math.log(0.5) - 1 + 0 - 1)) < 1e-5);
  const dec = new Decoder(g);
  const got = dec.decode(ll, 4, 2, 1, 100)!;
  assert.equal([...got.states], want);
  assert.equal(got.phones, [0, 1]);
  const partial = dec.decode(Float32Array.from([-1, -5]), 1, 2, 1, 100)!;
  assert.equal([...partial.states], [0], "one frame cannot reach the final state: the best partial path");
  dec.free();
});

test("phone loop under a bigram: wasm (SIMD and scalar) and reference agree, pruning included", () => {
  const phones = ["aa", "b", "sil"];
  const topo = new Topology(phones);
  const lm = new BigramLm(phones, [["sil", "b", "aa", "sil"], ["sil", "aa", "b", "sil"]]);
  const graph = phoneLoopGraph(topo, (p, k) => p * 3 + k, lm, 0.5);
  const rng = new Rng("viterbi");
  const frames = 60, pdfs = 9;
  const ll = Float32Array.from({ length: frames * pdfs }, () => -5 * rng.next() - 1);
  for (const beam of [1000, 8]) {
    const ref = viterbiReference(graph, ll, frames, pdfs, 0.5, beam)!;
    for (const variant of ["simd", "scalar"] as const) {
      const dec = new Decoder(graph, variant);
      const got = dec.decode(ll, frames, pdfs, 0.5, beam)!;
      assert.equal([...got.states], [...ref.states], `${variant} beam ${beam}`);
      assert.ok(Math.abs(got.score - ref.score) < 1e-3);
      dec.free();
    }
    assert.ok(
      ref.phones.length >= 1 &&
        ref.states.every((s, t) =>
          t === 0 || s === ref.states[t - 1] || graph.arcDst.includes(ref.states[t])
        ),
    );
  }
});

test("triphone loop: context classes decode exactly like every context kept, and like the monophone loop when pdfs ignore context", () => {
  const phones = ["aa", "b", "sil"];
  const topo = new Topology(phones);
  const lm = new BigramLm(phones, [["sil", "b", "aa", "sil"], ["sil", "aa", "b", "b", "sil"]]);
  const P = 3, C = 4, K = 3;
  const mono = new Int32Array(P * C * C * K), tri = new Int32Array(P * C * C * K);
  for (let p = 0; p < P; p++) {
    for (let l = 0; l < C; l++) {
      for (let r = 0; r < C; r++) {
        for (let k = 0; k < K; k++) {
          const i = ((p * C + l) * C + r) * K + k;
          mono[i] = p * K + k;
          tri[i] = p * K + k + (k === 2 && r === 1 ? 9 : 0) + (k === 0 && l === 3 ? 18 : 0); // right context b and the edge matter
        }
      }
    }
  }
  const rng = new Rng("triphone graph");
  const frames = 50, pdfs = 27;
  const ll = Float32Array.from({ length: frames * pdfs }, () => -4 * rng.next() - 1);
  const a = viterbiReference(contextPhoneLoopGraph(topo, mono, lm, 0.5), ll, frames, pdfs, 0.5, 1000)!;
  const b = viterbiReference(
    phoneLoopGraph(topo, (p, k) => p * 3 + k, lm, 0.5),
    ll,
    frames,
    pdfs,
    0.5,
    1000,
  )!;
  assert.equal(a.phones, b.phones);
  assert.ok(Math.abs(a.score - b.score) < 1e-3);
  const merged = contextPhoneLoopGraph(topo, tri, lm, 0.5),
    full = contextPhoneLoopGraph(topo, tri, lm, 0.5, 1, false);
  assert.ok(merged.numStates < full.numStates, `${merged.numStates} vs ${full.numStates}`);
  const m = viterbiReference(merged, ll, frames, pdfs, 0.5, 1000)!,
    f = viterbiReference(full, ll, frames, pdfs, 0.5, 1000)!;
  assert.equal(m.phones, f.phones);
  assert.ok(Math.abs(m.score - f.score) < 1e-3);
});

test.run();
