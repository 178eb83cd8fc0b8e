// Job options and plans: --cmd/--jobs/--slurm.* flags, Kaldi-format Slurm configs, dependency order, parallelism.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Job, orderJobs, parseJobArgs, shellLine, statusFromLog } from "../../src/jobs/job.ts";
import { blasThreads, localParallelism } from "../../src/jobs/local.ts";
import { jobValues, parseSlurmConfig, readSlurmConfig, sbatchArgs } from "../../src/jobs/slurm.ts";

const job = (id: string, after?: string[], memoryMB = 100): Job => ({
  id,
  argv: ["true"],
  log: `${id}.log`,
  cpus: 2,
  memoryMB,
  after,
});

test("parseJobArgs takes --cmd, --jobs and --slurm.* out of argv and leaves the rest", () => {
  const { options, rest } = parseJobArgs([
    "--profile",
    "cpu",
    "--cmd=slurm.pl",
    "--jobs",
    "3",
    "--slurm.partition",
    "gpu",
    "--slurm.config=conf/my.conf",
    "--slurm.max-mem=4G",
    "--lr=0.1",
  ]);
  assert.equal(options, {
    cmd: "slurm",
    jobs: 3,
    slurm: { config: "conf/my.conf", values: { partition: "gpu", max_mem: "4G" } },
  });
  assert.equal(rest, ["--profile", "cpu", "--lr=0.1"]);
  assert.is(parseJobArgs([]).options.cmd, "local");
  assert.throws(() => parseJobArgs(["--cmd", "queue.pl"]), /--cmd must be local or slurm/);
  assert.throws(() => parseJobArgs(["--jobs=0"]), /--jobs must be a positive integer, got '0'/);
  assert.throws(() => parseJobArgs(["--slurm.partition"]), /--slurm.partition needs a value/);
});

const KALDI_STYLE = `# a cluster's conf
command sbatch --export=PATH --ntasks-per-node=1
option mem=* --mem-per-cpu $0
option mem=0          # nothing
option num_threads=* --cpus-per-task $0
option time=* --time $0
default gpu=0
option gpu=0 -p shared
option gpu=* -p gpu --gres=gpu:$0
option extra=* $0
`;

test("a Kaldi-style config turns job values and flags into sbatch arguments, defaults included", () => {
  const c = parseSlurmConfig(KALDI_STYLE, "conf/slurm.conf");
  assert.equal(c.command, ["sbatch", "--export=PATH", "--ntasks-per-node=1"]);
  const values = jobValues({ ...job("x"), memoryMB: 3000, timeMinutes: 90 }, {
    extra: "--qos=low --exclude=n3",
  });
  assert.equal(values, { mem: "3000M", num_threads: "2", time: "90", extra: "--qos=low --exclude=n3" });
  assert.equal(sbatchArgs(c, values), [
    "-p",
    "shared",
    "--mem-per-cpu",
    "3000M",
    "--cpus-per-task",
    "2",
    "--time",
    "90",
    "--qos=low",
    "--exclude=n3",
  ]);
  assert.equal(sbatchArgs(c, { gpu: "2", mem: "0" }), ["-p", "gpu", "--gres=gpu:2"]);
  assert.throws(
    () => sbatchArgs(c, { partition: "cpu" }),
    /conf\/slurm.conf: no 'option partition=...' line takes partition=cpu \(--slurm.partition\)/,
  );
});

test("bad config lines are named by file and line", () => {
  assert.throws(
    () => parseSlurmConfig("command sbatch\noption mem=* --mem\n", "c.conf"),
    /c.conf:2: .*needs \$0/,
  );
  assert.throws(
    () => parseSlurmConfig("command sbatch\nqueue all.q\n", "c.conf"),
    /c.conf:2: cannot parse 'queue all.q'/,
  );
  assert.throws(
    () => parseSlurmConfig("option mem=* --mem $0\n", "c.conf"),
    /c.conf: no 'command sbatch ...' line/,
  );
});

test("the default config takes every job value and the documented flags", () => {
  const c = readSlurmConfig();
  assert.equal(
    sbatchArgs(c, { ...jobValues({ ...job("x"), timeMinutes: 60 }, {}), partition: "cpu", gpu: "0" }),
    ["--mem=100M", "--cpus-per-task=2", "--time=60", "--partition=cpu"],
  );
});

test("orderJobs puts dependencies first and names unknown ones, cycles and duplicate ids", () => {
  assert.equal(orderJobs([job("c", ["b"]), job("a"), job("b", ["a"])]).map((j) => j.id), ["a", "b", "c"]);
  assert.throws(() => orderJobs([job("a", ["z"])]), /job a: 'after' names z, which is not a job of this run/);
  assert.throws(
    () => orderJobs([job("a", ["b"]), job("b", ["a"])]),
    /jobs depend on each other: a -> b -> a/,
  );
  assert.throws(() => orderJobs([job("a"), job("a")]), /job id 'a' is used twice/);
});

test("local parallelism: the fewest of cores, jobs that fit in 90% of memory, and jobs; BLAS threads share cores", () => {
  const dnns = [job("a", [], 3000), job("b", [], 3000), job("c", [], 1000)];
  assert.is(localParallelism(dnns, 2, 24_000), 2);
  assert.is(localParallelism(dnns, 16, 8_000), 2); // floor(7200 / 3000)
  assert.is(localParallelism(dnns, 16, 64_000), 3);
  assert.is(localParallelism(dnns, 16, 1_000), 1);
  assert.is(blasThreads(2, 2), 1);
  assert.is(blasThreads(3, 16), 5);
  assert.is(blasThreads(4, 2), 1);
});

test("statusFromLog reads the last status line; shellLine quotes what needs it", () => {
  const log = Deno.makeTempFileSync();
  Deno.writeTextFileSync(log, "# x\n# Finished at t with status 0\nrerun\n# Finished at t with status 7\n");
  assert.is(statusFromLog(log), 7);
  Deno.writeTextFileSync(log, "# x\nrunning\n");
  assert.is(statusFromLog(log), null);
  assert.is(statusFromLog(`${log}.missing`), null);
  assert.is(shellLine(["deno", "run", "-A", "a b.ts", "it's"]), `deno run -A 'a b.ts' 'it'\\''s'`);
});

test.run();
