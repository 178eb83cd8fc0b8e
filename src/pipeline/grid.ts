// The speaker-aware grid as jobs: one per chain (model x units x seed) with --cmd local|slurm, then read back in this process.
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import type { Job, JobResult } from "../jobs/job.ts";
import { runJobs } from "../jobs/run.ts";
import { type ModelSpec, stageFolder } from "../nnet/models.ts";
import { type ExperimentArgs, runModel, seeded, type SpeakerExperiment } from "./experiment.ts";
import { chainMade, type SpeakerStage, stageOwner } from "./speaker_dnn.ts";

const CHAIN_SCRIPT = fileURLToPath(new URL("../../scripts/chain.ts", import.meta.url));

/** One chain of the grid: a model of the registry with its speaker units, trained with one seed. */
export interface Chain {
  model: ModelSpec;
  units: number;
  seed: number;
}

/** Every chain of `models` x `units` x `seeds`, seed by seed. */
export const chainGrid = (models: ModelSpec[], units: number[], seeds: number[]): Chain[] =>
  seeds.flatMap((seed) => units.flatMap((u) => models.map((model) => ({ model, units: u, seed }))));

/** The grid's chains and what ran them: each chain's stages in the order given, and the jobs (none when serial). */
export interface GridResult {
  stages: SpeakerStage[][];
  jobs: JobResult[];
  /** The stages of the chain of model `name` with `units` and `seed` (one of those asked for). */
  chain(name: string, units: number, seed: number): SpeakerStage[];
}

/**
 * Makes every chain. With `--cmd local --jobs 1` they run in this process, one after another; otherwise each is a
 * job (scripts/chain.ts) and a first stage that several chains share is a job of its own before them. Jobs whose
 * stages are all made are not run again. The stages are then read back here.
 */
export async function runChains(
  a: ExperimentArgs,
  x: SpeakerExperiment,
  chains: Chain[],
): Promise<GridResult> {
  let jobs: JobResult[] = [];
  if (!runsSerially(a)) {
    const grid = chainJobs(a, x, chains);
    jobs = await runSpeakerJobs(a, x, grid.map((g) => g.job), (j) => {
      const g = grid.find((g) => g.job.id === j.id)!, { root, inputs } = seeded(x, g.chain.seed);
      return chainMade(g.chain.model, g.chain.units, x.dnn, root, inputs, g.rounds);
    });
  }
  const stages: SpeakerStage[][] = [];
  for (const c of chains) stages.push(await runModel(x, c.model, c.units, c.seed));
  const chain = (name: string, units: number, seed: number) => {
    const i = chains.findIndex((c) => c.model.name === name && c.units === units && c.seed === seed);
    if (i < 0) throw new Error(`the grid has no chain ${name} with ${units} units, seed ${seed}`);
    return stages[i];
  };
  return { stages, jobs, chain };
}

/**
 * Runs jobs of speaker-aware stages with the experiment's --cmd and --jobs (not those `isDone` says are made),
 * throws naming each failed job and its log, and records the time of each job that ran.
 */
export async function runSpeakerJobs(
  a: ExperimentArgs,
  x: SpeakerExperiment,
  jobs: Job[],
  isDone?: (job: Job) => boolean,
): Promise<JobResult[]> {
  const results = await runJobs(jobs, { ...a.run, isDone });
  const failed = results.filter((r) => r.status === "failed");
  if (failed.length) {
    throw new Error(
      `${failed.length} job(s) failed: ${failed.map((r) => `${r.id} (log ${r.log})`).join(", ")}`,
    );
  }
  for (const r of results) {
    if (r.status === "done") x.timings.steps.push({ step: `job ${r.id}`, seconds: r.seconds });
  }
  return results;
}

/** Whether the grid runs in this process (`--cmd local --jobs 1`, or one core) instead of as jobs. */
export const runsSerially = (a: ExperimentArgs) =>
  a.run.cmd === "local" && (a.run.jobs ?? navigator.hardwareConcurrency) === 1;

/**
 * The memory a job of speaker-aware stages asks for: the training frames (40 dims, spliced on the fly), one split's
 * senone scores while decoding, and a margin for the runtime, the network and garbage not yet collected.
 */
export function chainJobMemoryMB(x: SpeakerExperiment): number {
  const { frames, numPdfs } = x.ali.summary;
  return Math.ceil((4 * 40 * frames.train + 4 * numPdfs * Math.max(frames.dev, frames.test)) / 2 ** 20) +
    1024;
}

/** A chain's name: the model, with its units when it has them, and the seed ("partitioned-100-seed1"). */
const chainName = (c: Chain) =>
  `${c.model.hasUnits ? `${c.model.name}-${c.units}` : c.model.name}-seed${c.seed}`;

/** The jobs of a grid: one per chain, after the job of a first stage it shares with other chains of its seed. */
function chainJobs(a: ExperimentArgs, x: SpeakerExperiment, chains: Chain[]) {
  const job = (id: string, chain: Chain, rounds: number | undefined, after: string[]) => ({
    chain,
    rounds,
    job: {
      id,
      argv: [
        Deno.execPath(),
        "run",
        "-A",
        CHAIN_SCRIPT,
        ...a.argv,
        `--model=${chain.model.name}`,
        `--units=${chain.units}`,
        `--seeds=${chain.seed}`,
        ...(rounds ? [`--rounds=${rounds}`] : []),
      ],
      log: join(seeded(x, chain.seed).root, "jobs", `${id}.log`),
      cpus: a.nj,
      memoryMB: chainJobMemoryMB(x),
      after,
    } satisfies Job,
  });
  const shared = new Map<string, ReturnType<typeof job>>();
  const out = chains.map((c) => {
    const owner = stageOwner(c.model, 1);
    const sharers = chains.filter((d) =>
      d.units === c.units && d.seed === c.seed && stageOwner(d.model, 1).name === owner.name
    );
    if (sharers.length < 2) return job(chainName(c), c, undefined, []);
    const first = `${stageFolder(owner, 1, c.units)}-seed${c.seed}`;
    if (!shared.has(first)) {
      shared.set(first, job(first, { model: owner, units: c.units, seed: c.seed }, 1, []));
    }
    return job(chainName(c), c, undefined, [first]);
  });
  return [...shared.values(), ...out];
}
