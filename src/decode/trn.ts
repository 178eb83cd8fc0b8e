// sclite trn files: one utterance per line, its tokens then its id in parentheses: "sil ae n (fcjf0_si1027)".
import { writeFileAtomic } from "../util/fs.ts";

/** Characters that sclite's trn reader gives a meaning (ids, alternations, the null word) or splits on. */
const RESERVED = /[\s(){}@]/;

/**
 * Writes utterances keyed by id, as `-i spu_id` reads them: sclite takes the speaker from the id up to its first
 * '-' or, when there is none, its first '_' (so `<speaker>_<utterance>` keys need no change). Atomic.
 */
export function writeTrn(path: string, utterances: ReadonlyMap<string, readonly string[]>): void {
  const lines: string[] = [];
  for (const [id, tokens] of utterances) {
    if (!id || RESERVED.test(id) || !/[-_]/.test(id)) {
      throw new Error(
        `${path}: utterance id '${id}' is not an sclite spu_id (<speaker>_<utterance>, no spaces)`,
      );
    }
    const bad = tokens.find((t) => !t || RESERVED.test(t));
    if (bad !== undefined) {
      throw new Error(`${path}: utterance '${id}' has the token '${bad}', which trn cannot hold`);
    }
    lines.push(tokens.length ? `${tokens.join(" ")} (${id})` : `(${id})`);
  }
  writeFileAtomic(path, lines.map((l) => l + "\n").join(""));
}

/** Reads a trn file: blank lines and ';;' comments are skipped; each other line must end with a unique (id). */
export function readTrn(path: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [i, raw] of Deno.readTextFileSync(path).split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith(";;")) continue;
    const m = /^([^(){}]*)\(([^()\s]+)\)$/.exec(line);
    if (!m) {
      throw new Error(`${path}:${i + 1}: expected 'token token ... (id)' (no alternations), got '${line}'`);
    }
    const id = m[2];
    if (out.has(id)) throw new Error(`${path}:${i + 1}: utterance '${id}' appears twice`);
    out.set(id, m[1].split(/\s+/).filter((t) => t));
  }
  return out;
}
