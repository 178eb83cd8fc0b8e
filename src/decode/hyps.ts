// Hypothesis files (one utterance a line: key, then phones), per-speaker / per-utterance scoring, a decode's folders.
import { join } from "node:path";
import { map48to39 } from "../corpus/phones.ts";
import { exists, writeFileAtomic } from "../util/fs.ts";
import { type ErrorCounts, errorRate, type ScoreReport } from "./score.ts";
import { type EvalSplit, type PerSet, perSet, type SystemResult } from "./search.ts";
import { writeTrn } from "./trn.ts";

function writeHyps(path: string, hyps: Map<string, string[]>) {
  writeFileAtomic(path, [...hyps].map(([k, v]) => `${k} ${v.join(" ")}`).join("\n") + "\n");
}

/** Per-speaker and per-utterance error counts, like sclite's .sys and .pra summaries. */
function scoringDetail(r: ScoreReport): string {
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

/**
 * A decode's files under `out`, per set: decode_<set>/hyp.txt (48 phones), scoring.txt, and sclite's ref.trn and
 * hyp.trn (39 phones) for `deno task compare`, sclite and sc_stats.
 */
export function writeDecodes(out: string, result: SystemResult, refs: PerSet<Map<string, string[]>>) {
  for (const set of setsOf(result)) {
    const dir = join(out, `decode_${set}`), hyps = result.hyps[set]!;
    writeHyps(join(dir, "hyp.txt"), hyps);
    writeFileAtomic(join(dir, "scoring.txt"), scoringDetail(result[set]!));
    const to39 = (m: Map<string, string[]>) =>
      new Map([...hyps.keys()].map((k) => [k, map48to39(m.get(k)!)]));
    writeTrn(join(dir, "ref.trn"), to39(refs[set]!));
    writeTrn(join(dir, "hyp.trn"), to39(hyps));
  }
}

/** The sets a result holds: dev, test, and extra where it was decoded. */
const setsOf = (r: { extra?: unknown }): EvalSplit[] => r.extra ? ["dev", "test", "extra"] : ["dev", "test"];

/** The sets a stage folder holds decodes of. */
export const decodedSets = (dir: string): EvalSplit[] =>
  exists(join(dir, "decode_extra", "hyp.txt")) ? ["dev", "test", "extra"] : ["dev", "test"];

/** A result's error counts per set, for a stage's summary. */
export const totals = (r: SystemResult): PerSet<ErrorCounts> => perSet(setsOf(r), (s) => r[s]!.total);
