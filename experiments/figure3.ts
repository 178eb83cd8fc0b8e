// deno task exp:figure3 [--corpus DIR] [--profile P] [--seeds 1,2,3] [--backend B] [--key=value] — PER against the number of layers with speaker input, per model, mean and spread over seeds (paper Fig. 3).
import { join } from "node:path";
import { MODELS } from "../src/nnet/models.ts";
import { parseExperimentArgs, prepareSpeakerExperiment, runRecord } from "../src/pipeline/experiment.ts";
import { chainGrid, runChains } from "../src/pipeline/grid.ts";
import { speakerUnits } from "../src/pipeline/partition_size.ts";
import { printPlan, unitsPlan } from "../src/pipeline/plan.ts";
import type { SpeakerStage } from "../src/pipeline/speaker_dnn.ts";
import { per, RESULTS_DIR, writeResultFile, writeResults } from "../src/report/results.ts";
import { meanSd, overSeeds } from "../src/report/seeds.ts";
import { lineChart } from "../src/report/svg.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("exp:figure3");
  if (a.plan) return await printPlan(a, unitsPlan(a, MODELS));
  const x = await prepareSpeakerExperiment(a);
  const { units, chosen, jobs: searchJobs } = await speakerUnits(a, x);
  const grid = await runChains(a, x, chainGrid(MODELS, [units], a.seeds));
  // each model's chains, one per seed
  const lines: [string, SpeakerStage[][]][] = MODELS.map((m) => [
    m.title,
    a.seeds.map((seed) => grid.chain(m.name, units, seed)),
  ]);
  const L = a.config.hiddenLayers + 1, columns = Array.from({ length: L }, (_, i) => i + 1);
  // per split and line: the initial DNN, then each stage over seeds
  const summaries = (split: "dev" | "test") =>
    lines.map(([name, chains]) => ({
      name,
      stages: [
        overSeeds([per(x.dnn.summary[split])]),
        ...columns.map((k) => overSeeds(chains.map((c) => per(c[k - 1].summary[split])))),
      ],
    }));
  const bySplit = { dev: summaries("dev"), test: summaries("test") };
  const table = (split: "dev" | "test") =>
    [
      `| ${split} PER % | 0 (initial DNN) | ${columns.join(" | ")} |`,
      `| --- | --- | ${columns.map(() => "---").join(" | ")} |`,
      ...bySplit[split].map((s) => `| ${s.name} | ${s.stages.map((v) => meanSd(v)).join(" | ")} |`),
    ].join("\n");
  const tables = { dev: table("dev"), test: table("test") };
  const svg = lineChart({
    title: `Test PER during progressive training (${x.exp}, profile ${a.profile})`,
    xLabel: `number of layers with speaker input (${L} = the output layer; 0 = the initial DNN)`,
    yLabel: a.seeds.length > 1 ? `PER (%), mean ± sd over ${a.seeds.length} seeds` : "PER (%)",
    series: bySplit.test.map((s) => ({
      name: s.name,
      points: s.stages.map((v, k) => [k, v.mean] as [number, number]),
      spread: s.stages.map((v) => v.sd ?? 0),
    })),
    xTicks: [0, ...columns],
  });
  const svgPath = join(RESULTS_DIR, "figure3.svg");
  Deno.mkdirSync(RESULTS_DIR, { recursive: true });
  writeResultFile(svgPath, svg);
  const md = [
    "# Figure 3: PER against the number of layers with speaker input",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`: ${a.config.hiddenLayers} hidden layers, so ${L} stages (the paper: 7); ` +
    `${units} speaker units (${chosen}). ` +
    "Layer 1 alone is the i-vector baseline for the extended and partitioned models (one shared model); every " +
    "stage is warm-started from the one before and decoded. The control gets the same further training at every " +
    `stage without speaker input. Seeds ${
      a.seeds.join(", ")
    } of the speaker-aware stages, all from the same ` +
    "initial DNN; cells are mean ± standard deviation over seeds. Plot: `figure3.svg` (test, error bars ± one " +
    "standard deviation).",
    "",
    tables.test,
    "",
    tables.dev,
    "",
  ].join("\n");
  const files = writeResults("figure3", md, {
    ...runRecord(a, x, [...searchJobs, ...grid.jobs], a.seeds),
    initialDnn: { dir: x.dnn.dir, dev: per(x.dnn.summary.dev), test: per(x.dnn.summary.test) },
    series: Object.fromEntries(
      lines.map(([name, chains], line) => [
        name,
        columns.map((k) => ({
          stage: k,
          seeds: chains.map((c, i) => ({
            seed: a.seeds[i],
            dir: c[k - 1].dir,
            dev: per(c[k - 1].summary.dev),
            test: per(c[k - 1].summary.test),
          })),
          dev: bySplit.dev[line].stages[k],
          test: bySplit.test[line].stages[k],
        })),
      ]),
    ),
  });
  console.log("\n" + tables.test + "\n\n" + tables.dev + "\n");
  console.log(`written: ${files.md}, ${files.json}, ${svgPath}`);
});
