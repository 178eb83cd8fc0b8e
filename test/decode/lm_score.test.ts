// Bigram LM, edit-distance scoring and the MAPSSWE significance test on hand-checkable cases.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { BigramLm } from "../../src/decode/lm.ts";
import {
  alignSequences,
  countEdits,
  errorRate,
  formatCounts,
  scoreHypotheses,
} from "../../src/decode/score.ts";
import { mapsswe, normalCdf } from "../../src/decode/significance.ts";

test("bigram LM: Witten-Bell probabilities by hand, normalized, perplexity", () => {
  const lm = new BigramLm(["a", "b"], [["a", "b"], ["a", "a"]]);
  // unigram counts over {a, b, </s>}: a 3, b 1, </s> 2; N = 6, 3 types seen: P_uni = (c + 1) / 9
  // after <s>: c(<s>,a) = 2, T(<s>) = 1: P(a|<s>) = (2 + 1 * 4/9) / 3, P(b|<s>) = (0 + 2/9) / 3
  assert.ok(Math.abs(Math.exp(lm.logP("<s>", "a")) - (2 + 4 / 9) / 3) < 1e-12);
  assert.ok(Math.abs(Math.exp(lm.logP("<s>", "b")) - (2 / 9) / 3) < 1e-12);
  for (const prev of ["<s>", "a", "b"]) {
    const sum = ["a", "b", "</s>"].reduce((s, w) => s + Math.exp(lm.logP(prev, w)), 0);
    assert.ok(Math.abs(sum - 1) < 1e-12, `P(. | ${prev}) sums to ${sum}`);
  }
  const p = Math.exp(-(lm.logP("<s>", "a") + lm.logP("a", "b") + lm.logP("b", "</s>")) / 3);
  assert.ok(Math.abs(lm.perplexity([["a", "b"]]) - p) < 1e-12);
  assert.throws(() => new BigramLm(["a"], [["z"]]), /'z', not in the vocabulary/);
});

test("edit-distance alignment and counts (hand-checked)", () => {
  const al = alignSequences(["a", "b", "c", "d"], ["a", "c", "d", "e"]);
  assert.equal(al.map((p) => p.edit).join(""), "CDCCI");
  const c = countEdits(al);
  assert.equal(c, { ref: 4, sub: 0, del: 1, ins: 1 });
  assert.is(errorRate(c), 50);
  assert.is(formatCounts(c), "%PER 50.00 [ 2 / 4, 1 ins, 1 del, 0 sub ]");
  assert.equal(countEdits(alignSequences(["a", "b"], ["x", "y"])), { ref: 2, sub: 2, del: 0, ins: 0 });
  const r = scoreHypotheses(
    new Map([["u1", ["a", "b"]], ["u2", ["c"]]]),
    new Map([["u1", ["a", "b"]], ["u2", []]]),
    new Map([["u1", "s1"], ["u2", "s2"]]),
  );
  assert.equal(r.total, { ref: 3, sub: 0, del: 1, ins: 0 });
  assert.equal(r.perSpeaker.get("s2"), { ref: 1, sub: 0, del: 1, ins: 0 });
});

test("MAPSSWE: segments between runs of two tokens both systems got right", () => {
  const refs = new Map([["u", "a b c d e f g h".split(" ")]]);
  const A = new Map([["u", "a x c d e f g h".split(" ")]]); // error at b
  const B = new Map([["u", "a b c d e y g h".split(" ")]]); // error at f
  const r = mapsswe(refs, A, B);
  assert.is(r.segments, 2);
  assert.is(r.meanDifference, 0);
});

test("MAPSSWE: identical systems are not different; a consistently better one is", () => {
  const refs = new Map<string, string[]>(), a = new Map<string, string[]>(), b = new Map<string, string[]>();
  for (let i = 0; i < 20; i++) {
    const ref = ["p", "q", "r", "s", "t"];
    refs.set(`u${i}`, ref);
    a.set(`u${i}`, i < 15 ? ["p", "x", "r", "s", "t"] : [...ref]);
    b.set(`u${i}`, i < 15 ? [...ref] : ["p", "q", "r", "s", "x"]);
  }
  assert.ok(Math.abs(mapsswe(refs, a, a).pValue - 1) < 1e-6);
  const r = mapsswe(refs, a, b); // 15 segments with +1, 5 with -1
  const mean = (15 - 5) / 20, sd = Math.sqrt((15 * (1 - mean) ** 2 + 5 * (-1 - mean) ** 2) / 19);
  assert.is(r.segments, 20);
  assert.ok(Math.abs(r.z - mean / (sd / Math.sqrt(20))) < 1e-12);
  assert.ok(Math.abs(r.pValue - 2 * (1 - normalCdf(r.z))) < 1e-12 && r.pValue < 0.05);
  assert.ok(Math.abs(normalCdf(1.959964) - 0.975) < 1e-6);
});

test.run();
