// A progress line on stderr: count, rate and time left; redrawn in place on a terminal, every 10% otherwise.

export class Progress {
  private readonly start = performance.now();
  private lastTenth = -1;
  private readonly tty = Deno.stderr.isTerminal();
  private readonly encoder = new TextEncoder();

  constructor(private readonly name: string, private readonly unit: string) {}

  update(done: number, total: number) {
    const elapsed = (performance.now() - this.start) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const left = rate > 0 ? (total - done) / rate : 0;
    const line = `[${this.name}] ${done}/${total} ${this.unit}  ${rate.toFixed(1)} ${this.unit}/s  ${
      fmt(elapsed)
    } elapsed  ${fmt(left)} left`;
    if (this.tty) Deno.stderr.writeSync(this.encoder.encode(`\r${line}\x1b[K`));
    else {
      const tenth = Math.floor((10 * done) / Math.max(total, 1));
      if (tenth !== this.lastTenth) console.error(line);
      this.lastTenth = tenth;
    }
  }

  finish() {
    if (this.tty) Deno.stderr.writeSync(this.encoder.encode("\n"));
  }
}

function fmt(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}
