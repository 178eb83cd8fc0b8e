// deno task exp:unsup-adapt [--corpus DIR] [--profile P] [--backend B] [--key=value] — re-estimate dev/test speakers' i-vectors from first-pass output, decode again (paper sec. 4.2, last paragraph).
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { IVECTOR_BASELINE, model } from "../src/nnet/models.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runModel,
  runRecord,
  testSignificance,
} from "../src/pipeline/experiment.ts";
import { chainGrid } from "../src/pipeline/grid.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { runUnsupervisedAdaptation } from "../src/pipeline/unsup_adapt.ts";
import { fmtP } from "../src/decode/significance.ts";
import { per, writeResults } from "../src/report/results.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("exp:unsup-adapt");
  if (a.plan) {
    return await printPlan(a, {
      chains: chainGrid([model("partitioned")], [a.config.speaker.speakerUnits], [a.config.seed]),
      notes: [
        "Not estimated: the two unsup-adapt stages (i-vectors re-estimated, dev and test decoded again).",
      ],
    });
  }
  const x = await prepareSpeakerExperiment(a);
  const partitioned = await runModel(x, "partitioned");
  const systems = [
    { name: IVECTOR_BASELINE.title, stage: partitioned[0] },
    { name: model("partitioned").title, stage: partitioned.at(-1)! },
  ];
  const rows = [];
  for (const { name, stage } of systems) {
    const out = join(x.speakerRoot, "unsup_adapt", stage.dir.split("/").pop()!);
    const r = (await runUnsupervisedAdaptation(stage, x.ivectors, a.ivector, out, x.inputs)).summary;
    rows.push({ name, stage: stage.dir, out, ...r, significance: testSignificance(x, out, stage.dir) });
    console.log(
      `${name}: first pass test ${formatCounts(r.first.test)}; re-estimated i-vectors test ${
        formatCounts(r.second.test)
      }`,
    );
  }
  const table = [
    "| Model | dev PER % first pass | dev PER % re-estimated | test PER % first pass | test PER % re-estimated | p (test) | speech frames kept (dev, test) | mean cosine old/new i-vector (dev, test) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.name} | ${per(r.first.dev).toFixed(2)} | ${per(r.second.dev).toFixed(2)} | ${
        per(r.first.test).toFixed(2)
      } | ${per(r.second.test).toFixed(2)} | ${fmtP(r.significance.pValue)} | ${
        (["dev", "test"] as const).map((s) =>
          `${(100 * r.ivectors[s].speechFrames / r.ivectors[s].frames).toFixed(1)}%`
        ).join(", ")
      } | ${(["dev", "test"] as const).map((s) => r.ivectors[s].meanCosine.toFixed(3)).join(", ")} |`
    ),
  ].join("\n");
  const md = [
    "# Unsupervised adaptation: i-vectors re-estimated from first-pass output",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`. First pass: each dev and test speaker's i-vector from all of their ` +
    "frames, as in training. The first pass's network output marks each frame as silence when the senones of " +
    "`sil` hold at least half of its posterior mass; each speaker's i-vector is then extracted again from the " +
    "speech frames only (Kaldi's silence weighting from a first pass, with weights 0/1) and the same network " +
    "decodes again at the acoustic scale and penalty it chose on dev. The networks are not retrained: training " +
    "used i-vectors from all frames, as the paper's did.",
    "",
    table,
    "",
    `Check: extracting from all frames reproduces the stored i-vectors to ${
      Math.max(...rows.map((r) => r.check)).toExponential(1)
    }.`,
    "",
  ].join("\n");
  const files = writeResults("unsup_adapt", md, { ...runRecord(a, x), rows });
  console.log("\n" + table + "\n");
  console.log(`written: ${files.md}, ${files.json}`);
});
