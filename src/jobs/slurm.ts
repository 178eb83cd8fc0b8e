// The Slurm backend (Kaldi's slurm.pl): sbatch per job from a conf/slurm.conf-style file, then squeue until all end.
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Backend,
  type BackendEvents,
  type Job,
  type JobResult,
  shellLine,
  type SlurmOptions,
  statusFromLog,
} from "./job.ts";
import { exists } from "../util/fs.ts";

const DEFAULT_SLURM_CONFIG = fileURLToPath(new URL("../../scripts/slurm/slurm.conf", import.meta.url));

/** An option's sbatch arguments per value, and for any value (`*`, with $0 for the value). */
export interface OptionLines {
  any?: string[];
  exact: Map<string, string[]>;
}

/** A parsed config: the sbatch command line, and per option name its arguments for one value or for any (`*`). */
export interface SlurmConfig {
  path: string;
  command: string[];
  options: Map<string, OptionLines>;
  defaults: Map<string, string>;
}

/**
 * Kaldi's format: `command sbatch ARGS`; `option NAME=* ARGS` ($0 stands for the value); `option NAME=VALUE [ARGS]`
 * for one value (no ARGS: nothing is added); `default NAME=VALUE`; `#` starts a comment. Arguments are split at
 * spaces (no quoting).
 */
export function parseSlurmConfig(text: string, path: string): SlurmConfig {
  const config: SlurmConfig = { path, command: [], options: new Map(), defaults: new Map() };
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/#.*/, "").trim();
    if (!line) continue;
    const [word, ...rest] = line.split(/\s+/);
    const setting = /^([A-Za-z0-9_]+)=(\S+)$/.exec(rest[0] ?? "");
    if (word === "command" && rest.length) config.command = rest;
    else if (word === "default" && setting && rest.length === 1) config.defaults.set(setting[1], setting[2]);
    else if (word === "option" && setting) {
      const [, name, value] = setting, args = rest.slice(1);
      const entry: OptionLines = config.options.get(name) ?? { exact: new Map() };
      if (value === "*") {
        if (!args.some((a) => a.includes("$0"))) {
          throw new Error(`${path}:${i + 1}: 'option ${name}=*' needs \$0 where the value goes`);
        }
        entry.any = args;
      } else entry.exact.set(value, args);
      config.options.set(name, entry);
    } else {
      throw new Error(
        `${path}:${
          i + 1
        }: cannot parse '${raw.trim()}' (expected command ..., option NAME=VALUE ..., default NAME=VALUE)`,
      );
    }
  }
  if (!config.command.length) throw new Error(`${path}: no 'command sbatch ...' line`);
  return config;
}

export function readSlurmConfig(path = DEFAULT_SLURM_CONFIG): SlurmConfig {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new Error(`Slurm config ${path}: ${(e as Error).message}`);
  }
  return parseSlurmConfig(text, path);
}

/** sbatch arguments for option values (the config's defaults filled in), each through its option line. */
export function sbatchArgs(config: SlurmConfig, values: Record<string, string>): string[] {
  const all = { ...Object.fromEntries(config.defaults), ...values };
  const out: string[] = [];
  for (const [name, value] of Object.entries(all)) {
    const entry = config.options.get(name);
    const args = entry?.exact.get(value) ?? entry?.any?.map((a) => a.replaceAll("$0", value));
    if (!args) {
      throw new Error(
        `${config.path}: no 'option ${name}=...' line takes ${name}=${value} (--slurm.${name})`,
      );
    }
    out.push(...args.flatMap((a) => a.split(/\s+/)).filter((a) => a !== ""));
  }
  return out;
}

/** A job's option values: mem, num_threads and time (Kaldi's names) from its resources; --slurm.* flags win. */
export function jobValues(job: Job, flags: Record<string, string>): Record<string, string> {
  return {
    mem: `${job.memoryMB}M`,
    num_threads: String(job.cpus),
    ...(job.timeMinutes !== undefined ? { time: String(job.timeMinutes) } : {}),
    ...flags,
  };
}

/** Where a job's batch script and Slurm's own output go: q/ beside the log, as Kaldi does. */
function queueFiles(log: string) {
  const dir = join(dirname(log), "q"), base = basename(log).replace(/\.[A-Za-z]{1,5}$/, "");
  return { script: join(dir, `${base}.sh`), output: join(dir, `${base}.out`) };
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** The batch script: runs argv in this folder, its output and a Kaldi-style header and footer in the log. */
function batchScript(job: Job, cwd: string): string {
  const log = q(resolve(cwd, job.log));
  const env = Object.entries(job.env ?? {}).map(([k, v]) => `export ${k}=${q(v)}\n`).join("");
  return `#!/bin/bash
# phl job ${job.id}, submitted by src/jobs/slurm.ts
cd ${q(cwd)} || exit 1
threads=\${SLURM_CPUS_PER_TASK:-1}
export OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads
${env}{
  echo ${q(`# ${shellLine(job.argv)}`)}
  echo "# Started at $(date -Is) on $(hostname), Slurm job $SLURM_JOB_ID"
} >${log}
time1=$(date +%s)
${shellLine(job.argv)} >>${log} 2>&1 </dev/null
ret=$?
time2=$(date +%s)
echo "# Accounting: time=$((time2 - time1)) threads=$threads" >>${log}
echo "# Finished at $(date -Is) with status $ret" >>${log}
exit $ret
`;
}

const QUEUED = new Set(["PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "RESV_DEL_HOLD", "SUSPENDED"]);
const RUNNING = new Set(["RUNNING", "COMPLETING", "STAGE_OUT", "SIGNALING", "RESIZING"]);

export class SlurmBackend implements Backend {
  readonly config: SlurmConfig;
  readonly describe: string;
  private readonly slurmIds = new Map<string, string>();
  private readonly ended = new Set<string>();

  constructor(private readonly o: SlurmOptions) {
    this.config = readSlurmConfig(o.config);
    const flags = Object.entries(o.values).map(([k, v]) => ` --slurm.${k}=${v}`).join("");
    this.describe = `slurm: ${this.config.command[0]} per job (config ${this.config.path}${flags}), ` +
      `squeue every ${(o.pollMs ?? 3000) / 1000} s; BLAS threads = each job's CPUs`;
  }

  async run(jobs: Job[], ev: BackendEvents): Promise<void> {
    const cwd = Deno.cwd(), ids = new Set(jobs.map((j) => j.id));
    const results = new Map<string, JobResult>(), started = new Map<string, number>();
    for (const job of jobs) {
      const deps = (job.after ?? []).filter((d) => ids.has(d)).map((d) => this.slurmIds.get(d)!);
      this.slurmIds.set(job.id, await this.submit(job, cwd, deps));
      started.set(job.id, performance.now());
      ev.note(`${job.id}: Slurm job ${this.slurmIds.get(job.id)}, log ${job.log}`);
    }
    const endedAt = new Map<string, number>();
    let squeueDown = false;
    while (results.size < jobs.length) {
      await new Promise((r) => setTimeout(r, this.o.pollMs ?? 3000));
      const queue = await this.squeue().catch((e) => e as Error);
      if (queue instanceof Error) {
        if (!squeueDown) ev.note(`squeue failed (will keep asking): ${queue.message}`);
        squeueDown = true;
        continue;
      }
      squeueDown = false;
      for (const job of jobs) {
        if (results.has(job.id)) continue;
        const sid = this.slurmIds.get(job.id)!, s = queue.get(sid);
        if (s && QUEUED.has(s.state)) {
          if (s.reason === "DependencyNeverSatisfied") await this.scancel([sid]);
          continue;
        }
        if (s && RUNNING.has(s.state)) {
          ev.started(job.id);
          continue;
        }
        const failedDep = (job.after ?? []).find((d) => results.get(d)?.status === "failed");
        const exitCode = statusFromLog(job.log);
        const since = endedAt.get(job.id) ?? performance.now();
        endedAt.set(job.id, since);
        // a log on a shared file system may show its last line a little after Slurm says the job ended
        if (exitCode === null && !failedDep && performance.now() - since < 15_000) continue;
        const r: JobResult = {
          id: job.id,
          status: exitCode === 0 ? "done" : "failed",
          exitCode,
          log: job.log,
          slurmJobId: sid,
          seconds: Math.round((performance.now() - started.get(job.id)!) / 100) / 10,
        };
        if (exitCode === null) {
          r.reason = failedDep
            ? `not run: ${failedDep} failed`
            : `Slurm job ${sid} ended (${s ? s.state : "no longer in squeue"}) without its log's status line`;
        }
        results.set(job.id, r);
        this.ended.add(job.id);
        ev.ended(r);
      }
    }
  }

  async cancel() {
    const open = [...this.slurmIds].filter(([id]) => !this.ended.has(id)).map(([, sid]) => sid);
    if (open.length) await this.scancel(open);
  }

  private async submit(job: Job, cwd: string, deps: string[]): Promise<string> {
    const log = resolve(cwd, job.log), files = queueFiles(log);
    Deno.mkdirSync(dirname(files.script), { recursive: true });
    // an earlier run's log would otherwise speak for a job that Slurm cancels before it starts
    if (exists(log)) Deno.removeSync(log);
    Deno.writeTextFileSync(files.script, batchScript(job, cwd), { mode: 0o755 });
    const [cmd, ...cmdArgs] = this.config.command;
    const args = [
      ...cmdArgs,
      ...sbatchArgs(this.config, jobValues(job, this.o.values)),
      `--job-name=${job.id}`,
      `--output=${files.output}`,
      "--parsable",
      ...(deps.length ? [`--dependency=afterok:${deps.join(":")}`, "--kill-on-invalid-dep=yes"] : []),
      files.script,
    ];
    const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output().catch(
      (e) => {
        throw new Error(`cannot run ${cmd} to submit job ${job.id}: ${(e as Error).message}`);
      },
    );
    const text = new TextDecoder().decode(out.stdout).trim();
    const id = /^(\d+)(;.*)?$/.exec(text.split("\n").pop() ?? "")?.[1];
    if (!out.success || !id) {
      await this.cancel();
      throw new Error(
        `submitting job ${job.id} failed: ${shellLine([cmd, ...args])}\n${text}\n${
          new TextDecoder().decode(out.stderr).trim()
        }`,
      );
    }
    return id;
  }

  /** This user's jobs (recently ended ones too) by Slurm job id: state and reason. */
  private async squeue(): Promise<Map<string, { state: string; reason: string }>> {
    const out = await new Deno.Command("squeue", {
      args: ["--noheader", "--me", "--states=all", "--format=%i|%T|%r"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr).trim());
    const map = new Map<string, { state: string; reason: string }>();
    for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
      const [id, state, reason] = line.trim().split("|");
      if (id && state) map.set(id, { state, reason: reason ?? "" });
    }
    return map;
  }

  private async scancel(ids: string[]) {
    await new Deno.Command("scancel", { args: ids, stdout: "null", stderr: "null" }).output().catch(() => {});
  }
}
