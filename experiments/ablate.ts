// deno task ablate NAME|all [--seeds 1,2,3] [experiment options] — the ablation scripts of experiments/ablations/, each beside a Table 1 system; also each of its jobs (--part).
import { fileURLToPath } from "node:url";
import { parseExperimentArgs, prepareSpeakerExperiment } from "../src/pipeline/experiment.ts";
import { runAblationPart, runAblations } from "../src/pipeline/ablation.ts";
import { model } from "../src/nnet/models.ts";
import { chainGrid } from "../src/pipeline/grid.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";
import allAtOnce from "./ablations/all_at_once.ts";
import fromScratch from "./ablations/from_scratch.ts";
import inputFeatures from "./ablations/input_features.ts";
import ivectorSize from "./ablations/ivector_size.ts";
import linearPartition from "./ablations/linear_partition.ts";
import oneStep from "./ablations/one_step.ts";
import shuffledIvectors from "./ablations/shuffled_ivectors.ts";

const ABLATIONS = [
  inputFeatures,
  fromScratch,
  shuffledIvectors,
  oneStep,
  allAtOnce,
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
  const PART = /^--part=/;
  const { part } = parseArgs(rest.filter((s) => PART.test(s)), {
    part: { kind: "string", default: "", help: "one job's part: prepare, reference or a variant's folder" },
  });
  const a = parseExperimentArgs(`ablate ${name}`, rest.filter((s) => !PART.test(s)), (p) => p.ablationSeeds);
  if (a.plan) {
    return await printPlan(a, {
      chains: chainGrid([model("partitioned")], [a.config.speaker.speakerUnits], a.seeds),
      notes: [`Not estimated: the variants' own stages (${chosen.map((ab) => ab.name).join(", ")}).`],
    });
  }
  const x = await prepareSpeakerExperiment(a);
  if (part) {
    if (chosen.length !== 1) throw new UsageError("--part: name one ablation, not all");
    return await runAblationPart(chosen[0], a, x, part);
  }
  for (const r of await runAblations(chosen, a, x, fileURLToPath(import.meta.url))) {
    console.log(`${r.name}: ${r.files.md}`);
  }
});
