// deno task exp:table2 [--corpus DIR] [--profile P] [--seeds 1,2,3] [--backend B] [--key=value] — dev PER of the Partitioned DNN for speaker partitions of 50, 100 and 150 units over seeds (paper Table 2).
import { parseExperimentArgs, prepareSpeakerExperiment, runRecord } from "../src/pipeline/experiment.ts";
import { model } from "../src/nnet/models.ts";
import { chainGrid, runChains } from "../src/pipeline/grid.ts";
import { per, writeResults } from "../src/report/results.ts";
import { meanSd, overSeeds } from "../src/report/seeds.ts";
import { runMain } from "../src/util/args.ts";

const UNITS = [50, 100, 150];
const PAPER_DEV = [17.6, 17.5, 17.7];

await runMain(async () => {
  const a = parseExperimentArgs("exp:table2");
  const x = await prepareSpeakerExperiment(a);
  const grid = await runChains(a, x, chainGrid([model("partitioned")], UNITS, a.seeds));
  // each size's final models, one per seed
  const finals = UNITS.map((units, u) => {
    const seeds = a.seeds.map((seed, i) => {
      const last = grid.stages[i * UNITS.length + u].at(-1)!;
      return { seed, dir: last.dir, dev: per(last.summary.dev), test: per(last.summary.test) };
    });
    return {
      units,
      parameters: grid.stages[u].at(-1)!.summary.parameters,
      seeds,
      dev: overSeeds(seeds.map((s) => s.dev)),
      test: overSeeds(seeds.map((s) => s.test)),
    };
  });
  const table = [
    `| Units | ${UNITS.join(" | ")} |`,
    `| --- | ${UNITS.map(() => "---").join(" | ")} |`,
    `| Partitioned DNN, dev PER % | ${finals.map((f) => meanSd(f.dev)).join(" | ")} |`,
    `| (test PER %) | ${finals.map((f) => meanSd(f.test)).join(" | ")} |`,
    `| paper, dev PER % (TIMIT) | ${PAPER_DEV.join(" | ")} |`,
  ].join("\n");
  const best = finals.reduce((b, f) => (f.dev.mean < b.dev.mean ? f : b));
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
    `Best on dev here (lowest mean): ${best.units} units.`,
    "",
  ].join("\n");
  const files = writeResults("table2", md, {
    ...runRecord(a, x, grid.jobs),
    rows: finals,
    bestUnits: best.units,
    paperDev: Object.fromEntries(UNITS.map((u, i) => [u, PAPER_DEV[i]])),
  });
  console.log("\n" + table + "\n");
  console.log(`written: ${files.md}, ${files.json}`);
});
