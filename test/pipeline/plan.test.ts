// --plan on the tiny profile with given speeds: every stage of Table 1 listed, a made one at zero, totals that add up.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { SPLITS } from "../../src/corpus/timit.ts";
import { FEATURE_CONFIGS } from "../../src/features/extract.ts";
import { MODELS, stageFolder } from "../../src/nnet/models.ts";
import { parseExperimentArgs } from "../../src/pipeline/experiment.ts";
import { featuresKey } from "../../src/pipeline/features.ts";
import { type PlanSpeeds, planStages, planTable, unitsPlan } from "../../src/pipeline/plan.ts";
import { stageOwner } from "../../src/pipeline/speaker_dnn.ts";
import { runStage } from "../../src/pipeline/stage.ts";

const root = Deno.makeTempDirSync({ prefix: "phl-plan-" });
const a = parseExperimentArgs("exp:table1", [
  "--profile",
  "tiny",
  "--corpus",
  join(root, "corpus"),
  "--exp",
  join(root, "exp"),
  "--data-root",
  join(root, "data"),
  "--plan",
]);
const speeds: PlanSpeeds = {
  acoustic: { trainFps: 20000, forwardFps: 60000 },
  speaker: { trainFps: 10000, forwardFps: 30000 },
  cpu: 1,
};

test("--plan lists every stage of Table 1 once, the made features at zero, the rest with positive estimates", async () => {
  assert.ok(a.plan);
  const frames = { train: 3000, dev: 800, test: 500, extra: 700 };
  for (const split of SPLITS) {
    const data = join(root, "data", "corpus", split);
    Deno.mkdirSync(data, { recursive: true });
    for (const f of ["wav.scp", "utt2spk", "text"]) {
      Deno.writeTextFileSync(join(data, f), `u1 ${split}\nu2 x\n`);
    }
    await runStage(
      join(root, "exp", "corpus", "mfcc", split),
      featuresKey(data, FEATURE_CONFIGS.mfcc),
      () => ({ utterances: 2, frames: frames[split], seconds: 0 }),
    );
  }
  const stages = planStages(a, unitsPlan(a, MODELS), speeds);
  const exp = join(root, "exp", "corpus"), speaker = join(exp, "speaker_tiny");
  const L = a.config.hiddenLayers + 1, units = a.config.speaker.speakerUnits;
  const chainDirs = MODELS.flatMap((m) =>
    Array.from({ length: L }, (_, i) => join(speaker, stageFolder(stageOwner(m, i + 1), i + 1, units)))
  );
  const expected = [
    ...["mfcc", "mono", "tri1", "tri2", "tri3", "tri3_ali", "dnn_tiny", "ivector_fmllr"].map((d) =>
      join(exp, d)
    ),
    ...new Set(chainDirs),
  ];
  assert.equal(stages.map((s) => s.dir), expected);
  assert.is(new Set(chainDirs).size, chainDirs.length - 1, "the i-vector baseline is shared, listed once");
  const [features, ...rest] = stages;
  assert.equal([features.made, features.seconds, features.least], [true, 0, 0]);
  assert.match(features.work, "0.01 M frames"); // 5000 frames, counted by the features stages
  for (const s of rest) {
    assert.not.ok(s.made, s.name);
    assert.ok(s.seconds > 0 && s.least > 0 && s.least <= s.seconds, `${s.name}: ${s.least} / ${s.seconds}`);
  }
  const total = stages.reduce((t, s) => t + s.seconds, 0), least = stages.reduce((t, s) => t + s.least, 0);
  const table = planTable(stages);
  assert.ok(
    table.includes(
      `total: ${stages.length} stages, 1 made, ${stages.length - 1} to make: about ${total.toFixed(0)} s`,
    ),
  );
  assert.ok(table.includes(`; ${least.toFixed(0)} s (`));
});

test("the DNN stages' estimates follow the measured speed; a faster machine gets a smaller total", () => {
  const slow = planStages(a, unitsPlan(a, MODELS), speeds);
  const fast = planStages(a, unitsPlan(a, MODELS), {
    acoustic: { trainFps: 40000, forwardFps: 120000 },
    speaker: { trainFps: 20000, forwardFps: 60000 },
    cpu: 2,
  });
  for (let i = 1; i < slow.length; i++) assert.ok(fast[i].seconds < slow[i].seconds, slow[i].name);
});

test.run();
