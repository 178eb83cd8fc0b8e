// The size of the speaker partitions: Table 2's search over sizes on dev, and the size Table 1 and Figure 3 train with.
import { model } from "../nnet/models.ts";
import { per } from "../report/results.ts";
import { overSeeds, type SeedSummary } from "../report/seeds.ts";
import type { ExperimentArgs, SpeakerExperiment } from "./experiment.ts";
import { chainGrid, type GridResult, runChains } from "./grid.ts";
import type { JobResult } from "../jobs/job.ts";

/** The sizes Table 2 tries (the paper's). */
export const PARTITION_SIZES = [50, 100, 150];

export interface SizeResult {
  units: number;
  parameters: number;
  /** The final model of each seed. */
  seeds: { seed: number; dir: string; dev: number; test: number }[];
  dev: SeedSummary;
  test: SeedSummary;
}

/**
 * Table 2's search: the Partitioned DNN's final models for every size and seed (stages already made are reused);
 * the best size has the lowest mean dev PER over seeds.
 */
export async function searchPartitionSize(
  a: ExperimentArgs,
  x: SpeakerExperiment,
): Promise<{ sizes: SizeResult[]; best: SizeResult; grid: GridResult }> {
  const grid = await runChains(a, x, chainGrid([model("partitioned")], PARTITION_SIZES, a.seeds));
  const sizes = PARTITION_SIZES.map((units) => {
    const finals = a.seeds.map((seed) => grid.chain("partitioned", units, seed).at(-1)!);
    const seeds = finals.map((last, i) => ({
      seed: a.seeds[i],
      dir: last.dir,
      dev: per(last.summary.dev),
      test: per(last.summary.test),
    }));
    return {
      units,
      parameters: finals[0].summary.parameters,
      seeds,
      dev: overSeeds(seeds.map((s) => s.dev)),
      test: overSeeds(seeds.map((s) => s.test)),
    };
  });
  return { sizes, best: sizes.reduce((b, s) => (s.dev.mean < b.dev.mean ? s : b)), grid };
}

/**
 * The speaker units of Table 1 and Figure 3, a phrase saying where they come from, and the jobs of the search:
 * the profile's speaker.speakerUnits, or with --speaker-units=table2 the size Table 2's search picks on dev.
 */
export async function speakerUnits(
  a: ExperimentArgs,
  x: SpeakerExperiment,
): Promise<{ units: number; chosen: string; jobs: JobResult[] }> {
  if (a.speakerUnits === "profile") {
    return {
      units: a.config.speaker.speakerUnits,
      chosen: "the profile's; `--speaker-units=table2` takes Table 2's",
      jobs: [],
    };
  }
  const { sizes, best, grid } = await searchPartitionSize(a, x);
  return {
    units: best.units,
    jobs: grid.jobs,
    chosen: `Table 2's choice on dev: mean dev PER ${
      sizes.map((s) => `${s.dev.mean.toFixed(2)} with ${s.units}`).join(", ")
    }`,
  };
}
