// Decision-tree tying on statistics where the right splits are known.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  buildTree,
  clusterPhones,
  type ContextStat,
  pdfTable,
  pooledLoglik,
  treePdf,
} from "../../src/hmm/tree.ts";

const stat = (
  left: number,
  phone: number,
  right: number,
  state: number,
  mean: number,
  count = 200,
): ContextStat => ({
  left,
  phone,
  right,
  state,
  count,
  sum: Float64Array.from([mean * count]),
  sumSq: Float64Array.from([(1 + mean * mean) * count]), // unit variance around `mean`
});

test("pooled log-likelihood of unit-variance data: -n/2 (log 2 pi + 1)", () => {
  const s = stat(0, 0, 0, 0, 3, 10);
  assert.ok(Math.abs(pooledLoglik(s, 1e-3) + 5 * (Math.log(2 * Math.PI) + 1)) < 1e-9);
});

test("the tree splits first on the right context that moves a state's mean, then on the state", () => {
  // phones 0..2, edge = 3; phone 0's state 1 has mean 5 when the right phone is 1, all else mean 0
  const stats: ContextStat[] = [];
  for (let p = 0; p < 3; p++) {
    for (let l = 0; l < 4; l++) {
      for (let r = 0; r < 4; r++) {
        for (let k = 0; k < 3; k++) stats.push(stat(l, p, r, k, p === 0 && r === 1 && k === 1 ? 5 : 0));
      }
    }
  }
  const sets = [[0], [1], [2], [0, 1], [1, 2], [0, 2]];
  const four = buildTree(stats, sets, 3, 3, { numLeaves: 4, minLeafCount: 100, varFloor: 1e-3 });
  const root = four.roots[0];
  assert.ok(
    !("leaf" in root) && root.question.on === "right" && root.question.set.join() === "1",
    JSON.stringify(root),
  );
  const five = buildTree(stats, sets, 3, 3, { numLeaves: 5, minLeafCount: 100, varFloor: 1e-3 });
  const shifted = treePdf(five, 2, 0, 1, 1);
  for (const [l, r, k] of [[2, 1, 0], [2, 1, 2], [2, 0, 1], [0, 3, 1]]) {
    assert.not.equal(treePdf(five, l, 0, r, k), shifted);
  }
  assert.is(treePdf(five, 0, 0, 1, 1), shifted, "the left context does not matter");
  assert.is(five.numLeaves, 5);
  const table = pdfTable(five);
  assert.is(table[((0 * 4 + 2) * 4 + 1) * 3 + 1], shifted);
  assert.is(new Set(table).size, 5);
});

test("no split leaves fewer than the minimum count; phone clustering separates two clear groups", () => {
  const stats = [stat(0, 0, 0, 0, 0), stat(1, 0, 0, 0, 9, 50)];
  assert.is(
    buildTree(stats, [[0], [1]], 2, 3, { numLeaves: 10, minLeafCount: 100, varFloor: 1e-3 }).numLeaves,
    2,
  );
  const groups = [stat(0, 0, 0, 0, 0), stat(0, 1, 0, 0, 0.2), stat(0, 2, 0, 0, 8), stat(0, 3, 0, 0, 8.3)];
  const sets = clusterPhones(groups, 4, 0, 1e-3);
  assert.ok(sets.some((s) => s.join() === "0,1,4"), JSON.stringify(sets)); // edge (4) rides with phone 0
  assert.ok(sets.some((s) => s.join() === "2,3"), JSON.stringify(sets));
});

test.run();
