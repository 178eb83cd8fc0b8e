// The default corpus plan: TIMIT's speaker counts, sexes, regions, sentence design and standard split sizes.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  EXTRA_PER_REGION,
  extraSpeakers,
  planCorpus,
  TRAIN_PER_REGION,
  trainSpeakers,
} from "../../../src/corpus/synth/speakers.ts";
import { DEV_SPEAKERS, TEST_SPEAKERS } from "../../../src/corpus/timit.ts";

const plan = planCorpus(1);

test("462 training speakers in TIMIT's shape: per-region counts, 326 male / 136 female, unique ids", () => {
  const train = trainSpeakers();
  assert.is(train.length, 462);
  assert.equal(
    TRAIN_PER_REGION.map((_, r) => train.filter((s) => s.dialect === r + 1).length),
    TRAIN_PER_REGION,
  );
  assert.is(train.filter((s) => s.sex === "f").length, 136);
  assert.ok(train.every((s) => /^[fm][a-z]{3}[0-9]$/.test(s.id) && s.id[0] === s.sex));
  const all = new Set([...train.map((s) => s.id), ...DEV_SPEAKERS, ...TEST_SPEAKERS]);
  assert.is(all.size, 462 + 74);
  assert.equal(trainSpeakers(), train, "ids do not depend on anything but the code");
});

test("94 extra test speakers in the shape of TIMIT's other TEST speakers: per region, 30 female, own ids", () => {
  const extra = extraSpeakers();
  assert.is(extra.length, 94);
  assert.equal(
    EXTRA_PER_REGION.map((_, r) => extra.filter((s) => s.dialect === r + 1).length),
    EXTRA_PER_REGION,
  );
  assert.is(extra.filter((s) => s.sex === "f").length, 30);
  const all = new Set([...extra, ...trainSpeakers()].map((s) => s.id).concat(DEV_SPEAKERS, TEST_SPEAKERS));
  assert.is(all.size, 94 + 462 + 74);
  // with dev and the core test, TIMIT's TEST: 168 speakers, 112 male, per region [11, 26, 26, 32, 28, 11, 23, 11]
  const test = plan.filter((s) => s.set === "test");
  assert.is(test.length, 168);
  assert.is(test.filter((s) => s.sex === "m").length, 112);
  assert.equal([1, 2, 3, 4, 5, 6, 7, 8].map((r) => test.filter((s) => s.dialect === r).length), [
    11,
    26,
    26,
    32,
    28,
    11,
    23,
    11,
  ]);
});

test("standard splits without SA: 3696 / 400 / 192 / 752 utterances", () => {
  const count = (split: string) =>
    plan.filter((s) => s.split === split).reduce(
      (n, s) => n + s.sentences.filter((x) => x.kind !== "sa").length,
      0,
    );
  assert.equal([count("train"), count("dev"), count("test"), count("extra")], [3696, 400, 192, 752]);
  assert.ok(
    plan.every((s) =>
      s.sentences.length === 10 && s.sentences[0].id === "sa1" && s.sentences[1].id === "sa2"
    ),
  );
});

test("each training SX prompt is read by 7 speakers; SI prompts are unique; train and dev/test prompts are disjoint", () => {
  const readers = new Map<string, number>();
  const side = new Map<string, string>();
  for (const s of plan) {
    for (const x of s.sentences.filter((x) => x.kind !== "sa")) {
      readers.set(x.text, (readers.get(x.text) ?? 0) + 1);
      const sideOf = s.split === "train" ? "train" : "eval";
      assert.ok((side.get(x.text) ?? sideOf) === sideOf, `'${x.text}' is read on both sides`);
      side.set(x.text, sideOf);
    }
  }
  const trainSx = plan.filter((s) => s.split === "train").flatMap((s) =>
    s.sentences.filter((x) => x.kind === "sx")
  );
  assert.ok(trainSx.every((x) => readers.get(x.text) === 7));
  const si = plan.flatMap((s) => s.sentences.filter((x) => x.kind === "si"));
  assert.ok(si.every((x) => readers.get(x.text) === 1));
});

test("a smaller corpus is the first speakers of each list, planned exactly as in the full corpus", () => {
  const small = planCorpus(1, { train: 3, dev: 2, test: 1, extra: 1 });
  assert.equal(small.map((s) => s.split), ["train", "train", "train", "test", "dev", "dev", "extra"]);
  for (const s of small) assert.equal(s, plan.find((p) => p.id === s.id));
  assert.equal(new Set(small.filter((s) => s.split === "train").map((s) => s.dialect)).size, 3);
  assert.throws(
    () => planCorpus(1, { train: 463, dev: 0, test: 0, extra: 0 }),
    /--train-speakers must be between 0 and 462/,
  );
});

test("the seed changes the prompts, not the speakers", () => {
  const other = planCorpus(2, { train: 5, dev: 0, test: 0, extra: 0 });
  assert.equal(other.map((s) => s.id), plan.slice(0, 5).map((s) => s.id));
  assert.not.equal(other[0].sentences[2].text, plan[0].sentences[2].text);
});

test.run();
