// deno task corpus:check DIR — lists every problem in a TIMIT-layout corpus, then the split counts.
import { formatProblem, scanTimit, SPLITS, standardSplits } from "../src/corpus/timit.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";

await runMain(() => {
  const args = parseArgs(Deno.args, {});
  const root = args._[0];
  if (!root || args._.length > 1) throw new UsageError("usage: deno task corpus:check DIR");
  const { utterances, problems } = scanTimit(root);
  for (const p of problems) console.log(formatProblem(p));
  const splits = standardSplits(utterances);
  const speakers = (us: { speaker: string }[]) => new Set(us.map((u) => u.speaker)).size;
  console.log(
    `${utterances.length} good utterances; splits: ` +
      SPLITS.map((s) => `${s} ${splits[s].length} utts / ${speakers(splits[s])} speakers`).join(", "),
  );
  if (problems.length) throw new Error(`${problems.length} problem(s) found in ${root}`);
  console.log(`no problems in ${root}`);
});
