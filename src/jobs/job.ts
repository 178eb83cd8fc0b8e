// Jobs and their results, the Kaldi-style log every backend writes, and the job options of the command line.
import { UsageError } from "../util/args.ts";

/** One command to run as a job: its output goes to `log`, its resources are what Slurm is asked for. */
export interface Job {
  id: string;
  /** The command and its arguments, e.g. [Deno.execPath(), "run", "-A", "experiments/table1.ts", "--only", "x"]. */
  argv: string[];
  log: string;
  /** CPUs for Slurm's --cpus-per-task (and its BLAS threads); locally the cores are shared out evenly instead. */
  cpus: number;
  /** Memory for Slurm's --mem; locally it bounds how many jobs run at once. */
  memoryMB: number;
  /** Slurm's time limit (--time), in minutes. */
  timeMinutes?: number;
  /** Ids of jobs that must finish first (a failed one means this one is not run). */
  after?: string[];
  /** Extra environment variables (they win over the BLAS thread counts the runner sets). */
  env?: Record<string, string>;
}

export type JobStatus = "done" | "failed" | "skipped";

export interface JobResult {
  id: string;
  status: JobStatus;
  /** The command's exit status; null when it did not run or did not report one (killed, never started). */
  exitCode: number | null;
  log: string;
  slurmJobId?: string;
  seconds: number;
  /** Why a failed job failed, when its exit status alone does not say (not run, killed by Slurm). */
  reason?: string;
}

export type Cmd = "local" | "slurm";

export interface JobOptions {
  cmd: Cmd;
  /** Local jobs at a time; chosen from cores and memory when not given (see localParallelism). */
  jobs?: number;
  slurm: SlurmOptions;
}

export interface SlurmOptions {
  /** A config file in Kaldi's conf/slurm.conf format; default scripts/slurm/slurm.conf. */
  config?: string;
  /** Values of the config's options, from --slurm.NAME=VALUE (partition, time, mem, gpu, ...). */
  values: Record<string, string>;
  /** How often squeue is asked about the jobs (default 3 s). */
  pollMs?: number;
}

export const JOB_USAGE =
  `  --cmd <local|slurm>  where jobs run: this machine (run.pl) or Slurm (slurm.pl) (default local)
  --jobs <int>  local jobs at a time (default: from cores and memory)
  --slurm.config <file>  Slurm config in Kaldi's format (default scripts/slurm/slurm.conf)
  --slurm.NAME <value>  a value for the config's 'option NAME=...' line, e.g. --slurm.partition cpu`;

const CMDS: Record<string, Cmd> = { local: "local", "run.pl": "local", slurm: "slurm", "slurm.pl": "slurm" };

/** Takes --cmd, --jobs and --slurm.* (as --key value or --key=value) out of argv; the rest is returned as is. */
export function parseJobArgs(argv: string[]): { options: JobOptions; rest: string[] } {
  const options: JobOptions = { cmd: "local", slurm: { values: {} } };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(cmd|jobs|slurm\.[A-Za-z0-9_.-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) {
      rest.push(argv[i]);
      continue;
    }
    const key = m[1];
    let value = m[2];
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${key} needs a value`);
      value = argv[++i];
    }
    if (key === "cmd") {
      if (!CMDS[value]) {
        throw new UsageError(`--cmd must be local or slurm (or run.pl, slurm.pl), got '${value}'`);
      }
      options.cmd = CMDS[value];
    } else if (key === "jobs") {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) {
        throw new UsageError(`--jobs must be a positive integer, got '${value}'`);
      }
      options.jobs = n;
    } else if (key === "slurm.config") options.slurm.config = value;
    else options.slurm.values[key.slice("slurm.".length).replaceAll("-", "_")] = value;
  }
  return { options, rest };
}

/** The exit status from a log's last "# Finished at ... with status N" line; null if it has none (yet). */
export function statusFromLog(log: string): number | null {
  let text: string;
  try {
    text = Deno.readTextFileSync(log);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  const all = [...text.matchAll(/^# Finished at .* with status (\d+)$/gm)];
  return all.length ? Number(all[all.length - 1][1]) : null;
}

/** The last `n` lines of a log, or a note that there is none. */
export function logTail(log: string, n = 15): string {
  try {
    return Deno.readTextFileSync(log).trimEnd().split("\n").slice(-n).join("\n");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return `(no log at ${log})`;
    throw e;
  }
}

/** argv as one shell command line, each argument single-quoted where it needs it. */
export function shellLine(argv: string[]): string {
  return argv.map((a) => /^[A-Za-z0-9_\/.,:=+@%-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`).join(
    " ",
  );
}

/** Checks ids are unique and non-empty, `after` names known jobs and has no cycle; returns the jobs in run order. */
export function orderJobs(jobs: Job[]): Job[] {
  const byId = new Map<string, Job>();
  for (const j of jobs) {
    if (!j.id || /\s/.test(j.id)) throw new Error(`job id '${j.id}': ids must be non-empty, without spaces`);
    if (byId.has(j.id)) throw new Error(`job id '${j.id}' is used twice`);
    if (j.argv.length === 0) throw new Error(`job ${j.id}: argv is empty`);
    byId.set(j.id, j);
  }
  const out: Job[] = [], state = new Map<string, "visiting" | "done">();
  const visit = (j: Job, path: string[]) => {
    if (state.get(j.id) === "done") return;
    if (state.get(j.id) === "visiting") {
      throw new Error(`jobs depend on each other: ${[...path, j.id].join(" -> ")}`);
    }
    state.set(j.id, "visiting");
    for (const d of j.after ?? []) {
      const dep = byId.get(d);
      if (!dep) throw new Error(`job ${j.id}: 'after' names ${d}, which is not a job of this run`);
      visit(dep, [...path, j.id]);
    }
    state.set(j.id, "done");
    out.push(j);
  };
  for (const j of jobs) visit(j, []);
  return out;
}

/** What the runner asks of a backend (local processes, Slurm). */
export interface BackendEvents {
  /** The job is running now (may be said more than once). */
  started(id: string): void;
  ended(result: JobResult): void;
  note(line: string): void;
}

export interface Backend {
  /** One line on where and how the jobs run (parallelism, threads, config). */
  readonly describe: string;
  /** Runs the jobs, given in dependency order, reporting each one's result; resolves once every one has ended. */
  run(jobs: Job[], ev: BackendEvents): Promise<void>;
  /** Stops what is still running or queued (on Ctrl-C or SIGTERM). */
  cancel(): void | Promise<void>;
}
