// The dev search: the coordinate walk over acoustic scales and penalties, and its widening at a grid's edge.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DECODE_DEFAULTS, searchDevGrid } from "../../src/decode/search.ts";

/** A smooth dev PER surface with its minimum at (scale, penalty), recording every setting tried. */
function surface(scale: number, penalty: number) {
  const tried: string[] = [];
  const tryOnDev = (penalties: number[], scales: number[]) =>
    Promise.resolve(penalties.map((p) =>
      scales.map((s) => {
        tried.push(`${s}/${p}`);
        return 20 + 10 * Math.log(s / scale) ** 2 + 0.1 * (p - penalty) ** 2;
      })
    ));
  return { tryOnDev, tried };
}

test("an optimum inside the grid is found without widening it", async () => {
  const s = surface(0.2, -1.5);
  const best = await searchDevGrid(DECODE_DEFAULTS, s.tryOnDev);
  assert.equal([best.scale, best.penalty], [0.22, -2]);
  assert.equal(s.tried, ["0.13/0", "0.17/0", "0.22/0", "0.3/0", "0.22/-4", "0.22/-2", "0.22/2"]);
});

test("an optimum beyond the grid's edges widens both grids until it is interior", async () => {
  const s = surface(0.8, 6.2);
  const best = await searchDevGrid(DECODE_DEFAULTS, s.tryOnDev);
  assert.equal([best.scale, best.penalty], [0.79, 6]);
  // the scales go on geometrically past 0.5 (0.63, 0.79, 0.99); the penalties by 2 past 2 (4, 6, 8)
  assert.equal(s.tried.filter((t) => t.endsWith("/0")).map((t) => Number(t.split("/")[0])).slice(-4), [
    0.5,
    0.63,
    0.79,
    0.99,
  ]);
  assert.equal(s.tried.slice(-6), ["0.79/-4", "0.79/-2", "0.79/2", "0.79/4", "0.79/6", "0.79/8"]);
});

test("a grid widens downwards too, and a single value is a fixed setting, never widened", async () => {
  const low = surface(0.03, -9);
  const best = await searchDevGrid(
    { acousticScales: [0.06, 0.08, 0.1], insertionPenalties: [0, -2] },
    low.tryOnDev,
  );
  assert.equal([best.scale, best.penalty], [0.034, -8]);
  const fixed = surface(0.03, -9);
  const at = await searchDevGrid({ acousticScales: [0.1], insertionPenalties: [2] }, fixed.tryOnDev);
  assert.equal([at.scale, at.penalty], [0.1, 2]);
  assert.equal(fixed.tried, ["0.1/2"]);
});

test.run();
