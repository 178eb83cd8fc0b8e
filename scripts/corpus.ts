// deno task corpus [--out DIR] [--seed N] [--preset NAME] [--train-speakers N --dev-speakers N --test-speakers N]
import { corpusDescription, generateCorpus } from "../src/corpus/synth/generate.ts";
import { FULL_COUNTS } from "../src/corpus/synth/speakers.ts";
import { PRESETS } from "../src/corpus/synth/voices.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";
import { exists } from "../src/util/fs.ts";
import { Progress } from "../src/util/progress.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    out: { kind: "string", default: "data/default-corpus", help: "output folder (TIMIT layout)" },
    seed: { kind: "int", default: 1, help: "random seed; the same seed gives byte-identical files" },
    preset: {
      kind: "string",
      default: "default",
      help: `difficulty preset: ${Object.keys(PRESETS).join(", ")}`,
    },
    "train-speakers": { kind: "int", default: FULL_COUNTS.train, help: "first N training speakers" },
    "dev-speakers": { kind: "int", default: FULL_COUNTS.dev, help: "first N dev speakers" },
    "test-speakers": { kind: "int", default: FULL_COUNTS.test, help: "first N core-test speakers" },
    jobs: { kind: "int", default: navigator.hardwareConcurrency, help: "parallel workers" },
    force: { kind: "boolean", help: "regenerate even if a corpus with another description is there" },
  });
  const preset = PRESETS[args.preset];
  if (!preset) {
    throw new UsageError(
      `unknown --preset '${args.preset}'; choose one of ${Object.keys(PRESETS).join(", ")}`,
    );
  }
  const counts = { train: args["train-speakers"], dev: args["dev-speakers"], test: args["test-speakers"] };
  const want =
    JSON.stringify(corpusDescription({ seed: args.seed, presetName: args.preset, preset, counts }), null, 2) +
    "\n";
  const descriptionFile = `${args.out}/corpus.json`;
  if (exists(args.out)) {
    const have = exists(descriptionFile) ? Deno.readTextFileSync(descriptionFile) : "";
    if (have === want && !args.force) {
      console.log(`${args.out} already holds this corpus (corpus.json matches); nothing to do`);
      return;
    }
    if (!args.force) {
      throw new Error(`${args.out} holds something else (see its corpus.json); pass --force to replace it`);
    }
  }
  const progress = new Progress("corpus", "utts");
  const t0 = performance.now();
  const { utterances, seconds } = await generateCorpus({
    out: args.out,
    seed: args.seed,
    presetName: args.preset,
    preset,
    counts,
    jobs: args.jobs,
    onProgress: (done, total) => progress.update(done, total),
  });
  progress.finish();
  const took = (performance.now() - t0) / 1000;
  console.log(
    `${args.out}: ${utterances} utterances, ${(seconds / 3600).toFixed(2)} h of audio, in ${
      took.toFixed(1)
    } s`,
  );
});
