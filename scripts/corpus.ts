// deno task corpus [--out DIR] [--seed N] [--preset NAME] [--train-speakers N --dev-speakers N --test-speakers N --extra-speakers N]
import { FULL_COUNTS } from "../src/corpus/synth/speakers.ts";
import { PRESETS } from "../src/corpus/synth/voices.ts";
import { DEFAULT_CORPUS, ensureCorpus } from "../src/pipeline/corpus.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    out: { kind: "string", default: DEFAULT_CORPUS, help: "output folder (TIMIT layout)" },
    seed: { kind: "int", default: 1, help: "random seed; the same seed gives byte-identical files" },
    preset: {
      kind: "string",
      default: "default",
      help: `difficulty preset: ${Object.keys(PRESETS).join(", ")}`,
    },
    "train-speakers": { kind: "int", default: FULL_COUNTS.train, help: "first N training speakers" },
    "dev-speakers": { kind: "int", default: FULL_COUNTS.dev, help: "first N dev speakers" },
    "test-speakers": { kind: "int", default: FULL_COUNTS.test, help: "first N core-test speakers" },
    "extra-speakers": {
      kind: "int",
      default: FULL_COUNTS.extra,
      help: "first N extra test speakers (with the core test, the extended test)",
    },
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
    force: { kind: "boolean", help: "replace a different corpus found at --out" },
  });
  const t0 = performance.now();
  const { reused, resumedSpeakers } = await ensureCorpus({
    out: args.out,
    seed: args.seed,
    presetName: args.preset,
    counts: {
      train: args["train-speakers"],
      dev: args["dev-speakers"],
      test: args["test-speakers"],
      extra: args["extra-speakers"],
    },
    jobs: args.jobs,
    force: args.force,
  });
  const took = ((performance.now() - t0) / 1000).toFixed(1);
  if (reused) console.log(`${args.out} already holds this corpus (its corpus.json matches); nothing to do`);
  else {console.log(
      `${args.out}: made in ${took} s${
        resumedSpeakers ? `, resuming ${resumedSpeakers} finished speakers` : ""
      }`,
    );}
});
