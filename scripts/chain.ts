// deno run -A scripts/chain.ts [experiment options] --model=NAME [--units=N] [--rounds=K]: one chain of the speaker-aware grid for each of --seeds, as each job of the experiments runs it.
import { model } from "../src/nnet/models.ts";
import { parseExperimentArgs, prepareSpeakerExperiment, seeded } from "../src/pipeline/experiment.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { runChain } from "../src/pipeline/speaker_dnn.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

const CHAIN_OPTION = /^--(model|units|rounds)=/;

await runMain(async () => {
  const o = parseArgs(Deno.args.filter((s) => CHAIN_OPTION.test(s)), {
    model: { kind: "string", default: "", help: "the model of the registry" },
    units: { kind: "int", default: 0, help: "speaker units (default: the profile's)" },
    rounds: { kind: "int", default: 0, help: "stages to make (default: all)" },
  });
  const a = parseExperimentArgs("chain", Deno.args.filter((s) => !CHAIN_OPTION.test(s)));
  if (a.plan) {
    const units = o.units || a.config.speaker.speakerUnits, rounds = o.rounds || undefined;
    return await printPlan(a, {
      chains: a.seeds.map((seed) => ({ model: model(o.model), units, seed, rounds })),
    });
  }
  const x = await prepareSpeakerExperiment(a);
  const units = o.units || a.config.speaker.speakerUnits;
  for (const seed of a.seeds) {
    const { root, inputs } = seeded(x, seed);
    await runChain(model(o.model), units, x.dnn, root, inputs, o.rounds || undefined);
  }
});
