// deno task compare DIR_A DIR_B — two decodes' PER (sclite's alignment) and NIST's MAPSSWE from their trn files.
import { compareDecodes, formatComparison } from "../src/decode/compare.ts";
import { runMain, UsageError } from "../src/util/args.ts";

await runMain(() => {
  const dirs = Deno.args;
  if (dirs.length !== 2 || dirs.some((d) => d.startsWith("--"))) {
    throw new UsageError("usage: deno task compare DIR_A DIR_B (decode folders holding ref.trn and hyp.trn)");
  }
  console.log(formatComparison(compareDecodes(dirs[0], dirs[1]), dirs[0], dirs[1]));
});
