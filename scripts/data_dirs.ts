// deno task data --corpus DIR --out DIR — writes Kaldi data dirs train/, dev/, test/, extra/ for the standard splits.
import { join } from "node:path";
import { openTimit, SPLITS, standardSplits } from "../src/corpus/timit.ts";
import { dataDirOf, writeDataDir } from "../src/io/datadir.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    corpus: { kind: "string", default: "data/default-corpus", help: "corpus root in TIMIT layout" },
    out: { kind: "string", default: "data/kaldi", help: "where train/, dev/, test/, extra/ go" },
  });
  const splits = standardSplits(openTimit(args.corpus));
  for (const split of SPLITS) {
    await writeDataDir(join(args.out, split), dataDirOf(splits[split]));
    console.log(`${join(args.out, split)}: ${splits[split].length} utterances`);
  }
});
