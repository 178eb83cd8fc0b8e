// deno task exp:table1 [--corpus DIR] [--profile cpu|paper|tiny] [--seeds 1,2,3] [--backend B] [--key=value] — the paper's Table 1 over seeds, running every stage before it.
import { join } from "node:path";
import { type ErrorCounts, formatCounts } from "../src/decode/score.ts";
import { readDataDir } from "../src/io/datadir.ts";
import { INITIAL_DNN, IVECTOR_BASELINE, model, MODELS } from "../src/nnet/models.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runRecord,
  stageExtendedTest,
  testSignificance,
} from "../src/pipeline/experiment.ts";
import { chainGrid, runChains } from "../src/pipeline/grid.ts";
import { speakerUnits } from "../src/pipeline/partition_size.ts";
import type { Significance, TestSet } from "../src/pipeline/hybrid.ts";
import { printPlan, unitsPlan } from "../src/pipeline/plan.ts";
import type { SpeakerStage } from "../src/pipeline/speaker_dnn.ts";
import { per, writeResults } from "../src/report/results.ts";
import {
  beyondSpread,
  meanInterval,
  meanSd,
  overModels,
  overSeeds,
  pValues,
  type SeedSummary,
} from "../src/report/seeds.ts";
import { runMain } from "../src/util/args.ts";

/** One system of the table in one seed: where it is, its errors, and what it is compared with. */
interface Run {
  dir: string;
  dev: ErrorCounts;
  test: ErrorCounts;
  /** Core test and the extra test speakers. */
  extended: ErrorCounts;
  parameters: number | null;
  /** The control with the same further training (null for the initial DNN and the control itself). */
  same: SpeakerStage | null;
}

await runMain(async () => {
  const a = parseExperimentArgs("exp:table1");
  if (a.plan) return await printPlan(a, unitsPlan(a, MODELS));
  const x = await prepareSpeakerExperiment(a);
  const { units, chosen, jobs: searchJobs } = await speakerUnits(a, x);
  const grid = await runChains(a, x, chainGrid(MODELS, [units], a.seeds));
  const chainsOf = a.seeds.map((seed) =>
    new Map<string, SpeakerStage[]>(MODELS.map((m) => [m.name, grid.chain(m.name, units, seed)]))
  );
  const stageRun = (s: SpeakerStage, same: SpeakerStage | null): Run => ({
    dir: s.dir,
    dev: s.summary.dev,
    test: s.summary.test,
    extended: stageExtendedTest(s),
    parameters: s.summary.parameters,
    same,
  });
  const initial: Run = {
    dir: x.dnn.dir,
    dev: x.dnn.summary.dev,
    test: x.dnn.summary.test,
    extended: stageExtendedTest(x.dnn),
    parameters: null,
    same: null,
  };
  const systems: { name: string; paper?: { test: number; dev: number }; runs: Run[] }[] = [
    { name: INITIAL_DNN.title, paper: INITIAL_DNN.paper, runs: a.seeds.map(() => initial) },
    ...MODELS.filter((m) => !m.layer).map((m) => ({
      name: m.title,
      paper: m.paper,
      runs: chainsOf.map((c) => stageRun(c.get(m.name)!.at(-1)!, null)),
    })),
    {
      name: IVECTOR_BASELINE.title,
      paper: IVECTOR_BASELINE.paper,
      runs: chainsOf.map((c) => stageRun(c.get(IVECTOR_BASELINE.model)![0], c.get("control")![0])),
    },
    ...MODELS.filter((m) => m.layer).map((m) => ({
      name: m.title,
      paper: m.paper,
      runs: chainsOf.map((c) => stageRun(c.get(m.name)!.at(-1)!, c.get("control")!.at(-1)!)),
    })),
  ];
  const baselineRuns = systems.find((s) => s.name === IVECTOR_BASELINE.title)!.runs;
  const rows = systems.map(({ name, paper, runs }) => {
    const speakerAware = runs[0].same !== null, isBaseline = name === IVECTOR_BASELINE.title;
    const dirs = runs.map((r) => r.dir), dev = runs.map((r) => per(r.dev));
    const compare = (other: (i: number) => string | null, set: TestSet) =>
      runs.map((r, i) => {
        const dir = other(i);
        return dir === null || dir === r.dir
          ? null
          : { against: dir, ...testSignificance(x, r.dir, dir, set) };
      });
    /** PER on a test set, its difference from the initial DNN's and the i-vector baseline's, MAPSSWE against them. */
    const onTestSet = (set: TestSet) => {
      const of = (r: Run) => per(set === "test" ? r.test : r.extended), pers = runs.map(of);
      return {
        per: overModels(pers, dirs),
        versusInitial: overSeeds(pers.map((t) => t - of(initial))),
        versusBaseline: speakerAware && !isBaseline
          ? overSeeds(pers.map((t, i) => t - of(baselineRuns[i])))
          : null,
        vsInitial: name === INITIAL_DNN.title ? null : compare(() => initial.dir, set),
        vsBaseline: speakerAware && !isBaseline ? compare((i) => baselineRuns[i].dir, set) : null,
      };
    };
    const core = onTestSet("test");
    return {
      name,
      seeds: runs.map((r, i) => ({
        seed: a.seeds[i],
        dir: r.dir,
        test: per(r.test),
        extendedTest: per(r.extended),
        dev: dev[i],
      })),
      test: core.per,
      dev: overModels(dev, dirs),
      parameters: runs[0].parameters,
      /** Test PER minus the initial DNN's, and minus the i-vector baseline's of the same seed. */
      versusInitial: core.versusInitial,
      versusBaseline: core.versusBaseline,
      vsInitial: core.vsInitial,
      vsBaseline: core.vsBaseline,
      vsControl: speakerAware ? compare((i) => runs[i].same!.dir, "test") : null,
      /** The same on the extended test. */
      extended: onTestSet("extended"),
      paper: paper ? { test: paper.test, dev: paper.dev } : null,
    };
  });

  const c = a.config, layers = c.hiddenLayers + 1, n = a.seeds.length;
  const relative = (s: SeedSummary, base: number) => (100 * (base - s.mean)) / base;
  const cell = (s: SeedSummary, base: number, first: boolean) =>
    `${meanSd(s)}${first ? "" : ` (${relative(s, base).toFixed(1)})`}`;
  const pCell = (ps: ((Significance & { against: string }) | null)[] | null) => (ps ? pValues(ps) : "-");
  const table = [
    "| Model | test PER % (rel. %) | dev PER % (rel. %) | parameters | test - initial DNN | test - i-vector baseline | p vs initial DNN | p vs i-vector baseline | p vs control, same training | paper test | paper dev |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r, i) =>
      `| ${r.name} | ${cell(r.test, per(initial.test), i === 0)} | ${
        cell(r.dev, per(initial.dev), i === 0)
      } | ${r.parameters ?? "-"} | ${i === 0 ? "-" : meanInterval(r.versusInitial)} | ${
        r.versusBaseline ? meanInterval(r.versusBaseline) : "-"
      } | ${pCell(r.vsInitial)} | ${pCell(r.vsBaseline)} | ${pCell(r.vsControl)} | ${
        r.paper?.test ?? "-"
      } | ${r.paper?.dev ?? "-"} |`
    ),
  ].join("\n");
  const extendedTable = [
    "| Model | extended test PER % (rel. %) | extended - initial DNN | extended - i-vector baseline | p vs initial DNN | p vs i-vector baseline |",
    "| --- | --- | --- | --- | --- | --- |",
    ...rows.map(({ name, extended: e }, i) =>
      `| ${name} | ${cell(e.per, per(initial.extended), i === 0)} | ${
        i === 0 ? "-" : meanInterval(e.versusInitial)
      } | ${e.versusBaseline ? meanInterval(e.versusBaseline) : "-"} | ${pCell(e.vsInitial)} | ${
        pCell(e.vsBaseline)
      } |`
    ),
  ].join("\n");
  const sizeOf = (split: string) => {
    const { utt2spk } = readDataDir(join(x.inputs.aliDir, "feats", split));
    return { utterances: utt2spk.size, speakers: new Set(utt2spk.values()).size };
  };
  const coreSize = sizeOf("test"), extraSize = sizeOf("extra");

  const phl = rows.find((r) => r.name === model("partitioned").title)!;
  const verdict = (what: string, d: SeedSummary, ps: ({ pValue: number; z: number } | null)[]) => {
    const better = ps.filter((p) => p && p.pValue < 0.05 && p.z < 0).length,
      worse = ps.filter((p) => p && p.pValue < 0.05 && p.z > 0).length;
    const counts =
      `MAPSSWE p < 0.05 in favour of the Partitioned DNN in ${better} of ${n} seed(s), against it in ${worse}`;
    const spread = beyondSpread(d);
    if (!spread || !d.interval) {
      return `against ${what}: ${d.mean.toFixed(2)} points (one seed: no spread to judge it by); ${counts}.`;
    }
    return `against ${what}: ${d.mean.toFixed(2)} points on average (95% interval over seeds ${
      d.interval[0].toFixed(2)
    } to ${d.interval[1].toFixed(2)}, seed standard deviation ${d.sd!.toFixed(2)}); ` +
      (spread === "within"
        ? `the interval includes 0, so the difference does not exceed the seed spread`
        : `the interval excludes 0, so the PER is ${spread} beyond the seed spread`) +
      `; ${counts}.`;
  };
  const made = [...new Map(grid.stages.flat().map((s) => [s.dir, s])).values()]; // shared stages once
  const noAccept = made.flatMap((s) =>
    (["newOnly", "all"] as const).filter((step) => {
      const epochs = s.summary.steps[step];
      return epochs.length > 0 && !epochs.some((e) => e.accepted);
    }).map((step) => `${s.dir} (${step === "newOnly" ? "step 1" : "step 2"})`)
  );
  const steps = made.reduce((k, s) => k + (s.summary.steps.newOnly.length ? 2 : 1), 0);
  const md = [
    `# Table 1: PER of the speaker-aware DNNs`,
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\` (${c.hiddenLayers} x ${c.hiddenDim} sigmoid hidden layers, so ${layers} stages of progressive training; the paper: 6 x 1024, 7 stages), ` +
    `i-vectors of ${a.ivector.ivectorDim} dims (UBM ${a.ivector.ubm.gaussians}) on the fMLLR features, ${units} speaker units per partition and per transform layer (${chosen}). ` +
    `Final models (speaker input into all ${layers} layers); PER on the 39-phone set. ` +
    `Seeds ${
      a.seeds.join(", ")
    } of the speaker-aware stages (their new weights and frame order); every seed is warm-started from the same initial DNN (seed ${c.seed}), a paired design. ` +
    `PER cells: mean ± standard deviation over seeds, relative improvement of the mean over the initial DNN in brackets. ` +
    `Differences: the row's test PER minus the initial DNN's and minus the i-vector baseline's of the same seed, mean [95% Student-t interval over seeds]. ` +
    `Significance: NIST's MAPSSWE on test per seed, in seed order (two-sided p; b / w: the row's system made fewer / more errors). ` +
    `The control is the initial DNN trained on exactly as the speaker-aware stages are (step 2 of every stage), ` +
    `without speaker input, ${layers} times: it tells the gain of the speaker input from that of the extra training ` +
    `(the i-vector baseline is compared with one such round, the final models with ${layers}). ` +
    `The last two columns are the paper's published numbers (TIMIT), for reference only.`,
    "",
    table,
    "",
    `Partitioned DNN, test PER difference ${
      verdict("the i-vector baseline", phl.versusBaseline!, phl.vsBaseline!)
    } ` +
    `And ${verdict("the initial DNN", phl.versusInitial, phl.vsInitial!)}`,
    "",
    `## Extended test`,
    "",
    `The core test (${coreSize.speakers} speakers, ${coreSize.utterances} utterances) and the other test speakers outside dev ` +
    `(${extraSize.speakers} speakers, ${extraSize.utterances} utterances; real TIMIT: 118 speakers, 944 utterances in all), ` +
    `decoded at the setting each system chose on dev; the same systems and seeds as above, MAPSSWE over all of its utterances.`,
    "",
    extendedTable,
    "",
    `Partitioned DNN, extended test PER difference ${
      verdict("the i-vector baseline", phl.extended.versusBaseline!, phl.extended.vsBaseline!)
    } ` +
    `And ${verdict("the initial DNN", phl.extended.versusInitial, phl.extended.vsInitial!)}`,
    "",
    `Warm-start steps that ended with no accepted epoch (the step left the network as it was): ${noAccept.length} of ${steps}` +
    (noAccept.length
      ? ` (step 1: ${noAccept.filter((s) => s.endsWith("(step 1)")).length}, step 2: ${
        noAccept.filter((s) => s.endsWith("(step 2)")).length
      }; each named in table1.json, \`noAcceptedEpoch\`).`
      : "."),
    "",
    "Stage times in this run (s; a reused stage takes about none): " +
    x.timings.steps.map((t) => `${t.step} ${t.seconds}`).join(", ") + `; total ${x.timings.total}.`,
    "",
  ].join("\n");
  const files = writeResults("table1", md, {
    ...runRecord(a, x, [...searchJobs, ...grid.jobs], a.seeds),
    speakerUnits: { units, chosen },
    rows,
    noAcceptedEpoch: noAccept,
    stages: a.seeds.map((seed, i) => ({
      seed,
      chains: Object.fromEntries(
        [...chainsOf[i]].map(([m, stages]) => [
          m,
          stages.map((s) => ({
            dir: s.dir,
            dev: per(s.summary.dev),
            test: per(s.summary.test),
            seconds: s.summary.seconds,
          })),
        ]),
      ),
    })),
  });
  console.log("\n" + table + "\n");
  console.log(
    `initial DNN: dev ${formatCounts(x.dnn.summary.dev)}; test ${formatCounts(x.dnn.summary.test)}`,
  );
  console.log(`written: ${files.md}, ${files.json}`);
});
