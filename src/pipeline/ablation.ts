// Ablations: variants of one design choice, each trained for every seed beside a Table 1 system of the paper's configuration and compared with it, as jobs or in this process.
import { dirname, join } from "node:path";
import type { Job, JobResult } from "../jobs/job.ts";
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
  runRecord,
  seeded,
  type SpeakerExperiment,
  stageExtendedTest,
  testSignificance,
} from "./experiment.ts";
import { chainJobMemoryMB, runSpeakerJobs, runsSerially } from "./grid.ts";
import { speakerUnits } from "./partition_size.ts";
import { runChain, type SpeakerStageInputs } from "./speaker_dnn.ts";
import type { Decoded } from "../decode/search.ts";
import type { Stage } from "./stage.ts";

/** What an ablation's shared stages are made with: the experiment and Table 1's speaker units. */
export interface AblationContext {
  a: ExperimentArgs;
  x: SpeakerExperiment;
  /** The speaker units of Table 1 (`--speaker-units`). */
  units: number;
}

/** What a variant is trained with: the experiment, one seed, and a folder of its own for the stages it changes. */
export interface VariantContext extends AblationContext {
  seed: number;
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
  /** What the variants are compared with (default: Table 1's Partitioned DNN). */
  reference?: Reference;
  /**
   * Stages that several variants or seeds share, made by a job of its own before theirs (the variants make them
   * too when run in this process, so this only saves jobs from waiting on each other's locks).
   */
  prepare?(c: AblationContext): Promise<unknown>;
  /** Its variants each train about as long as the initial DNN: their jobs start before every other ablation's. */
  long?: boolean;
  /** A sentence of its own on what the rows show, after the one per variant (rows: the reference first). */
  conclude?(rows: AblationRow[]): string;
}

/** A Table 1 system an ablation compares its variants with: the final stage of a chain, or its first `rounds`. */
export interface Reference {
  title: string;
  model: string;
  rounds?: number;
}

/** Table 1's Partitioned DNN, the paper's configuration: the reference of most ablations. */
export const PARTITIONED: Reference = {
  title: "paper's configuration (Partitioned DNN)",
  model: "partitioned",
};

/** Table 1's i-vector baseline (stage 1 of the extended family), for ablations of the i-vector input itself. */
export const BASELINE: Reference = {
  title: "paper's configuration (i-vector baseline)",
  model: "extended",
  rounds: 1,
};

const referenceOf = (ab: Ablation) => ab.reference ?? PARTITIONED;

/** The reference's stage of a seed, trained in `root` with `inputs` (made, or reused when already made). */
const referenceStage = async (
  ref: Reference,
  c: AblationContext,
  root: string,
  inputs: SpeakerStageInputs,
) => (await runChain(model(ref.model), c.units, c.x.dnn, root, inputs, ref.rounds)).at(-1)!;

/** A variant that trains another model of the registry in the seed's own speaker root, sharing its stages. */
export const modelVariant = (folder: string, title: string, modelName: string): Variant => ({
  folder,
  title,
  run: async ({ x, seed, units }) => {
    const { root, inputs } = seeded(x, seed);
    return (await runChain(model(modelName), units, x.dnn, root, inputs)).at(-1)!;
  },
});

/** Table 1's i-vector baseline of the seed, for the ablations that list it. */
export const baselineVariant = (folder: string, title: string): Variant => ({
  folder,
  title,
  run: (c) => {
    const { root, inputs } = seeded(c.x, c.seed);
    return referenceStage(BASELINE, c, root, inputs);
  },
});

/** A variant that trains the reference's chain (default: the Partitioned DNN) with changed inputs, in its own folder. */
export const inputsVariant = (
  folder: string,
  title: string,
  change: (inputs: SpeakerStageInputs, c: VariantContext) => Promise<SpeakerStageInputs> | SpeakerStageInputs,
  ref = PARTITIONED,
): Variant => ({
  folder,
  title,
  run: async (c) => referenceStage(ref, c, c.root, await change(seeded(c.x, c.seed).inputs, c)),
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
 * Runs the ablations `abs`: with `--cmd local --jobs 1` every stage in this process, one after another; otherwise
 * as jobs of `script` (experiments/ablate.ts, which hands each to `runAblationPart`): the shared stages of each
 * ablation first, its variants after them, one job per variant and seed, the longest first. Then reads every
 * stage back here and writes results/ablations/<name>.md and .json and each ablation's line of
 * results/ablations.md.
 */
export async function runAblations(abs: Ablation[], a: ExperimentArgs, x: SpeakerExperiment, script: string) {
  const { units } = await speakerUnits(a, x), c = { a, x, units };
  let jobs: JobResult[] = [];
  if (!runsSerially(a)) {
    jobs = await runSpeakerJobs(a, x, ablationJobs(abs, c, script));
  }
  const out = [];
  for (const ab of abs) {
    const refs = a.seeds.map((seed) => referenceJobId(referenceOf(ab), seed));
    const own = jobs.filter((j) => j.id.startsWith(`${ab.name}.`) || refs.includes(j.id));
    out.push({ name: ab.name, ...(await runAblation(ab, c, own)) });
  }
  return out;
}

/**
 * What one job of an ablation makes, for every seed of `a`: `part` "prepare" its shared stages, "reference" its
 * reference, otherwise the variant of that folder.
 */
export async function runAblationPart(ab: Ablation, a: ExperimentArgs, x: SpeakerExperiment, part: string) {
  const { units } = await speakerUnits(a, x), c = { a, x, units };
  if (part === "prepare") return void await ab.prepare?.(c);
  const ref = referenceOf(ab), v = part === "reference" ? null : variantOf(ab, part);
  for (const seed of a.seeds) {
    const { root, inputs } = seeded(x, seed);
    if (v) await v.run({ ...c, seed, root: variantRoot(ab, v, root) });
    else await referenceStage(ref, c, root, inputs);
  }
}

function variantOf(ab: Ablation, folder: string): Variant {
  const v = ab.variants.find((v) => v.folder === folder);
  if (!v) {
    throw new Error(`${ab.name} has no variant '${folder}' (${ab.variants.map((v) => v.folder).join(", ")})`);
  }
  return v;
}

const variantRoot = (ab: Ablation, v: Variant, seedRoot: string) =>
  join(seedRoot, "ablations", ab.name, v.folder);

const referenceJobId = (ref: Reference, seed: number) =>
  `reference.${ref.model}${ref.rounds ? `-${ref.rounds}` : ""}-seed${seed}`;

/**
 * The jobs of `abs`: each reference once per seed, each ablation's shared stages, then every variant and seed
 * after them; the variants of long ablations lead.
 */
function ablationJobs(abs: Ablation[], c: AblationContext, script: string): Job[] {
  const { a, x } = c, memoryMB = chainJobMemoryMB(x);
  const job = (id: string, ab: Ablation, part: string[], seeds: number[], log: string, after: string[]) => ({
    id,
    argv: [Deno.execPath(), "run", "-A", script, ab.name, ...a.argv, ...part, `--seeds=${seeds.join(",")}`],
    log,
    cpus: a.nj,
    memoryMB,
    after,
  });
  const jobs = new Map<string, Job>(), variants: { job: Job; long: boolean }[] = [];
  for (const ab of abs) {
    const ref = referenceOf(ab);
    for (const seed of a.seeds) {
      const id = referenceJobId(ref, seed);
      const log = join(seeded(x, seed).root, "jobs", `${id}.log`);
      if (!jobs.has(id)) jobs.set(id, job(id, ab, ["--part=reference"], [seed], log, []));
    }
    const logs = join(seeded(x, a.seeds[0]).root, "ablations", ab.name);
    const prepare = ab.prepare ? [`${ab.name}.prepare`] : [];
    for (const id of prepare) {
      jobs.set(id, job(id, ab, ["--part=prepare"], a.seeds, join(logs, "prepare.log"), []));
    }
    for (const v of ab.variants) {
      for (const seed of a.seeds) {
        const id = `${ab.name}.${v.folder}-seed${seed}`;
        const log = join(variantRoot(ab, v, seeded(x, seed).root), "job.log");
        variants.push({
          job: job(id, ab, [`--part=${v.folder}`], [seed], log, prepare),
          long: ab.long ?? false,
        });
      }
    }
  }
  const longestFirst = [...variants.filter((v) => v.long), ...variants.filter((v) => !v.long)];
  return [...jobs.values(), ...longestFirst.map((v) => v.job)];
}

/**
 * Trains (or reads back) every variant of `ab` for every seed of `a`, after the reference, one after another in this
 * process, writes results/ablations/<name>.md and .json, and puts the ablation's line into results/ablations.md.
 */
async function runAblation(ab: Ablation, c: AblationContext, jobs: JobResult[]) {
  const { x } = c,
    a = { ...c.a, command: ["deno task ablate", ab.name, ...c.a.argv].join(" ") },
    ref = referenceOf(ab),
    reference = [];
  for (const seed of a.seeds) {
    const { root, inputs } = seeded(x, seed);
    reference.push(
      await x.timings.time(`${ab.name}: reference, seed ${seed}`, () => referenceStage(ref, c, root, inputs)),
    );
  }
  const rows: AblationRow[] = [rowOf(ref.title, reference, a.seeds, null, x)];
  for (const v of ab.variants) {
    const stages = [];
    for (const seed of a.seeds) {
      const root = variantRoot(ab, v, seeded(x, seed).root);
      stages.push(
        await x.timings.time(`${ab.name}: ${v.folder}, seed ${seed}`, () => v.run({ ...c, seed, root })),
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
    ...runRecord(a, x, jobs, a.seeds),
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
