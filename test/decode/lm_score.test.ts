// Bigram LM and edit-distance scoring on hand-checkable cases (MAPSSWE: mapsswe.test.ts).
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

test.run();
