// deno task ablate NAME|all [--seeds 1,2,3] [experiment options] — the ablation scripts of experiments/ablations/, each beside Table 1's Partitioned DNN.
import { parseExperimentArgs, prepareSpeakerExperiment } from "../src/pipeline/experiment.ts";
import { runAblation } from "../src/pipeline/ablation.ts";
import { model } from "../src/nnet/models.ts";
import { chainGrid } from "../src/pipeline/grid.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { runMain, UsageError } from "../src/util/args.ts";
import allAtOnce from "./ablations/all_at_once.ts";
import fromScratch from "./ablations/from_scratch.ts";
import inputFeatures from "./ablations/input_features.ts";
import ivectorSize from "./ablations/ivector_size.ts";
import linearPartition from "./ablations/linear_partition.ts";
import oneStep from "./ablations/one_step.ts";
import shuffledIvectors from "./ablations/shuffled_ivectors.ts";

const ABLATIONS = [
  inputFeatures,
  shuffledIvectors,
  oneStep,
  allAtOnce,
  fromScratch,
  linearPartition,
  ivectorSize,
];

await runMain(async () => {
  const [name, ...rest] = Deno.args;
  const names = ABLATIONS.map((ab) => ab.name);
  if (!name || name.startsWith("--")) {
    throw new UsageError(`deno task ablate NAME|all [options]: NAME is one of ${names.join(", ")}`);
  }
  const chosen = name === "all" ? ABLATIONS : ABLATIONS.filter((ab) => ab.name === name);
  if (!chosen.length) throw new UsageError(`no ablation '${name}' (${names.join(", ")}, or all)`);
  const a = parseExperimentArgs(`ablate ${name}`, rest);
  if (a.plan) {
    return await printPlan(a, {
      chains: chainGrid([model("partitioned")], [a.config.speaker.speakerUnits], a.seeds),
      notes: [`Not estimated: the variants' own stages (${chosen.map((ab) => ab.name).join(", ")}).`],
    });
  }
  const x = await prepareSpeakerExperiment(a);
  for (const ab of chosen) {
    const { files } = await runAblation(ab, {
      ...a,
      command: `deno task ablate ${ab.name} ${rest.join(" ")}`.trim(),
    }, x);
    console.log(`${ab.name}: ${files.md}`);
  }
});
