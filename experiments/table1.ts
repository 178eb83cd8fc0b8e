// deno task exp:table1 [--corpus DIR] [--profile cpu|paper|tiny] [--backend B] [--key=value] — the paper's Table 1, running every stage before it.
import { type ErrorCounts, formatCounts } from "../src/decode/score.ts";
import { INITIAL_DNN, IVECTOR_BASELINE, model, MODELS, type ModelSpec } from "../src/nnet/models.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runRecord,
  testSignificance,
} from "../src/pipeline/experiment.ts";
import { runChains } from "../src/pipeline/grid.ts";
import type { SpeakerStage } from "../src/pipeline/speaker_dnn.ts";
import { fmtP } from "../src/decode/significance.ts";
import { per, relativeGain, writeResults } from "../src/report/results.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("exp:table1");
  const x = await prepareSpeakerExperiment(a);
  const grid = await runChains(a, x, MODELS.map((m) => ({ model: m, units: a.config.speaker.speakerUnits })));
  const chains = new Map<string, SpeakerStage[]>(MODELS.map((m, i) => [m.name, grid.stages[i]]));
  const control = chains.get("control")!, finalControl = control.at(-1)!;
  const baseline = chains.get(IVECTOR_BASELINE.model)![0];
  type Row = { name: string; dir: string; dev: ErrorCounts; test: ErrorCounts; parameters: number | null };
  const row = (name: string, s: SpeakerStage): Row => ({
    name,
    dir: s.dir,
    dev: s.summary.dev,
    test: s.summary.test,
    parameters: s.summary.parameters,
  });
  const final = (m: ModelSpec) => chains.get(m.name)!.at(-1)!;
  const rows = [
    {
      name: INITIAL_DNN.title,
      dir: x.dnn.dir,
      dev: x.dnn.summary.dev,
      test: x.dnn.summary.test,
      parameters: null,
      same: null,
      paper: INITIAL_DNN.paper,
    },
    ...MODELS.filter((m) => !m.layer).map((m) => ({ ...row(m.title, final(m)), same: null, paper: m.paper })),
    { ...row(IVECTOR_BASELINE.title, baseline), same: control[0], paper: IVECTOR_BASELINE.paper },
    ...MODELS.filter((m) => m.layer).map((m) => ({
      ...row(m.title, final(m)),
      same: finalControl,
      paper: m.paper,
    })),
  ].map((r) => {
    const speakerAware = r.same !== null;
    return {
      name: r.name,
      dir: r.dir,
      test: per(r.test),
      dev: per(r.dev),
      testGain: relativeGain(r.test, x.dnn.summary.test),
      devGain: relativeGain(r.dev, x.dnn.summary.dev),
      parameters: r.parameters,
      vsInitial: r.dir === x.dnn.dir ? null : testSignificance(x, r.dir, x.dnn.dir),
      vsBaseline: speakerAware && r.dir !== baseline.dir ? testSignificance(x, r.dir, baseline.dir) : null,
      vsControl: r.same ? { control: r.same.dir, ...testSignificance(x, r.dir, r.same.dir) } : null,
      paper: r.paper ? [r.paper.test, r.paper.dev] : null,
    };
  });
  const c = a.config, layers = c.hiddenLayers + 1;
  const cell = (v: number, gain: number, first: boolean) =>
    `${v.toFixed(2)}${first ? "" : ` (${gain.toFixed(1)})`}`;
  const sig = (s: { pValue: number; z: number } | null) =>
    s ? `${fmtP(s.pValue)} (${s.z < 0 ? "better" : s.z > 0 ? "worse" : "same"})` : "-";
  const speakerAware = rows.filter((r) => r.vsBaseline !== null || r.name === IVECTOR_BASELINE.title);
  const best = speakerAware.reduce((b, r) => (r.test < b.test ? r : b));
  const phl = rows.find((r) => r.name === model("partitioned").title)!;
  const ivectorBaseline = rows.find((r) => r.name === IVECTOR_BASELINE.title)!;
  const table = [
    "| Model | test PER % (rel. %) | dev PER % (rel. %) | parameters | p vs initial DNN | p vs i-vector baseline | p vs control, same training | paper test | paper dev |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r, i) =>
      `| ${r.name} | ${cell(r.test, r.testGain, i === 0)} | ${cell(r.dev, r.devGain, i === 0)} | ${
        r.parameters ?? "-"
      } | ${sig(r.vsInitial)} | ${sig(r.vsBaseline)} | ${sig(r.vsControl)} | ${r.paper?.[0] ?? "-"} | ${
        r.paper?.[1] ?? "-"
      } |`
    ),
  ].join("\n");
  const md = [
    `# Table 1: PER of the speaker-aware DNNs`,
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\` (${c.hiddenLayers} x ${c.hiddenDim} sigmoid hidden layers, so ${layers} stages of progressive training; the paper: 6 x 1024, 7 stages), ` +
    `i-vectors of ${a.ivector.ivectorDim} dims (UBM ${a.ivector.ubm.gaussians}) on the fMLLR features, ${c.speaker.speakerUnits} speaker units per partition and per transform layer. ` +
    `Final models (speaker input into all ${layers} layers); PER on the 39-phone set, relative improvement over the initial DNN in brackets. ` +
    `Significance: MAPSSWE on test (two-sided p; "better" when the row's system makes fewer errors). ` +
    `The control is the initial DNN trained on exactly as the speaker-aware stages are (step 2 of every stage), ` +
    `without speaker input, ${layers} times: it tells the gain of the speaker input from that of the extra training ` +
    `(the i-vector baseline is compared with one such round, the final models with ${layers}). ` +
    `The last two columns are the paper's published numbers (TIMIT), for reference only.`,
    "",
    table,
    "",
    `Best on test here: ${best.name} (${best.test.toFixed(2)}%). Partitioned DNN vs i-vector baseline: ` +
    `${phl.test.toFixed(2)} vs ${ivectorBaseline.test.toFixed(2)}, p = ${fmtP(phl.vsBaseline!.pValue)}; ` +
    `vs the initial DNN: p = ${fmtP(phl.vsInitial!.pValue)}; vs the control with the same training: p = ${
      fmtP(phl.vsControl!.pValue)
    }.`,
    "",
    "Stage times in this run (s; a reused stage takes about none): " +
    x.timings.steps.map((t) => `${t.step} ${t.seconds}`).join(", ") + `; total ${x.timings.total}.`,
    "",
  ].join("\n");
  const files = writeResults("table1", md, {
    ...runRecord(a, x, grid.jobs),
    rows,
    stages: Object.fromEntries(
      [...chains].map(([m, stages]) => [
        m,
        stages.map((s) => ({
          dir: s.dir,
          dev: per(s.summary.dev),
          test: per(s.summary.test),
          seconds: s.summary.seconds,
        })),
      ]),
    ),
  });
  console.log("\n" + table + "\n");
  console.log(
    `initial DNN: dev ${formatCounts(x.dnn.summary.dev)}; test ${formatCounts(x.dnn.summary.test)}`,
  );
  console.log(`written: ${files.md}, ${files.json}`);
});
