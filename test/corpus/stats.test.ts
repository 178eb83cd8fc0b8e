// Corpus statistics on hand-checkable inputs.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { phoneCounts39, speakerSeparation } from "../../src/corpus/stats.ts";
import { openTimit } from "../../src/corpus/timit.ts";
import { smallCorpus } from "./fixture.ts";

test("phone counts per 39-class follow the 61 -> 48 -> 39 map", () => {
  const counts = phoneCounts39(openTimit(smallCorpus()));
  assert.is(counts.get("sil"), 18); // two h# in each of 9 utterances
  assert.is(counts.get("sh"), 9);
  assert.is(counts.get("iy"), 9);
  assert.is(counts.size, 39);
});

test("speaker separation: exact F-ratio and perfect identification for well-separated speakers", () => {
  const v = (...x: number[]) => Float64Array.from(x);
  // speaker means at -2 and +2 in dim 0 (between variance 4), within-speaker spread ±1 (variance 1); dim 1 same
  const items = [
    { speaker: "a", vector: v(-3, -1) },
    { speaker: "a", vector: v(-1, -3) },
    { speaker: "b", vector: v(1, 3) },
    { speaker: "b", vector: v(3, 1) },
  ];
  const s = speakerSeparation(items);
  assert.equal([s.speakers, s.utterances, s.identification], [2, 4, 1]);
  assert.ok(Math.abs(s.fRatio - 4) < 1e-12, `F-ratio ${s.fRatio}`);
});

test.run();
