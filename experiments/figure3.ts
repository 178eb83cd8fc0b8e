// deno task exp:figure3 [--corpus DIR] [--profile P] [--backend B] [--key=value] — PER against the number of layers with speaker input, per model (paper Fig. 3).
import { join } from "node:path";
import { MODELS } from "../src/nnet/models.ts";
import { parseExperimentArgs, prepareSpeakerExperiment, runRecord } from "../src/pipeline/experiment.ts";
import { runChains } from "../src/pipeline/grid.ts";
import type { SpeakerStage } from "../src/pipeline/speaker_dnn.ts";
import { per, RESULTS_DIR, writeResults } from "../src/report/results.ts";
import { lineChart } from "../src/report/svg.ts";
import { runMain } from "../src/util/args.ts";
import { writeFileAtomic } from "../src/util/fs.ts";

await runMain(async () => {
  const a = parseExperimentArgs("exp:figure3");
  const x = await prepareSpeakerExperiment(a);
  const grid = await runChains(a, x, MODELS.map((m) => ({ model: m, units: a.config.speaker.speakerUnits })));
  const lines: [string, SpeakerStage[]][] = MODELS.map((m, i) => [m.title, grid.stages[i]]);
  const L = a.config.hiddenLayers + 1, columns = Array.from({ length: L }, (_, i) => i + 1);
  const series = (split: "dev" | "test") =>
    lines.map(([name, stages]) => ({
      name,
      points: [[0, per(x.dnn.summary[split])], ...stages.map((s, i) => [i + 1, per(s.summary[split])])] as [
        number,
        number,
      ][],
    }));
  const table = (split: "dev" | "test") =>
    [
      `| ${split} PER % | 0 (initial DNN) | ${columns.join(" | ")} |`,
      `| --- | --- | ${columns.map(() => "---").join(" | ")} |`,
      ...series(split).map((s) => `| ${s.name} | ${s.points.map((p) => p[1].toFixed(2)).join(" | ")} |`),
    ].join("\n");
  const svg = lineChart({
    title: `Test PER during progressive training (${x.exp}, profile ${a.profile})`,
    xLabel: `number of layers with speaker input (${L} = the output layer; 0 = the initial DNN)`,
    yLabel: "PER (%)",
    series: series("test"),
    xTicks: [0, ...columns],
  });
  const svgPath = join(RESULTS_DIR, "figure3.svg");
  Deno.mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileAtomic(svgPath, svg);
  const md = [
    "# Figure 3: PER against the number of layers with speaker input",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`: ${a.config.hiddenLayers} hidden layers, so ${L} stages (the paper: 7). ` +
    "Layer 1 alone is the i-vector baseline for the extended and partitioned models (one shared model); every " +
    "stage is warm-started from the one before and decoded. The control gets the same further training at every " +
    "stage without speaker input. Plot: `figure3.svg` (test).",
    "",
    table("test"),
    "",
    table("dev"),
    "",
  ].join("\n");
  const files = writeResults("figure3", md, {
    ...runRecord(a, x, grid.jobs),
    initialDnn: { dir: x.dnn.dir, dev: per(x.dnn.summary.dev), test: per(x.dnn.summary.test) },
    series: Object.fromEntries(
      lines.map(([name, stages]) => [
        name,
        stages.map((s, i) => ({
          stage: i + 1,
          dir: s.dir,
          dev: per(s.summary.dev),
          test: per(s.summary.test),
        })),
      ]),
    ),
  });
  console.log("\n" + table("test") + "\n\n" + table("dev") + "\n");
  console.log(`written: ${files.md}, ${files.json}, ${svgPath}`);
});
