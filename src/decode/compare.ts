// Two decodes of one test set side by side, from their ref.trn and hyp.trn: PER and NIST's MAPSSWE.
import { join } from "node:path";
import { fmtP, mapsswe, type SignificanceResult } from "./significance.ts";
import { alignSclite, countEdits, type ErrorCounts, formatCounts } from "./score.ts";
import { readTrn } from "./trn.ts";

export interface DecodeComparison {
  utterances: number;
  /** Error counts with sclite's alignment, so they are sclite's. */
  a: ErrorCounts;
  b: ErrorCounts;
  /** z > 0 when A makes more errors than B. */
  mapsswe: SignificanceResult;
}

/** Throws naming the first utterance where two decodes' references differ. */
function checkSameReferences(
  a: Map<string, string[]>,
  b: Map<string, string[]>,
  fileA: string,
  fileB: string,
) {
  for (const [utt, ref] of a) {
    const other = b.get(utt);
    if (!other) {
      throw new Error(`${fileA} has '${utt}', ${fileB} does not: the decodes are of different test sets`);
    }
    if (other.join(" ") !== ref.join(" ")) {
      throw new Error(`'${utt}' has different reference phones in ${fileA} and ${fileB}`);
    }
  }
  for (const utt of b.keys()) {
    if (!a.has(utt)) {
      throw new Error(`${fileB} has '${utt}', ${fileA} does not: the decodes are of different test sets`);
    }
  }
}

function scliteCounts(refs: Map<string, string[]>, hyps: Map<string, string[]>, file: string): ErrorCounts {
  const total = { ref: 0, sub: 0, del: 0, ins: 0 };
  for (const utt of hyps.keys()) if (!refs.has(utt)) throw new Error(`${file}: '${utt}' has no reference`);
  for (const [utt, ref] of refs) {
    const hyp = hyps.get(utt);
    if (!hyp) throw new Error(`${file}: no hypothesis for '${utt}'`);
    const c = countEdits(alignSclite(ref, hyp));
    (total.ref += c.ref), (total.sub += c.sub), (total.del += c.del), (total.ins += c.ins);
  }
  return total;
}

/** Compares decode folders A and B (each holding ref.trn and hyp.trn); their references must be identical. */
export function compareDecodes(dirA: string, dirB: string): DecodeComparison {
  const [a, b] = [dirA, dirB].map((dir) => {
    const refFile = join(dir, "ref.trn"), hypFile = join(dir, "hyp.trn");
    return { refFile, hypFile, refs: readTrn(refFile), hyps: readTrn(hypFile) };
  });
  checkSameReferences(a.refs, b.refs, a.refFile, b.refFile);
  return {
    utterances: a.refs.size,
    a: scliteCounts(a.refs, a.hyps, a.hypFile),
    b: scliteCounts(a.refs, b.hyps, b.hypFile),
    mapsswe: mapsswe(a.refs, a.hyps, b.hyps),
  };
}

export function formatComparison(c: DecodeComparison, dirA: string, dirB: string): string {
  const r = c.mapsswe;
  const verdict = r.z === 0 ? "neither makes fewer errors" : `${r.z > 0 ? "B" : "A"} makes fewer errors`;
  return [
    `${c.utterances} utterances; PER with sclite's alignment:`,
    `  A ${dirA}: ${formatCounts(c.a)}`,
    `  B ${dirB}: ${formatCounts(c.b)}`,
    `MAPSSWE (as NIST sc_stats): ${r.segments} segments, mean difference A - B ${
      r.meanDifference.toFixed(3)
    } ` +
    `(std ${r.stdDifference.toFixed(3)}), Z = ${r.z.toFixed(3)}, two-sided p = ${
      fmtP(r.pValue)
    }: ${verdict}, ` +
    `${r.pValue < 0.05 ? "" : "not "}significant at 5%`,
  ].join("\n");
}
