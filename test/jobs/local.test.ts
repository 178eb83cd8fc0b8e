// The local runner: jobs in parallel up to --jobs, BLAS threads shared out, failures reported, done jobs skipped.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import type { Job } from "../../src/jobs/job.ts";
import { blasThreads } from "../../src/jobs/local.ts";
import { runJobs } from "../../src/jobs/run.ts";
import { exists } from "../../src/util/fs.ts";

/** A job that writes its start and end times (ms) and its BLAS thread count to DIR/ID.times, sleeping between. */
function timedJob(dir: string, id: string, sleepS = 0.8, extra: Partial<Job> = {}): Job {
  const out = join(dir, `${id}.times`);
  const script =
    `s=$(date +%s%3N); sleep ${sleepS}; echo "$s $(date +%s%3N) $OPENBLAS_NUM_THREADS" > '${out}'`;
  return {
    id,
    argv: ["sh", "-c", script],
    log: join(dir, "log", `${id}.log`),
    cpus: 1,
    memoryMB: 100,
    ...extra,
  };
}

function times(dir: string, id: string) {
  const [start, end, threads] = Deno.readTextFileSync(join(dir, `${id}.times`)).trim().split(" ").map(Number);
  return { start, end, threads };
}

test("two jobs run at once with --jobs 2, one BLAS thread share each, and in turn with --jobs 1", async () => {
  const dir = Deno.makeTempDirSync(), lines: string[] = [];
  const r = await runJobs([timedJob(dir, "a"), timedJob(dir, "b")], { jobs: 2, print: (l) => lines.push(l) });
  assert.equal(r.map((x) => [x.id, x.status, x.exitCode]), [["a", "done", 0], ["b", "done", 0]]);
  const a = times(dir, "a"), b = times(dir, "b");
  assert.ok(a.start < b.end && b.start < a.end, `no overlap: a ${a.start}-${a.end}, b ${b.start}-${b.end}`);
  assert.is(a.threads, blasThreads(2));
  assert.ok(lines.some((l) => l.includes(`OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=${blasThreads(2)} each`)));
  assert.match(
    Deno.readTextFileSync(r[0].log),
    /^# sh -c .*\n# Started at .*\n# Accounting: time=\d+ threads=\d+\n# Finished at .* with status 0\n$/,
  );

  const serial = Deno.makeTempDirSync();
  await runJobs([timedJob(serial, "a", 0.3), timedJob(serial, "b", 0.3)], { jobs: 1, print: () => {} });
  const sa = times(serial, "a"), sb = times(serial, "b");
  assert.ok(sa.end <= sb.start, `--jobs 1 overlapped: a ${sa.start}-${sa.end}, b ${sb.start}-${sb.end}`);
  assert.is(sa.threads, blasThreads(1));
});

test("a failure is reported with its log's last lines and path; its dependents are not run, others are", async () => {
  const dir = Deno.makeTempDirSync(), lines: string[] = [];
  const bad: Job = {
    id: "bad",
    argv: ["sh", "-c", "echo 'error: out of senones' >&2; exit 3"],
    log: join(dir, "log", "bad.log"),
    cpus: 1,
    memoryMB: 100,
  };
  const r = await runJobs(
    [bad, timedJob(dir, "after-bad", 0, { after: ["bad"] }), timedJob(dir, "other", 0)],
    { jobs: 2, print: (l) => lines.push(l) },
  );
  assert.equal(r.map((x) => [x.id, x.status, x.exitCode]), [
    ["bad", "failed", 3],
    ["after-bad", "failed", null],
    ["other", "done", 0],
  ]);
  assert.is(r[1].reason, "not run: bad failed");
  const report = lines.find((l) => l.startsWith("FAILED bad:"))!;
  assert.ok(report, lines.join("\n"));
  assert.match(report, `FAILED bad: exit status 3; log ${bad.log}`);
  assert.match(report, "| error: out of senones");
  assert.not.ok(exists(join(dir, "after-bad.times")), "a job whose dependency failed ran");
  assert.ok(lines.some((l) => l.startsWith("2 of 3 job(s) failed:")));
});

test("jobs for which isDone holds are skipped and said so; what depends on them runs", async () => {
  const dir = Deno.makeTempDirSync(), lines: string[] = [];
  const r = await runJobs(
    [timedJob(dir, "shared", 0), timedJob(dir, "family", 0, { after: ["shared"] })],
    { isDone: (j) => j.id === "shared", print: (l) => lines.push(l) },
  );
  assert.equal(r.map((x) => x.status), ["skipped", "done"]);
  assert.not.ok(exists(join(dir, "shared.times")), "a done job ran again");
  assert.ok(lines.includes("skipping 1 job(s) already done: shared"), lines.join("\n"));
});

test.run();
