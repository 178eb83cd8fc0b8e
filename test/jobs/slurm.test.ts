// The Slurm runner against a live controller (scripts/slurm/start_one_node.sh): job ids, outputs, failures, reruns.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import type { Job } from "../../src/jobs/job.ts";
import { runJobs } from "../../src/jobs/run.ts";
import { exists } from "../../src/util/fs.ts";
import { slurmMissing } from "./slurm_cluster.ts";

const missing = await slurmMissing();
if (missing) {
  console.log(
    `  skipping the Slurm runner tests: ${missing}; start one with scripts/slurm/start_one_node.sh`,
  );
}
const slurmTest = missing ? test.skip : test;
const SLURM = { cmd: "slurm", slurm: { values: {}, pollMs: 300 } } as const;

/** A job that writes its Slurm job id and BLAS thread count to DIR/ID.out with deno eval. */
function writerJob(dir: string, id: string, extra: Partial<Job> = {}): Job {
  const out = JSON.stringify(join(dir, `${id}.out`));
  const code =
    `Deno.writeTextFileSync(${out}, Deno.env.get("SLURM_JOB_ID") + " " + Deno.env.get("OPENBLAS_NUM_THREADS"))`;
  return {
    id,
    argv: [Deno.execPath(), "eval", code],
    log: join(dir, "log", `${id}.log`),
    cpus: 1,
    memoryMB: 200,
    timeMinutes: 5,
    ...extra,
  };
}

slurmTest(
  "two jobs through sbatch: their Slurm job ids recorded, their outputs written, a rerun skips them",
  async () => {
    const dir = Deno.makeTempDirSync(), lines: string[] = [];
    const jobs = [writerJob(dir, "one"), writerJob(dir, "two")];
    const r = await runJobs(jobs, { ...SLURM, print: (l) => lines.push(l) });
    assert.equal(
      r.map((x) => [x.id, x.status, x.exitCode]),
      [["one", "done", 0], ["two", "done", 0]],
      lines.join("\n"),
    );
    assert.ok(r.every((x) => /^\d+$/.test(x.slurmJobId ?? "")), `job ids: ${r.map((x) => x.slurmJobId)}`);
    assert.is.not(r[0].slurmJobId, r[1].slurmJobId);
    for (const x of r) {
      assert.is(Deno.readTextFileSync(join(dir, `${x.id}.out`)), `${x.slurmJobId} 1`);
      assert.match(Deno.readTextFileSync(x.log), `Slurm job ${x.slurmJobId}\n`);
      assert.match(Deno.readTextFileSync(x.log), /# Finished at .* with status 0\n$/);
    }
    const again = await runJobs(jobs, {
      ...SLURM,
      isDone: (j) => exists(join(dir, `${j.id}.out`)),
      print: () => {},
    });
    assert.equal(again.map((x) => [x.status, x.slurmJobId]), [["skipped", undefined], [
      "skipped",
      undefined,
    ]]);
  },
);

slurmTest(
  "a failing Slurm job is reported with its log; what depends on it is cancelled, whatever an old log says",
  async () => {
    const dir = Deno.makeTempDirSync(), lines: string[] = [];
    const bad: Job = { ...writerJob(dir, "bad"), argv: ["sh", "-c", "echo 'no alignments' >&2; exit 4"] };
    const next = writerJob(dir, "next", { after: ["bad"] });
    Deno.mkdirSync(join(dir, "log"));
    Deno.writeTextFileSync(next.log, "# an earlier run\n# Finished at then with status 0\n");
    const r = await runJobs([bad, next], {
      ...SLURM,
      print: (l) => lines.push(l),
    });
    assert.equal(r.map((x) => [x.status, x.exitCode]), [["failed", 4], ["failed", null]], lines.join("\n"));
    assert.is(r[1].reason, "not run: bad failed");
    assert.not.ok(exists(join(dir, "next.out")));
    const report = lines.find((l) => l.startsWith("FAILED bad"))!;
    assert.match(report, `FAILED bad (Slurm job ${r[0].slurmJobId}): exit status 4; log ${bad.log}`);
    assert.match(report, "| no alignments");
  },
);

test.run();
