// deno task exp:table2 [--corpus DIR] [--profile P] [--seeds 1,2,3] [--backend B] [--key=value] — dev PER of the Partitioned DNN for speaker partitions of 50, 100 and 150 units over seeds (paper Table 2).
import { parseExperimentArgs, prepareSpeakerExperiment, runRecord } from "../src/pipeline/experiment.ts";
import { model } from "../src/nnet/models.ts";
import { chainGrid } from "../src/pipeline/grid.ts";
import { PARTITION_SIZES, searchPartitionSize } from "../src/pipeline/partition_size.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { writeResults } from "../src/report/results.ts";
import { meanSd } from "../src/report/seeds.ts";
import { runMain } from "../src/util/args.ts";

const PAPER_DEV = [17.6, 17.5, 17.7]; // at 50, 100, 150 units

await runMain(async () => {
  const a = parseExperimentArgs("exp:table2");
  if (a.plan) {
    return await printPlan(a, { chains: chainGrid([model("partitioned")], PARTITION_SIZES, a.seeds) });
  }
  const x = await prepareSpeakerExperiment(a);
  const { sizes: finals, best, grid } = await searchPartitionSize(a, x);
  const table = [
    `| Units | ${PARTITION_SIZES.join(" | ")} |`,
    `| --- | ${PARTITION_SIZES.map(() => "---").join(" | ")} |`,
    `| Partitioned DNN, dev PER % | ${finals.map((f) => meanSd(f.dev)).join(" | ")} |`,
    `| (test PER %) | ${finals.map((f) => meanSd(f.test)).join(" | ")} |`,
    `| paper, dev PER % (TIMIT) | ${PAPER_DEV.join(" | ")} |`,
  ].join("\n");
  const md = [
    "# Table 2: dev PER of the Partitioned DNN against the size of the speaker partitions",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`; final models (every layer a PHL, the output layer fed the top speaker ` +
    `partition), each trained progressively from the shared i-vector baseline. Test PER for information only: the ` +
    `size is chosen on dev. Seeds ${
      a.seeds.join(", ")
    } of the speaker-aware stages, all from the same initial DNN; ` +
    `cells are mean ± standard deviation over seeds. The paper's row is its published TIMIT numbers.`,
    "",
    table,
    "",
    `Best on dev here (lowest mean): ${best.units} units; \`exp:table1 --speaker-units=table2\` trains Table 1 with it.`,
    "",
  ].join("\n");
  const files = writeResults("table2", md, {
    ...runRecord(a, x, grid.jobs, a.seeds),
    rows: finals,
    bestUnits: best.units,
    paperDev: Object.fromEntries(PARTITION_SIZES.map((u, i) => [u, PAPER_DEV[i]])),
  });
  console.log("\n" + table + "\n");
  console.log(`written: ${files.md}, ${files.json}`);
});
