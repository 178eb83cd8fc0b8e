// Progress of a set of jobs on stderr: queued, running, done and failed counts, in place on a terminal, lines otherwise.

export type JobState = "queued" | "running" | "done" | "failed" | "skipped";

export class JobProgress {
  private readonly states = new Map<string, JobState>();
  private readonly start = performance.now();
  private readonly encoder = new TextEncoder();
  private readonly timer: ReturnType<typeof setInterval> | undefined;
  private lastCounts = "";
  private finished = false;

  /** `print` takes every line (no redrawing); by default lines go to stderr, redrawn in place on a terminal. */
  constructor(
    ids: string[],
    private readonly print?: (line: string) => void,
    private readonly tty = !print && Deno.stderr.isTerminal(),
  ) {
    for (const id of ids) this.states.set(id, "queued");
    if (this.tty) this.timer = setInterval(() => this.draw(), 1000);
  }

  set(id: string, state: JobState) {
    this.states.set(id, state);
    const counts = this.counts();
    if (this.tty) this.draw();
    else if (counts !== this.lastCounts) this.emit(`[jobs] ${counts}  ${elapsed(this.start)}`);
    this.lastCounts = counts;
  }

  /** A line above the progress line (an event: started, failed, ...). */
  note(line: string) {
    const redraw = this.tty && !this.finished;
    if (redraw) Deno.stderr.writeSync(this.encoder.encode(`\r\x1b[K`));
    this.emit(line);
    if (redraw) this.draw();
  }

  /** Ends the progress line; later notes are plain lines. */
  finish() {
    this.finished = true;
    clearInterval(this.timer);
    if (this.tty) {
      this.draw();
      Deno.stderr.writeSync(this.encoder.encode("\n"));
    } else if (this.counts() !== this.lastCounts) {
      this.emit(`[jobs] ${this.counts()}  ${elapsed(this.start)}`);
    }
  }

  private counts(): string {
    const n = { queued: 0, running: 0, done: 0, failed: 0, skipped: 0 };
    for (const s of this.states.values()) n[s]++;
    return `${n.queued} queued, ${n.running} running, ${n.done} done, ${n.failed} failed` +
      (n.skipped ? `, ${n.skipped} already done` : "") + ` (of ${this.states.size})`;
  }

  private draw() {
    Deno.stderr.writeSync(this.encoder.encode(`\r[jobs] ${this.counts()}  ${elapsed(this.start)}\x1b[K`));
  }

  private emit(line: string) {
    if (this.print) this.print(line);
    else console.error(line);
  }
}

function elapsed(startMs: number): string {
  const s = Math.round((performance.now() - startMs) / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
