// The ablations' i-vector sources: a shuffle that leaves no speaker its own vector, a constant for everyone.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { assignIvectors } from "../../src/pipeline/speaker_dnn.ts";
import { Rng } from "../../src/util/rng.ts";

const pairs = (ids: string[]): [string, string][] => ids.map((id) => [id, `vector of ${id}`]);
const train = pairs(["m01", "f02", "m03", "f04", "m05"]);

test("shuffled: a permutation of the split's vectors in which no speaker keeps its own; seeded", () => {
  for (let seed = 1; seed <= 20; seed++) {
    const got = assignIvectors(train, train, "shuffled", new Rng(seed, "t"));
    assert.equal(got.map(([s]) => s), ["f02", "f04", "m01", "m03", "m05"]);
    assert.ok(got.every(([s, v]) => v !== `vector of ${s}`), JSON.stringify(got));
    assert.equal(got.map(([, v]) => v).sort(), train.map(([, v]) => v).sort());
    assert.equal(assignIvectors(train, train, "shuffled", new Rng(seed, "t")), got);
  }
  const two = assignIvectors(pairs(["a", "b"]), train, "shuffled", new Rng(1, "t"));
  assert.equal(two, [["a", "vector of b"], ["b", "vector of a"]]);
});

test("shuffled, a split of one speaker: a training speaker's vector; constant: the first training speaker's", () => {
  const [[spk, v]] = assignIvectors(pairs(["dev1"]), train, "shuffled", new Rng(3, "t"));
  assert.is(spk, "dev1");
  assert.ok(train.some(([, t]) => t === v));
  const constant = assignIvectors(pairs(["x", "y"]), train, "constant", new Rng(1, "t"));
  assert.equal(constant, [["x", "vector of f02"], ["y", "vector of f02"]]);
});

test.run();
