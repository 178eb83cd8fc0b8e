// Hypothesis files (one utterance a line: key, then phones) and per-speaker / per-utterance scoring details.
import { writeFileAtomic } from "../util/fs.ts";
import { errorRate, type ScoreReport } from "./score.ts";

export function writeHyps(path: string, hyps: Map<string, string[]>) {
  writeFileAtomic(path, [...hyps].map(([k, v]) => `${k} ${v.join(" ")}`).join("\n") + "\n");
}

/** Per-speaker and per-utterance error counts, like sclite's .sys and .pra summaries. */
export function scoringDetail(r: ScoreReport): string {
  const lines = ["# speaker  %PER  errors / ref  ins del sub"];
  for (const [s, c] of r.perSpeaker) {
    lines.push(
      `${s} ${errorRate(c).toFixed(2)} ${c.sub + c.del + c.ins} / ${c.ref} ${c.ins} ${c.del} ${c.sub}`,
    );
  }
  lines.push("", "# utterance  %PER  errors / ref  ins del sub");
  for (const [u, c] of r.perUtterance) {
    lines.push(
      `${u} ${errorRate(c).toFixed(2)} ${c.sub + c.del + c.ins} / ${c.ref} ${c.ins} ${c.del} ${c.sub}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** Hypotheses written by writeHyps. */
export function readHyps(path: string): Map<string, string[]> {
  return new Map(
    Deno.readTextFileSync(path).split("\n").filter((l) => l.trim()).map((l) => {
      const [key, ...phones] = l.trim().split(/\s+/);
      return [key, phones];
    }),
  );
}
