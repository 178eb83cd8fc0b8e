// deno task exp:table2 [--corpus DIR] [--profile P] [--backend B] [--key=value] — dev PER of the Partitioned DNN for speaker partitions of 50, 100 and 150 units (paper Table 2).
import { parseExperimentArgs, prepareSpeakerExperiment, runRecord } from "../src/pipeline/experiment.ts";
import { model } from "../src/nnet/models.ts";
import { runChains } from "../src/pipeline/grid.ts";
import { per, writeResults } from "../src/report/results.ts";
import { runMain } from "../src/util/args.ts";

const UNITS = [50, 100, 150];
const PAPER_DEV = [17.6, 17.5, 17.7];

await runMain(async () => {
  const a = parseExperimentArgs("exp:table2");
  const x = await prepareSpeakerExperiment(a);
  const grid = await runChains(a, x, UNITS.map((units) => ({ model: model("partitioned"), units })));
  const finals = grid.stages.map((stages) => ({ ...stages.at(-1)!.summary, dir: stages.at(-1)!.dir }));
  const table = [
    `| Units | ${UNITS.join(" | ")} |`,
    `| --- | ${UNITS.map(() => "---").join(" | ")} |`,
    `| Partitioned DNN, dev PER % | ${finals.map((f) => per(f.dev).toFixed(2)).join(" | ")} |`,
    `| (test PER %) | ${finals.map((f) => per(f.test).toFixed(2)).join(" | ")} |`,
    `| paper, dev PER % (TIMIT) | ${PAPER_DEV.join(" | ")} |`,
  ].join("\n");
  const best = finals.reduce((b, f) => (per(f.dev) < per(b.dev) ? f : b));
  const md = [
    "# Table 2: dev PER of the Partitioned DNN against the size of the speaker partitions",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`; final models (every layer a PHL, the output layer fed the top speaker ` +
    `partition), each trained progressively from the shared i-vector baseline. Test PER for information only: the ` +
    `size is chosen on dev. The paper's row is its published TIMIT numbers.`,
    "",
    table,
    "",
    `Best on dev here: ${best.units} units.`,
    "",
  ].join("\n");
  const files = writeResults("table2", md, {
    ...runRecord(a, x, grid.jobs),
    rows: finals.map((f) => ({
      units: f.units,
      dir: f.dir,
      dev: per(f.dev),
      test: per(f.test),
      parameters: f.parameters,
    })),
    paperDev: Object.fromEntries(UNITS.map((u, i) => [u, PAPER_DEV[i]])),
  });
  console.log("\n" + table + "\n");
  console.log(`written: ${files.md}, ${files.json}`);
});
