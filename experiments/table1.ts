// deno task exp:table1 [--corpus DIR] [--profile cpu|paper|tiny] [--backend B] [--key=value] — the paper's Table 1, running every stage before it.
import { formatCounts } from "../src/decode/score.ts";
import type { SpeakerModel } from "../src/nnet/speaker.ts";
import {
  MODEL_NAMES,
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runControl,
  runFamilies,
  runRecord,
  testSignificance,
} from "../src/pipeline/experiment.ts";
import { fmtP, per, relativeGain, writeResults } from "../src/report/results.ts";
import { IVECTOR_FMLLR } from "../src/pipeline/ivector.ts";
import { runMain } from "../src/util/args.ts";

/** Table 1 of the paper (TIMIT, 6 x 1024 + 2042 senones): test and dev PER. */
const PAPER_TABLE1: Record<string, [number, number]> = {
  "Initial DNN": [19.1, 18.3],
  "i-vector baseline": [18.7, 17.8],
  "Extended i-vector": [18.7, 17.6],
  "Extended i-vector 1-layer": [18.5, 17.9],
  "Extended i-vector 2-layer": [18.7, 17.7],
  "Partitioned DNN": [18.2, 17.5],
};
const MODELS: SpeakerModel[] = ["extended", "transform1", "transform2", "partitioned"];
const CONTROL = "Initial DNN, trained on without i-vectors (control)";

await runMain(async () => {
  const a = parseExperimentArgs("exp:table1");
  const x = await prepareSpeakerExperiment(a);
  const families = await runFamilies(x, MODELS);
  const control = await runControl(x);
  const baseline = families.extended[0], finalControl = control[control.length - 1];
  const rows = [
    {
      name: "Initial DNN",
      dir: x.dnn.dir,
      dev: x.dnn.dev,
      test: x.dnn.test,
      parameters: null as number | null,
      same: null,
    },
    { name: CONTROL, ...finalControl, same: null },
    { name: "i-vector baseline", ...baseline, same: control[0] },
    ...MODELS.map((m) => ({
      name: MODEL_NAMES[m],
      ...families[m][families[m].length - 1],
      same: finalControl,
    })),
  ].map((r) => {
    const speakerAware = r.same !== null;
    return {
      name: r.name,
      dir: r.dir,
      test: per(r.test),
      dev: per(r.dev),
      testGain: relativeGain(r.test, x.dnn.test),
      devGain: relativeGain(r.dev, x.dnn.dev),
      parameters: r.parameters,
      vsInitial: r.dir === x.dnn.dir ? null : testSignificance(x, r.dir, x.dnn.dir),
      vsBaseline: speakerAware && r.dir !== baseline.dir ? testSignificance(x, r.dir, baseline.dir) : null,
      vsControl: r.same ? { control: r.same.dir, ...testSignificance(x, r.dir, r.same.dir) } : null,
      paper: PAPER_TABLE1[r.name] ?? null,
    };
  });
  const c = a.config, layers = c.hiddenLayers + 1;
  const cell = (v: number, gain: number, first: boolean) =>
    `${v.toFixed(2)}${first ? "" : ` (${gain.toFixed(1)})`}`;
  const sig = (s: { pValue: number; z: number } | null) =>
    s ? `${fmtP(s.pValue)} (${s.z < 0 ? "better" : s.z > 0 ? "worse" : "same"})` : "-";
  const best = rows.slice(2).reduce((b, r) => (r.test < b.test ? r : b));
  const phl = rows[rows.length - 1];
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
    `i-vectors of ${IVECTOR_FMLLR.ivectorDim} dims (UBM ${IVECTOR_FMLLR.ubm.gaussians}) on the fMLLR features, ${c.speaker.speakerUnits} speaker units per partition and per transform layer. ` +
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
    `${phl.test.toFixed(2)} vs ${rows[2].test.toFixed(2)}, p = ${fmtP(phl.vsBaseline!.pValue)}; ` +
    `vs the initial DNN: p = ${fmtP(phl.vsInitial!.pValue)}; vs the control with the same training: p = ${
      fmtP(phl.vsControl!.pValue)
    }.`,
    "",
    "Stage times in this run (s; a reused stage takes about none): " +
    x.timings.steps.map((t) => `${t.step} ${t.seconds}`).join(", ") + `; total ${x.timings.total}.`,
    "",
  ].join("\n");
  const files = writeResults("table1", md, {
    ...runRecord(a, x),
    rows,
    stages: Object.fromEntries(
      [...MODELS.map((m) => [m, families[m]] as const), ["control", control] as const].map(([m, stages]) => [
        m,
        stages.map((s) => ({ dir: s.dir, dev: per(s.dev), test: per(s.test), seconds: s.seconds })),
      ]),
    ),
  });
  console.log("\n" + table + "\n");
  console.log(`initial DNN: dev ${formatCounts(x.dnn.dev)}; test ${formatCounts(x.dnn.test)}`);
  console.log(`written: ${files.md}, ${files.json}`);
});
