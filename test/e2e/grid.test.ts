// The tiny experiments on one corpus: exp:table1 serial, as local jobs and through Slurm (the same Table 1), a second seed, Table 2's size into Table 1, and an ablation beside Table 1's Partitioned DNN.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { slurmMissing } from "../jobs/slurm_cluster.ts";
import { tinyCorpus } from "./tiny_corpus.ts";

const TABLE1 = fileURLToPath(new URL("../../experiments/table1.ts", import.meta.url));
const TABLE2 = fileURLToPath(new URL("../../experiments/table2.ts", import.meta.url));
const ABLATE = fileURLToPath(new URL("../../experiments/ablate.ts", import.meta.url));
const base = Deno.makeTempDirSync({ prefix: "phl-grid-" });
const missing = await slurmMissing();
if (missing) console.log(`  the Slurm run of the grid test is left out: ${missing}`);

interface Table1 {
  speakerUnits: { units: number; chosen: string };
  rows: {
    name: string;
    test: { mean: number; sd: number | null };
    dev: { mean: number };
    seeds: { seed: number; dir: string; test: number }[];
    vsInitial: ({ z: number } | null)[] | null;
    extended: { per: { mean: number }; vsInitial: ({ z: number } | null)[] | null };
  }[];
  cmd: string;
  jobs: { id: string; status: string; slurmJobId?: string }[];
}

/**
 * An experiment script on the tiny corpus with `options`, read back from results/<json>.json; its speaker stages
 * made afresh unless `keep`.
 */
async function experiment<T>(
  script: string,
  options: string[],
  keep: boolean,
  json = script.split("/").pop()!.replace(".ts", ""),
): Promise<T> {
  if (!keep) Deno.removeSync(join(base, "exp", "corpus", "speaker_tiny"), { recursive: true });
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      script,
      ...options, // first, so that a script's own arguments (ablate's NAME) lead
      "--corpus=corpus",
      "--profile=tiny",
      "--backend=wasm",
      "--nj=2",
    ],
    cwd: base,
    stdout: "null",
    stderr: "piped",
  }).output();
  const err = new TextDecoder().decode(r.stderr);
  assert.ok(r.success, `${script} ${options.join(" ")} failed:\n${err.slice(-3000)}`);
  return JSON.parse(Deno.readTextFileSync(join(base, "results", `${json}.json`)));
}

const table1 = (options: string[], keep = false) => experiment<Table1>(TABLE1, options, keep);

test("the tiny Table 1 is the same run serially, as two local jobs and through Slurm", async () => {
  await tinyCorpus(join(base, "corpus"));
  Deno.mkdirSync(join(base, "exp", "corpus", "speaker_tiny"), { recursive: true });
  const serial = await table1(["--jobs=1"]);
  assert.equal(serial.jobs, [], "one job at a time runs the chains in the process itself");
  const numbers = (t: Table1) =>
    t.rows.map((r) => [
      r.name,
      r.test.mean,
      r.dev.mean,
      r.vsInitial?.map((p) => p?.z ?? null) ?? null,
      r.extended.per.mean,
      r.extended.vsInitial?.map((p) => p?.z ?? null) ?? null,
    ]);
  assert.ok(serial.rows.every((r) => r.extended.per.mean > 0 && r.extended.vsInitial !== undefined));
  assert.match(Deno.readTextFileSync(join(base, "results", "table1.md")), /## Extended test/);
  const local = await table1(["--cmd=local", "--jobs=2"]);
  assert.equal(numbers(local), numbers(serial));
  assert.equal(
    local.jobs.map((j) => [j.id, j.status]).sort(),
    [
      ["baseline-seed1", "done"],
      ["control-seed1", "done"],
      ["extended-seed1", "done"],
      ["partitioned-8-seed1", "done"],
      ["transform1-8-seed1", "done"],
      ["transform2-8-seed1", "done"],
    ],
  );
  const again = await table1(["--cmd=local", "--jobs=2"], true);
  assert.ok(again.jobs.every((j) => j.status === "skipped"), "a rerun submits only what is missing");
  assert.equal(numbers(again), numbers(serial));

  const two = await table1(["--cmd=local", "--jobs=2", "--seeds=1,2"], true);
  assert.equal(
    two.jobs.filter((j) => j.status === "done").map((j) => j.id).sort(),
    [
      "baseline-seed2",
      "control-seed2",
      "extended-seed2",
      "partitioned-8-seed2",
      "transform1-8-seed2",
      "transform2-8-seed2",
    ],
    "seed 1's chains are reused, seed 2 gets its own",
  );
  const partitioned = (t: Table1) => t.rows.find((r) => r.name === "Partitioned DNN")!;
  const [seed1, seed2] = partitioned(two).seeds;
  assert.equal([seed1.seed, seed1.test], [1, partitioned(serial).test.mean]);
  assert.match(seed2.dir, /speaker_tiny_seed2\//);
  assert.ok(Math.abs(partitioned(two).test.mean - (seed1.test + seed2.test) / 2) < 1e-9);
  assert.ok(partitioned(two).test.sd !== null && partitioned(serial).test.sd === null);
  assert.is(partitioned(two).vsInitial!.length, 2);
  if (missing) return;
  const slurm = await table1(["--cmd=slurm", "--slurm.time=10"]);
  assert.equal(numbers(slurm), numbers(serial));
  assert.is(slurm.cmd, "slurm");
  assert.is(slurm.jobs.length, 6);
  assert.ok(
    slurm.jobs.every((j) => j.status === "done" && /^\d+$/.test(j.slurmJobId ?? "")),
    "Slurm job ids",
  );
});

test("--speaker-units=table2 trains Table 1 with the size of Table 2 that has the lowest mean dev PER", async () => {
  const t2 = await experiment<{ bestUnits: number; rows: { units: number; dev: { mean: number } }[] }>(
    TABLE2,
    ["--jobs=1"],
    true,
  );
  const lowest = t2.rows.reduce((b, r) => (r.dev.mean < b.dev.mean ? r : b));
  assert.is(t2.bestUnits, lowest.units);
  const t1 = await table1(["--jobs=1", "--speaker-units=table2"], true);
  assert.is(t1.speakerUnits.units, lowest.units);
  assert.match(t1.speakerUnits.chosen, /Table 2's choice on dev/);
  assert.match(
    t1.rows.find((r) => r.name === "Partitioned DNN")!.seeds[0].dir,
    `partitioned-${lowest.units}_`,
  );
  const profile = await table1(["--jobs=1"], true);
  assert.is(profile.speakerUnits.units, 8, "the tiny profile's own size by default");
});

test("ablate shuffled-ivectors as local jobs: the reference is Table 1's Partitioned DNN, the variants train apart, an index line", async () => {
  const t1 = await table1(["--jobs=1"], true);
  const ab = await experiment<
    {
      rows: {
        name: string;
        seeds: { dir: string }[];
        vsReference: unknown[] | null;
        extendedVsReference: unknown[] | null;
      }[];
      jobs: { id: string; status: string }[];
    }
  >(
    ABLATE,
    ["shuffled-ivectors", "--jobs=2"],
    true,
    "ablations/shuffled-ivectors",
  );
  assert.equal(ab.rows.map((r) => r.name), [
    "paper's configuration (Partitioned DNN)",
    "another speaker's i-vector",
    "one constant i-vector",
  ]);
  assert.is(
    ab.rows[0].seeds[0].dir,
    t1.rows.find((r) => r.name === "Partitioned DNN")!.seeds[0].dir,
    "reused",
  );
  assert.equal(ab.jobs.map((j) => [j.id, j.status]), [
    ["reference.partitioned-seed1", "done"],
    ["shuffled-ivectors.shuffled-seed1", "done"],
    ["shuffled-ivectors.constant-seed1", "done"],
  ], "a job for the reference and one per variant and seed");
  assert.match(ab.rows[1].seeds[0].dir, /speaker_tiny\/ablations\/shuffled-ivectors\/shuffled\//);
  const key = JSON.parse(Deno.readTextFileSync(join(base, ab.rows[1].seeds[0].dir, "stage.json"))).key;
  assert.is(key.ivectorSource, "shuffled");
  assert.is(ab.rows[2].vsReference!.length, 1);
  assert.is(ab.rows[2].extendedVsReference!.length, 1);
  const index = Deno.readTextFileSync(join(base, "results", "ablations.md"));
  assert.match(
    index,
    /^- \[shuffled-ivectors\]\(ablations\/shuffled-ivectors\.md\): Shuffled and constant i-vectors\. /m,
  );
});

test.after(() => Deno.removeSync(base, { recursive: true }));

test.run();
