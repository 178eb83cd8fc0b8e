// The tiny generated corpus the pipeline tests run on: 6 training speakers, 1 dev, 1 core test, 1 extra test, the clean preset.
import { generateCorpus } from "../../src/corpus/synth/generate.ts";
import { PRESETS } from "../../src/corpus/synth/voices.ts";

export const tinyCorpus = (out: string) =>
  generateCorpus({
    out,
    seed: 5,
    presetName: "clean",
    preset: PRESETS.clean,
    counts: { train: 6, dev: 1, test: 1, extra: 1 },
    jobs: 2,
  });
