// The 61 -> 48 -> 39 phone maps.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { map48to39, map61to48, PHONES_39, PHONES_48, PHONES_61 } from "../../src/corpus/phones.ts";

test("set sizes are TIMIT's", () => {
  assert.is(PHONES_61.length, 61);
  assert.is(PHONES_48.length, 48);
  assert.is(PHONES_39.length, 39);
});

test("61 -> 48 deletes q and folds closures and allophones", () => {
  assert.equal(map61to48(["h#", "q", "bcl", "b", "ax-h", "hv", "pau", "ux", "eng"]), [
    "sil",
    "vcl",
    "b",
    "ax",
    "hh",
    "sil",
    "uw",
    "ng",
  ]);
});

test("48 -> 39 folds the scoring classes", () => {
  assert.equal(map48to39(["cl", "vcl", "epi", "sil", "ao", "ix", "zh", "el", "en", "er"]), [
    "sil",
    "sil",
    "sil",
    "sil",
    "aa",
    "ih",
    "sh",
    "l",
    "n",
    "er",
  ]);
});

test("unknown symbols are errors, not skips", () => {
  assert.throws(() => map61to48(["sh", "xx"]), /unknown TIMIT phone 'xx'/);
  assert.throws(() => map48to39(["h#"]), /'h#' is not one of the 48/);
});

test.run();
