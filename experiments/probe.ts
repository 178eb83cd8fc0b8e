// deno task exp:probe [--corpus DIR] [--profile P] [--backend B] [--key=value] — SUPERB-style frozen probes (PR, SID, SV) of every layer and partition.
import { join } from "node:path";
import { IVECTOR_BASELINE, model } from "../src/nnet/models.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runModel,
  runRecord,
} from "../src/pipeline/experiment.ts";
import { chainGrid } from "../src/pipeline/grid.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { probeInputs, type ProbeSummary, type ProbeSystem, runProbes } from "../src/pipeline/probe.ts";
import { per, RESULTS_DIR, writeResultFile, writeResults } from "../src/report/results.ts";
import { barChart, lineChart } from "../src/report/svg.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("exp:probe");
  if (a.plan) {
    return await printPlan(a, {
      chains: chainGrid(
        [model("extended"), model("partitioned")],
        [a.config.speaker.speakerUnits],
        [a.config.seed],
      ),
      notes: ["Not estimated: the probe stages (five systems, every layer)."],
    });
  }
  const x = await prepareSpeakerExperiment(a);
  const extended = await runModel(x, "extended"), partitioned = await runModel(x, "partitioned");
  const systems: ProbeSystem[] = [
    { kind: "inputs", name: "inputs", title: "inputs" },
    { kind: "network", name: "dnn", title: "Initial DNN", stage: x.dnn },
    { kind: "network", name: "baseline", title: IVECTOR_BASELINE.title, stage: extended[0] },
    { kind: "network", name: "extended", title: model("extended").title, stage: extended.at(-1)! },
    { kind: "network", name: "partitioned", title: model("partitioned").title, stage: partitioned.at(-1)! },
  ];
  const inputs = probeInputs(x, { context: a.config.context, backend: a.backend, jobs: a.nj });

  const results: ProbeSummary[] = [];
  for (const s of systems) {
    const dir = join(x.exp, `probe_${a.profile}`, s.name);
    results.push((await x.timings.time(`probe ${s.name}`, () => runProbes(s, dir, inputs, a.probe))).summary);
  }
  const rows = results.flatMap((r) => r.reps);
  const pct = (v: number | null) => (v === null ? "-" : (100 * v).toFixed(1));
  const table = [
    "| line | representation | depth | dim | PR rate | dev frame acc % | dev PER % | test PER % | SID rate | SID acc % | EER dev % | EER test % |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.line} | ${r.name} | ${r.depth} | ${r.dim} | ${r.pr.learnRate} | ${
        pct(Math.max(...r.pr.devFrameAccuracy))
      } | ${per(r.pr.dev).toFixed(2)} | ${per(r.pr.test).toFixed(2)} | ${r.sid.learnRate} | ${
        pct(r.sid.accuracy)
      } | ${pct(r.eer.dev)} | ${pct(r.eer.test)} |`
    ),
  ].join("\n");
  const weighted = results.flatMap((r) => r.weighted);
  const weightTable = [
    "| line | PR dev PER % | PR test PER % | PR layer weights | SID acc % | SID layer weights |",
    "| --- | --- | --- | --- | --- | --- |",
    ...weighted.map((w) =>
      `| ${w.line} | ${per(w.pr.dev).toFixed(2)} | ${per(w.pr.test).toFixed(2)} | ${
        w.pr.layerWeights.map((v) => v.toFixed(2)).join(" / ")
      } | ${pct(w.sid.accuracy)} | ${w.sid.layerWeights.map((v) => v.toFixed(2)).join(" / ")} |`
    ),
  ].join("\n");

  // one line per model and partition against depth; depth 0 is the input it starts from
  const input = (name: string) => rows.find((r) => r.line === "inputs" && r.name.startsWith(name))!;
  const lines = [...new Set(rows.filter((r) => r.line !== "inputs").map((r) => r.line))];
  const series = (value: (r: (typeof rows)[number]) => number) =>
    lines.map((line) => ({
      name: line,
      points: [
        [0, value(input(line.endsWith(": speaker") ? "i-vector" : "fMLLR"))],
        ...rows.filter((r) => r.line === line).map((r) => [r.depth, value(r)]),
      ] as [number, number][],
    }));
  const depth = Math.max(...rows.map((r) => r.depth));
  const xTicks = Array.from({ length: depth + 1 }, (_, i) => i);
  const svgs = {
    "probes_pr.svg": lineChart({
      title: `PR probe: test PER by layer (${x.exp})`,
      xLabel: "hidden layer (0 = the input: fMLLR, or the i-vector for speaker partitions)",
      yLabel: "PER (%)",
      series: series((r) => per(r.pr.test)),
      xTicks,
    }),
    "probes_sid.svg": lineChart({
      title: `SID probe: accuracy over ${results[0].frames.speakers} training speakers (${x.exp})`,
      xLabel: "hidden layer (0 = the input: fMLLR, or the i-vector for speaker partitions)",
      yLabel: "accuracy (%)",
      series: series((r) => 100 * r.sid.accuracy),
      xTicks,
    }),
    "probes_weights.svg": barChart({
      title: "Learnt layer weights of the weighted-sum probes (bars: layer 1, 2, ...)",
      yLabel: "weight",
      groups: weighted.flatMap((w) => [
        { name: `${w.line} PR`, bars: w.pr.layerWeights.map((v, i) => ({ label: `${i + 1}`, value: v })) },
        { name: `${w.line} SID`, bars: w.sid.layerWeights.map((v, i) => ({ label: `${i + 1}`, value: v })) },
      ]),
    }),
  };
  Deno.mkdirSync(RESULTS_DIR, { recursive: true });
  for (const [name, svg] of Object.entries(svgs)) writeResultFile(join(RESULTS_DIR, name), svg);

  const c = a.probe, f = results[0].frames;
  const md = [
    "# Probes: where phone and speaker information live",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`. Every representation is frozen and probed the same way; inputs ` +
    "and layers are standardized per dimension with statistics of the training rows. **PR**: a linear softmax " +
    `over the ${48} phones on single frames, trained with Adam (${c.pr.epochs} epochs, minibatch ${c.pr.batchSize}) ` +
    `on the same ${f.train} training frames for every representation (${c.framesPerUtterance} drawn per training ` +
    `utterance, seed ${c.seed}), labels from tri3's alignments; the learning rate from {${
      c.learnRates.join(", ")
    }} ` +
    `by frame accuracy on ${f.dev} dev frames (${c.devFramesPerUtterance} per utterance); decoded with a phone loop ` +
    "and the phone bigram (log posterior minus log phone prior, a phone absent from the training frames never " +
    "chosen; acoustic scale chosen on dev, penalty 0), PER on " +
    `39 phones. **SID**: each utterance's frames mean-pooled, a linear softmax over the ${f.speakers} training ` +
    `speakers, trained on the first ${c.sid.trainUtterances} utterances of each (by utterance id; the learning rate ` +
    `chosen by accuracy on the ${c.sid.trainUtterances}th after training on the others) and tested on the rest ` +
    `(chance ${
      pct(results[0].chance.sid)
    }%). **SV**: equal error rate of cosine scores between mean-pooled ` +
    "utterances of the unseen dev and test speakers (all pairs). **Weighted sum**: PR and SID heads over a " +
    "softmax-weighted sum of one line's layers, weights starting equal. Final stages of each chain are probed " +
    "(speaker input into every layer); the speaker partitions and the i-vector are functions of the speaker's " +
    "i-vector alone, the same on all of a speaker's frames; per-speaker CMN subtracts each speaker's mean, so " +
    "the mean-pooled MFCC utterances of a speaker sum to zero and carry no speaker identity by construction " +
    "(SID below chance, EER above 50%). Plots: `probes_pr.svg`, `probes_sid.svg`, " +
    "`probes_weights.svg`.",
    "",
    table,
    "",
    "Weighted sums:",
    "",
    weightTable,
    "",
    "## Reading",
    "",
    verdict(results),
    "",
    `Time each probe stage took when it was made: ${
      results.map((r) => `${r.system} ${r.seconds.toFixed(0)} s`).join(", ")
    } (total ${results.reduce((t, r) => t + r.seconds, 0).toFixed(0)} s).`,
    "",
  ].join("\n");
  const files = writeResults("probes", md, { ...runRecord(a, x), probe: a.probe, results });
  console.log("\n" + table + "\n\n" + weightTable + "\n\n" + verdict(results) + "\n");
  console.log(
    `written: ${files.md}, ${files.json}, ${Object.keys(svgs).map((n) => join(RESULTS_DIR, n)).join(", ")}`,
  );
});

/** The paragraph the issue asks for, stated from the numbers. */
function verdict(results: ProbeSummary[]): string {
  const reps = results.flatMap((r) => r.reps);
  const at = (line: string, depth: number) => reps.find((r) => r.line === line && r.depth === depth);
  const pdnn = model("partitioned").title, dnn = results.find((r) => r.system === "dnn")!;
  const depths = dnn.reps.map((r) => r.depth);
  const pct = (v: number | null) => (v === null ? "-" : `${(100 * v).toFixed(1)}%`);
  const cmp = depths.map((d) => ({ d, dnn: at("Initial DNN", d)!, std: at(`${pdnn}: standard`, d) }))
    .filter((c) => c.std);
  const less = cmp.filter((c) => c.std!.sid.accuracy < c.dnn.sid.accuracy);
  const prOk = cmp.filter((c) => per(c.std!.pr.test) <= per(c.dnn.pr.test));
  const both = cmp.filter((c) => less.includes(c) && prOk.includes(c));
  const spk = reps.filter((r) => r.line === `${pdnn}: speaker`);
  const line = (title: string) =>
    reps.filter((r) => r.line === title).map((r) =>
      `${pct(r.sid.accuracy)} (PER ${per(r.pr.test).toFixed(1)})`
    )
      .join(", ");
  return [
    `SID accuracy (test PER) at layers ${depths.join(", ")}: initial DNN ${line("Initial DNN")}; ` +
    `the Partitioned DNN's standard partition ${line(`${pdnn}: standard`)}. `,
    `The standard partition carries less speaker identity than the initial DNN's layer at ${less.length} of ` +
    `${cmp.length} depths (${less.map((c) => c.d).join(", ") || "none"}) and has equal or better PR at ` +
    `${prOk.length} (${prOk.map((c) => c.d).join(", ") || "none"}); both hold at ${
      both.map((c) => c.d).join(", ") || "no depth"
    }. `,
    spk.length
      ? `Its speaker partition reaches SID ${spk.map((r) => pct(r.sid.accuracy)).join(", ")} (EER dev ${
        spk.map((r) => pct(r.eer.dev)).join(", ")
      }): ${
        spk.every((r) => r.sid.accuracy >= 0.5)
          ? "it carries the speaker identity"
          : "it carries little of it"
      }, as it must, being a function of the i-vector alone. `
      : "",
    [IVECTOR_BASELINE.title, model("extended").title].map((title) => {
      const above = depths.filter((d) =>
        at(title, d) && at(title, d)!.sid.accuracy > at("Initial DNN", d)!.sid.accuracy
      );
      return `The ${title}'s layers give ${
        line(title)
      }: more speaker identity than the initial DNN's at ${above.length} ` +
        `of ${depths.length} depths. `;
    }).join(""),
    ["i-vector baseline", "extended system"].map((name, i) => {
      const title = i ? model("extended").title : IVECTOR_BASELINE.title;
      const fewer = cmp.filter((c) => at(title, c.d) && c.std!.sid.accuracy < at(title, c.d)!.sid.accuracy);
      return `The standard partition carries less speaker identity than the ${name}'s layer at ${fewer.length} of ` +
        `${cmp.length} depths. `;
    }).join(""),
    "In the systems with speaker input the identity can come straight from the i-vector each layer adds, so a " +
    "high SID accuracy there says the layer keeps it beside the phones, not that the network failed to normalize.",
  ].join("");
}
