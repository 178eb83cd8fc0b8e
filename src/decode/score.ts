// Phone error rate like sclite: minimum-edit-distance alignment, substitutions, deletions and insertions.

export type Edit = "C" | "S" | "D" | "I";

export interface AlignedPair {
  ref: string | null;
  hyp: string | null;
  edit: Edit;
}

/** Levenshtein alignment with unit costs; ties prefer substitution, then deletion, then insertion. */
export function alignSequences(ref: readonly string[], hyp: readonly string[]): AlignedPair[] {
  const n = ref.length, m = hyp.length, w = m + 1;
  const cost = new Int32Array((n + 1) * w);
  for (let i = 0; i <= n; i++) cost[i * w] = i;
  for (let j = 0; j <= m; j++) cost[j] = j;
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const sub = cost[(i - 1) * w + j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      cost[i * w + j] = Math.min(sub, cost[(i - 1) * w + j] + 1, cost[i * w + j - 1] + 1);
    }
  }
  const out: AlignedPair[] = [];
  let i = n, j = m;
  while (i > 0 || j > 0) {
    if (
      i > 0 && j > 0 && cost[i * w + j] === cost[(i - 1) * w + j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1)
    ) {
      out.push({ ref: ref[i - 1], hyp: hyp[j - 1], edit: ref[i - 1] === hyp[j - 1] ? "C" : "S" });
      i--, j--;
    } else if (i > 0 && cost[i * w + j] === cost[(i - 1) * w + j] + 1) {
      out.push({ ref: ref[i - 1], hyp: null, edit: "D" }), i--;
    } else out.push({ ref: null, hyp: hyp[j - 1], edit: "I" }), j--;
  }
  return out.reverse();
}

/**
 * Alignment as NIST sclite makes it (net_dp.c with its default word costs): match 0, substitution 4,
 * insertion and deletion 3. Each cell keeps the diagonal when it is no worse than either, else the deletion
 * when strictly cheaper than the insertion, else the insertion; the trace follows those choices back.
 * It minimizes 3 x errors + substitutions, so its total can exceed alignSequences' minimum edit count.
 */
export function alignSclite(ref: readonly string[], hyp: readonly string[]): AlignedPair[] {
  const n = ref.length, m = hyp.length, w = m + 1;
  const cost = new Int32Array((n + 1) * w), move = new Uint8Array((n + 1) * w); // 0 diagonal, 1 del, 2 ins
  for (let i = 1; i <= n; i++) (cost[i * w] = 3 * i), (move[i * w] = 1);
  for (let j = 1; j <= m; j++) (cost[j] = 3 * j), (move[j] = 2);
  for (let i = 1; i <= n; i++) {
    for (let j = 1; j <= m; j++) {
      const diag = cost[(i - 1) * w + j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 4);
      const del = cost[(i - 1) * w + j] + 3, ins = cost[i * w + j - 1] + 3;
      const k = i * w + j;
      if (diag <= del && diag <= ins) cost[k] = diag;
      else if (del < ins) (cost[k] = del), (move[k] = 1);
      else (cost[k] = ins), (move[k] = 2);
    }
  }
  const out: AlignedPair[] = [];
  for (let i = n, j = m; i > 0 || j > 0;) {
    const mv = move[i * w + j];
    if (mv === 0) {
      out.push({ ref: ref[i - 1], hyp: hyp[j - 1], edit: ref[i - 1] === hyp[j - 1] ? "C" : "S" });
      i--, j--;
    } else if (mv === 1) out.push({ ref: ref[i - 1], hyp: null, edit: "D" }), i--;
    else out.push({ ref: null, hyp: hyp[j - 1], edit: "I" }), j--;
  }
  return out.reverse();
}

export interface ErrorCounts {
  ref: number;
  sub: number;
  del: number;
  ins: number;
}

const errors = (c: ErrorCounts) => c.sub + c.del + c.ins;
export const errorRate = (c: ErrorCounts) => (100 * errors(c)) / Math.max(c.ref, 1);

export function countEdits(alignment: readonly AlignedPair[]): ErrorCounts {
  const c = { ref: 0, sub: 0, del: 0, ins: 0 };
  for (const a of alignment) {
    if (a.ref !== null) c.ref++;
    if (a.edit === "S") c.sub++;
    else if (a.edit === "D") c.del++;
    else if (a.edit === "I") c.ins++;
  }
  return c;
}

const add = (a: ErrorCounts, b: ErrorCounts): ErrorCounts => ({
  ref: a.ref + b.ref,
  sub: a.sub + b.sub,
  del: a.del + b.del,
  ins: a.ins + b.ins,
});
const zero = (): ErrorCounts => ({ ref: 0, sub: 0, del: 0, ins: 0 });

export interface ScoreReport {
  total: ErrorCounts;
  perUtterance: Map<string, ErrorCounts & { alignment: AlignedPair[] }>;
  perSpeaker: Map<string, ErrorCounts>;
}

/** Scores hypotheses against references (both already mapped to the scoring phone set). */
export function scoreHypotheses(
  refs: ReadonlyMap<string, readonly string[]>,
  hyps: ReadonlyMap<string, readonly string[]>,
  utt2spk: ReadonlyMap<string, string>,
): ScoreReport {
  const perUtterance = new Map<string, ErrorCounts & { alignment: AlignedPair[] }>();
  const perSpeaker = new Map<string, ErrorCounts>();
  let total = zero();
  for (const [utt, ref] of refs) {
    const hyp = hyps.get(utt);
    if (!hyp) throw new Error(`scoring: no hypothesis for '${utt}'`);
    const alignment = alignSequences(ref, hyp);
    const c = countEdits(alignment);
    perUtterance.set(utt, { ...c, alignment });
    const spk = utt2spk.get(utt) ?? utt;
    perSpeaker.set(spk, add(perSpeaker.get(spk) ?? zero(), c));
    total = add(total, c);
  }
  for (const utt of hyps.keys()) {
    if (!refs.has(utt)) throw new Error(`scoring: hypothesis for '${utt}' has no reference`);
  }
  return { total, perUtterance, perSpeaker };
}

export function formatCounts(c: ErrorCounts): string {
  return `%PER ${errorRate(c).toFixed(2)} [ ${
    errors(c)
  } / ${c.ref}, ${c.ins} ins, ${c.del} del, ${c.sub} sub ]`;
}
