// runJobs: skips jobs already done, runs the rest locally or on Slurm, shows progress and reports each failure.
import { type Backend, type Job, type JobOptions, type JobResult, logTail, orderJobs } from "./job.ts";
import { LocalBackend } from "./local.ts";
import { JobProgress } from "./progress.ts";
import { SlurmBackend } from "./slurm.ts";

export interface RunJobsOptions extends Partial<JobOptions> {
  /** Jobs for which this holds are not run again ("a rerun submits only what is missing"). */
  isDone?: (job: Job) => boolean | Promise<boolean>;
  /** Takes every progress line instead of stderr (no redrawing in place). */
  print?: (line: string) => void;
}

/**
 * Runs `jobs` (those `after` others once those are done) with `--cmd local` (default) or `slurm` and waits for all.
 * A failed job's last log lines and log path are printed when it ends, and every failure again at the end.
 * Results come in the order of `jobs`.
 */
export async function runJobs(jobs: Job[], o: RunJobsOptions = {}): Promise<JobResult[]> {
  const ordered = orderJobs(jobs);
  const progress = new JobProgress(ordered.map((j) => j.id), o.print);
  const results = new Map<string, JobResult>();
  const skipped: string[] = [];
  for (const j of ordered) {
    if (o.isDone && await o.isDone(j)) {
      skipped.push(j.id);
      results.set(j.id, { id: j.id, status: "skipped", exitCode: null, log: j.log, seconds: 0 });
    }
  }
  if (skipped.length) progress.note(`skipping ${skipped.length} job(s) already done: ${skipped.join(", ")}`);
  for (const id of skipped) progress.set(id, "skipped");
  const pending = ordered.filter((j) => !results.has(j.id));
  if (pending.length) {
    const backend: Backend = o.cmd === "slurm"
      ? new SlurmBackend(o.slurm ?? { values: {} })
      : new LocalBackend(pending, o.jobs);
    progress.note(backend.describe);
    const running = new Set<string>();
    const onSignal = async (signal: "SIGINT" | "SIGTERM") => {
      progress.note(`${signal}: stopping ${pending.filter((j) => !results.has(j.id)).length} job(s)`);
      await backend.cancel();
      Deno.exit(signal === "SIGINT" ? 130 : 143);
    };
    const listeners = (["SIGINT", "SIGTERM"] as const).map((s) => [s, () => onSignal(s)] as const);
    for (const [s, f] of listeners) Deno.addSignalListener(s, f);
    try {
      await backend.run(pending, {
        started(id) {
          if (running.has(id)) return;
          running.add(id);
          progress.set(id, "running");
        },
        ended(r) {
          results.set(r.id, r);
          progress.set(r.id, r.status);
          if (r.status === "done") progress.note(`done ${r.id} (${r.seconds} s)`);
          else progress.note(failure(r, true));
        },
        note: (line) => progress.note(line),
      });
    } finally {
      for (const [s, f] of listeners) Deno.removeSignalListener(s, f);
      progress.finish();
    }
  } else progress.finish();
  const out = jobs.map((j) => results.get(j.id)!);
  const failed = out.filter((r) => r.status === "failed");
  if (failed.length) {
    progress.note(
      `${failed.length} of ${jobs.length} job(s) failed:\n${failed.map((r) => failure(r, false)).join("\n")}`,
    );
  }
  return out;
}

/** A failed job in one line (with its log's last lines when `tail`). */
function failure(r: JobResult, tail: boolean): string {
  const why = r.reason ?? `exit status ${r.exitCode}`;
  const head = `FAILED ${r.id}${r.slurmJobId ? ` (Slurm job ${r.slurmJobId})` : ""}: ${why}; log ${r.log}`;
  if (!tail || r.exitCode === null && r.reason?.startsWith("not run")) return head;
  return `${head}\n${logTail(r.log).split("\n").map((l) => `  | ${l}`).join("\n")}`;
}
