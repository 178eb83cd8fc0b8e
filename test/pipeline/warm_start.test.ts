// The speaker-aware stages' settings taken from the initial DNN: step 2's rate where it ended, the decoding grid.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DNN_PROFILES } from "../../src/nnet/config.ts";
import { gridAround, warmStartConfig } from "../../src/pipeline/speaker_dnn.ts";

const ended = (...rates: number[]) => ({ epochs: rates.map((learnRate) => ({ learnRate })) });

test("step 2 starts where the initial DNN's newbob ended, never above the profile's rate, where the profile asks", () => {
  const cpu = DNN_PROFILES.cpu, paper = DNN_PROFILES.paper;
  assert.is(warmStartConfig(cpu, ended(0.008, 0.004, 0.002, 0.001)).speaker.all.learnRate, 0.001);
  assert.is(warmStartConfig(cpu, ended(0.008, 0.008)).speaker.all.learnRate, cpu.speaker.all.learnRate);
  assert.equal(warmStartConfig(cpu, ended(0.008, 0.001)).speaker.newOnly, cpu.speaker.newOnly);
  assert.is(warmStartConfig(paper, ended(0.008, 0.001)), paper, "the paper profile starts step 2 at 0.008");
});

test("the speaker stages decode at the initial DNN's setting and its neighbours in the grid as its search widened it", () => {
  const initial = {
    acousticScale: 0.63,
    insertionPenalty: 4,
    devGrid: [0.3, 0.4, 0.5, 0.63, 0.79].map((acousticScale) => ({
      acousticScale,
      insertionPenalty: 0,
      per: 1,
    })),
  };
  const d = gridAround(initial, 1);
  assert.equal([d.acousticScales, d.insertionPenalties], [[0.5, 0.63, 0.79], [4]]);
  assert.equal(gridAround(initial, 0).acousticScales, [0.63]);
});

test.run();
