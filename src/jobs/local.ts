// The local backend (Kaldi's run.pl): jobs as child processes on this machine, a few at a time, BLAS threads shared.
import { dirname } from "node:path";
import { type Backend, type BackendEvents, type Job, type JobResult, shellLine } from "./job.ts";

/**
 * Local jobs at a time: as many as there are cores, as fit in 90% of the available memory at the largest job's
 * memoryMB, and as there are jobs; at least 1.
 */
export function localParallelism(
  jobs: Job[],
  cores = navigator.hardwareConcurrency,
  availableMB = Deno.systemMemoryInfo().available / 2 ** 20,
): number {
  const perJob = Math.max(1, ...jobs.map((j) => j.memoryMB));
  return Math.max(1, Math.min(cores, Math.floor((0.9 * availableMB) / perJob), jobs.length));
}

/** BLAS threads per job: the cores shared out between the jobs that run at once. */
export function blasThreads(parallel: number, cores = navigator.hardwareConcurrency): number {
  return Math.max(1, Math.floor(cores / parallel));
}

export class LocalBackend implements Backend {
  readonly parallel: number;
  readonly threads: number;
  readonly describe: string;
  private readonly children = new Set<Deno.ChildProcess>();

  constructor(jobs: Job[], parallel?: number) {
    const cores = navigator.hardwareConcurrency;
    const availableMB = Deno.systemMemoryInfo().available / 2 ** 20;
    this.parallel = parallel ?? localParallelism(jobs, cores, availableMB);
    this.threads = blasThreads(this.parallel, cores);
    const maxMB = Math.max(...jobs.map((j) => j.memoryMB));
    this.describe = `local: ${this.parallel} job(s) at a time${
      parallel ? " (--jobs)" : ` (${cores} cores, ${(availableMB / 1024).toFixed(1)} GB available, ` +
        `up to ${(maxMB / 1024).toFixed(1)} GB a job)`
    }, OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=${this.threads} each`;
  }

  run(jobs: Job[], ev: BackendEvents): Promise<void> {
    const ids = new Set(jobs.map((j) => j.id));
    const results = new Map<string, JobResult>(), running = new Set<string>();
    return new Promise((resolve) => {
      const pump = () => {
        for (const j of jobs) {
          if (results.has(j.id) || running.has(j.id)) continue;
          const deps = (j.after ?? []).filter((d) => ids.has(d));
          const failed = deps.find((d) => results.get(d)?.status === "failed");
          if (failed) {
            const r: JobResult = {
              id: j.id,
              status: "failed",
              exitCode: null,
              log: j.log,
              seconds: 0,
              reason: `not run: ${failed} failed`,
            };
            results.set(j.id, r);
            ev.ended(r);
            continue;
          }
          if (running.size >= this.parallel || !deps.every((d) => results.get(d)?.status === "done")) {
            continue;
          }
          running.add(j.id);
          ev.started(j.id);
          this.runOne(j).catch((e): JobResult => ({
            id: j.id,
            status: "failed",
            exitCode: null,
            log: j.log,
            seconds: 0,
            reason: `could not run: ${(e as Error).message}`,
          })).then((r) => {
            running.delete(j.id);
            results.set(j.id, r);
            ev.ended(r);
            pump();
          });
        }
        if (results.size === jobs.length) resolve();
      };
      pump();
    });
  }

  cancel() {
    for (const c of this.children) c.kill("SIGTERM");
  }

  /** Runs one job, its output and a Kaldi-style header and footer (the exit status) in its log. */
  private async runOne(job: Job): Promise<JobResult> {
    const t0 = performance.now();
    Deno.mkdirSync(dirname(job.log), { recursive: true });
    Deno.writeTextFileSync(
      job.log,
      `# ${shellLine(job.argv)}\n# Started at ${new Date().toISOString()} on ${Deno.hostname()}\n`,
    );
    let exitCode: number;
    try {
      const child = new Deno.Command(job.argv[0], {
        args: job.argv.slice(1),
        env: {
          OPENBLAS_NUM_THREADS: String(this.threads),
          OMP_NUM_THREADS: String(this.threads),
          ...job.env,
        },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      this.children.add(child);
      const out = await Deno.open(job.log, { append: true }),
        err = await Deno.open(job.log, { append: true });
      await Promise.all([child.stdout.pipeTo(out.writable), child.stderr.pipeTo(err.writable)]);
      exitCode = (await child.status).code;
      this.children.delete(child);
    } catch (e) {
      Deno.writeTextFileSync(job.log, `${(e as Error).message}\n`, { append: true });
      exitCode = 127;
    }
    const seconds = Math.round((performance.now() - t0) / 100) / 10;
    Deno.writeTextFileSync(
      job.log,
      `# Accounting: time=${Math.round(seconds)} threads=${this.threads}\n` +
        `# Finished at ${new Date().toISOString()} with status ${exitCode}\n`,
      { append: true },
    );
    return { id: job.id, status: exitCode === 0 ? "done" : "failed", exitCode, log: job.log, seconds };
  }
}
