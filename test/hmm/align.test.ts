// Forced alignment, equal alignment and transition estimation on hand-checkable cases.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { alignWithRetry, equalAlignment, viterbiAlign } from "../../src/hmm/align.ts";
import { Topology } from "../../src/hmm/topology.ts";

const chain = (pdf: number[], stay = 0.5) => ({
  pdf: Int32Array.from(pdf),
  selfLog: new Float64Array(pdf.length).fill(Math.log(stay)),
  leaveLog: new Float64Array(pdf.length).fill(Math.log(1 - stay)),
});

test("equal alignment shares frames evenly; too few frames is a failure", () => {
  assert.equal([...equalAlignment(6, 3)!], [0, 0, 1, 1, 2, 2]);
  assert.equal([...equalAlignment(7, 3)!], [0, 0, 0, 1, 1, 2, 2]);
  assert.is(equalAlignment(2, 3), null);
});

test("Viterbi alignment follows the acoustics through the chain", () => {
  // 3 pdfs, frames clearly 0 0 1 1 1 2
  const frames = [0, 0, 1, 1, 1, 2];
  const ll = new Float32Array(frames.length * 3).fill(-10);
  frames.forEach((p, t) => (ll[t * 3 + p] = 0));
  assert.equal([...viterbiAlign(ll, 3, 6, chain([0, 1, 2]), 1, 100)!], frames);
  assert.is(viterbiAlign(ll, 3, 2, chain([0, 1, 2]), 1, 100), null, "fewer frames than states");
});

test("a too narrow beam fails and the retry beam recovers", () => {
  // 3 frames for 3 states: the path must be 0 1 2, but frame 1 sounds like state 0, so a tight beam prunes state 1
  const ll = Float32Array.from([0, -30, -30, 0, -30, -30, -30, -30, 0]);
  const c = chain([0, 1, 2]);
  assert.is(viterbiAlign(ll, 3, 3, c, 1, 1), null);
  const r = alignWithRetry(ll, 3, 3, c, 1, 1, 100)!;
  assert.ok(r.retried);
  assert.equal([...r.path], [0, 1, 2]);
});

test("transition probabilities from alignments: stays over visits, floored", () => {
  const t = new Topology(["a", "b"]);
  t.estimateTransitions([Int32Array.from([0, 0, 0, 1, 2, 3, 3, 4, 5])]);
  assert.ok(Math.abs(Math.exp(t.selfLog[0]) - 2 / 3) < 1e-12);
  assert.ok(Math.abs(Math.exp(t.selfLog[1]) - 0.05) < 1e-12, "a state left at once is floored");
  assert.ok(Math.abs(Math.exp(t.selfLog[3]) - 0.5) < 1e-12);
});

test.run();
