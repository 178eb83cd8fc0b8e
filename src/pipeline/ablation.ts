// Ablations: variants of one design choice, each trained for every seed beside the paper's configuration (Table 1's Partitioned DNN) and compared with it.
import { dirname, join } from "node:path";
import { model } from "../nnet/models.ts";
import { per, RESULTS_DIR, writeResultFile, writeResults } from "../report/results.ts";
import {
  beyondSpread,
  meanInterval,
  meanSd,
  overModels,
  overSeeds,
  pValues,
  type SeedSummary,
} from "../report/seeds.ts";
import {
  type ExperimentArgs,
  runModel,
  runRecord,
  seeded,
  type SpeakerExperiment,
  stageExtendedTest,
  testSignificance,
} from "./experiment.ts";
import { speakerUnits } from "./partition_size.ts";
import { runChain, type SpeakerStageInputs } from "./speaker_dnn.ts";
import type { Decoded } from "../decode/search.ts";
import type { Stage } from "./stage.ts";

/** What a variant is trained with: the experiment, one seed, and a folder of its own for the stages it changes. */
export interface VariantContext {
  a: ExperimentArgs;
  x: SpeakerExperiment;
  seed: number;
  /** The speaker units of Table 1 (`--speaker-units`). */
  units: number;
  /** <speaker root of the seed>/ablations/<ablation>/<variant folder>/ */
  root: string;
}

export interface Variant {
  /** Its folder under the ablation's. */
  folder: string;
  /** As its row is named. */
  title: string;
  /** The variant's final model for the context's seed (made, or reused when already made), decoded. */
  run(c: VariantContext): Promise<Stage<Decoded>>;
}

export interface Ablation {
  /** Its script, folder and results file: experiments/ablations/<name>.ts, results/ablations/<name>.md. */
  name: string;
  title: string;
  /** What it asks, and what the paper says or assumes about it. */
  question: string;
  variants: Variant[];
  /** A sentence of its own on what the rows show, after the one per variant (rows: the reference first). */
  conclude?(rows: AblationRow[]): string;
}

/** The reference every ablation compares with: Table 1's Partitioned DNN (the paper's configuration). */
export const REFERENCE = "paper's configuration (Partitioned DNN)";

/** A variant that trains another model of the registry in the seed's own speaker root, sharing its stages. */
export const modelVariant = (folder: string, title: string, modelName: string): Variant => ({
  folder,
  title,
  run: async ({ x, seed, units }) => {
    const { root, inputs } = seeded(x, seed);
    return (await runChain(model(modelName), units, x.dnn, root, inputs)).at(-1)!;
  },
});

/** Table 1's i-vector baseline of the seed (stage 1 of the extended family), for the ablations that list it. */
export const baselineVariant = (folder: string, title: string): Variant => ({
  folder,
  title,
  run: async ({ x, seed, units }) => {
    const { root, inputs } = seeded(x, seed);
    return (await runChain(model("extended"), units, x.dnn, root, inputs, 1))[0];
  },
});

/** A variant that trains the Partitioned DNN with changed inputs (config, i-vectors), in its own folder. */
export const inputsVariant = (
  folder: string,
  title: string,
  change: (inputs: SpeakerStageInputs, c: VariantContext) => Promise<SpeakerStageInputs> | SpeakerStageInputs,
): Variant => ({
  folder,
  title,
  run: async (c) => {
    const inputs = await change(seeded(c.x, c.seed).inputs, c);
    return (await runChain(model("partitioned"), c.units, c.x.dnn, c.root, inputs)).at(-1)!;
  },
});

export interface AblationRow {
  name: string;
  seeds: { seed: number; dir: string; dev: number; test: number; extendedTest: number }[];
  dev: SeedSummary;
  test: SeedSummary;
  /** Core test and the extra test speakers. */
  extendedTest: SeedSummary;
  /** Test PER minus the reference's of the same seed. */
  versusReference: SeedSummary | null;
  /** MAPSSWE on test against the reference, per seed. */
  vsReference: { pValue: number; z: number }[] | null;
  /** The same two on the extended test. */
  extendedVersusReference: SeedSummary | null;
  extendedVsReference: { pValue: number; z: number }[] | null;
}

/**
 * Trains every variant of `ab` for every seed of `a` (after the reference, with Table 1's speaker units), one after
 * another in this process, writes results/ablations/<name>.md and .json, and puts the ablation's line into
 * results/ablations.md.
 */
export async function runAblation(ab: Ablation, a: ExperimentArgs, x: SpeakerExperiment) {
  const { units } = await speakerUnits(a, x), reference = [];
  for (const seed of a.seeds) reference.push((await runModel(x, "partitioned", units, seed)).at(-1)!);
  const rows: AblationRow[] = [rowOf(REFERENCE, reference, a.seeds, null, x)];
  for (const v of ab.variants) {
    const stages = [];
    for (const seed of a.seeds) {
      const root = join(seeded(x, seed).root, "ablations", ab.name, v.folder);
      stages.push(
        await x.timings.time(
          `${ab.name}: ${v.folder}, seed ${seed}`,
          () => v.run({ a, x, seed, units, root }),
        ),
      );
    }
    rows.push(rowOf(v.title, stages, a.seeds, reference, x));
  }
  const table = [
    "| Variant | test PER % | dev PER % | test - paper's configuration | p vs paper's configuration | extended test PER % | extended - paper's configuration | p on extended test |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.name} | ${meanSd(r.test)} | ${meanSd(r.dev)} | ${
        r.versusReference ? meanInterval(r.versusReference) : "-"
      } | ${r.vsReference ? pValues(r.vsReference) : "-"} | ${meanSd(r.extendedTest)} | ${
        r.extendedVersusReference ? meanInterval(r.extendedVersusReference) : "-"
      } | ${r.extendedVsReference ? pValues(r.extendedVsReference) : "-"} |`
    ),
  ].join("\n");
  const finding = [summarize(rows.slice(1)), ab.conclude?.(rows)].filter(Boolean).join(" ");
  const md = [
    `# Ablation: ${ab.title}`,
    "",
    `Regenerate: \`${a.command}\``,
    "",
    ab.question,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`, seeds ${a.seeds.join(", ")} (each variant against the ` +
    `paper's configuration of the same seed; all from the same initial DNN). PER cells: mean ± standard deviation ` +
    `over seeds; the difference: mean [95% Student-t interval over seeds]; MAPSSWE per seed (b / w: the ` +
    `variant made fewer / more errors), on the core test and on the extended test (core test and the other test ` +
    `speakers outside dev).`,
    "",
    table,
    "",
    finding,
    "",
  ].join("\n");
  const files = writeResults(`ablations/${ab.name}`, md, {
    ...runRecord(a, x, [], a.seeds),
    ablation: ab.name,
    rows,
  });
  updateIndex(ab, finding);
  return { rows, files };
}

function rowOf(
  name: string,
  stages: Stage<Decoded>[],
  seeds: number[],
  reference: Stage<Decoded>[] | null,
  x: SpeakerExperiment,
): AblationRow {
  const test = stages.map((s) => per(s.summary.test)), dev = stages.map((s) => per(s.summary.dev));
  const extended = (s: Stage<Decoded>) => per(stageExtendedTest(s));
  const ext = stages.map(extended), dirs = stages.map((s) => s.dir);
  return {
    name,
    seeds: stages.map((s, i) => ({
      seed: seeds[i],
      dir: s.dir,
      dev: dev[i],
      test: test[i],
      extendedTest: ext[i],
    })),
    dev: overModels(dev, dirs),
    test: overModels(test, dirs),
    extendedTest: overModels(ext, dirs),
    versusReference: reference ? overSeeds(test.map((t, i) => t - per(reference[i].summary.test))) : null,
    vsReference: reference ? stages.map((s, i) => testSignificance(x, s.dir, reference[i].dir)) : null,
    extendedVersusReference: reference ? overSeeds(ext.map((t, i) => t - extended(reference[i]))) : null,
    extendedVsReference: reference
      ? stages.map((s, i) => testSignificance(x, s.dir, reference[i].dir, "extended"))
      : null,
  };
}

/** One sentence per variant: how far it is from the paper's configuration, and whether beyond the seed spread. */
function summarize(rows: AblationRow[]): string {
  return rows.map((r) => {
    const d = r.versusReference!, size = Math.abs(d.mean).toFixed(2);
    const how = size === "0.00"
      ? "the same test PER as the paper's configuration"
      : `${size} points ${d.mean > 0 ? "worse" : "better"} on test than the paper's configuration`;
    const spread = beyondSpread(d);
    if (!spread) return `${r.name}: ${how} (one seed: no spread to judge it by).`;
    return `${r.name}: ${how} on average, ` +
      (spread === "within"
        ? "within the seed spread (the 95% interval includes 0)."
        : "beyond the seed spread (the 95% interval excludes 0).");
  }).join(" ");
}

/** results/ablations.md: one line per ablation, this one's replaced (written whole, to a temporary name first). */
function updateIndex(ab: Ablation, finding: string) {
  const path = join(RESULTS_DIR, "ablations.md"),
    head =
      "# Ablations\n\nOne line per ablation (`deno task ablate NAME`); details in `ablations/NAME.md`.\n\n";
  let lines: string[] = [];
  try {
    lines = Deno.readTextFileSync(path).split("\n").filter((l) => l.startsWith("- "));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const line = `- [${ab.name}](ablations/${ab.name}.md): ${ab.title}. ${finding}`;
  lines = [...lines.filter((l) => !l.startsWith(`- [${ab.name}]`)), line].sort();
  Deno.mkdirSync(dirname(path), { recursive: true });
  writeResultFile(path, head + lines.join("\n") + "\n");
}
