// Decision-tree state tying: single-Gaussian statistics per context-dependent state, questions from phone clustering,
// greedy splitting by likelihood gain to a leaf target, and a dense (left, phone, right, state) -> pdf table.
import { STATES_PER_PHONE } from "./topology.ts";

/** Statistics of one context-dependent state: left phone, central phone, right phone (numPhones = edge), HMM state. */
export interface ContextStat {
  left: number;
  phone: number;
  right: number;
  state: number;
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

export interface TreeConfig {
  numLeaves: number;
  /** A leaf must keep at least this many frames (phl uses 100). */
  minLeafCount: number;
  /** Variance floor used in the likelihood of pooled statistics. */
  varFloor: number;
}

/** A question: is the left (or right) phone in the set, or is the HMM state in the set. */
export interface Question {
  on: "left" | "right" | "state";
  set: number[];
}

type Node = { question: Question; yes: Node; no: Node } | { leaf: number };

export interface Tree {
  numPhones: number;
  statesPerPhone: number;
  roots: Node[];
  numLeaves: number;
}

interface Pool {
  count: number;
  sum: Float64Array;
  sumSq: Float64Array;
}

function pool(dim: number): Pool {
  return { count: 0, sum: new Float64Array(dim), sumSq: new Float64Array(dim) };
}

function addTo(p: Pool, s: Pool) {
  p.count += s.count;
  for (let d = 0; d < p.sum.length; d++) (p.sum[d] += s.sum[d]), (p.sumSq[d] += s.sumSq[d]);
}

/** Log-likelihood of the pooled frames under their own ML diagonal Gaussian (constant terms included). */
export function pooledLoglik(p: Pool, varFloor: number): number {
  if (p.count <= 0) return 0;
  let logDet = 0;
  for (let d = 0; d < p.sum.length; d++) {
    const m = p.sum[d] / p.count;
    logDet += Math.log(Math.max(p.sumSq[d] / p.count - m * m, varFloor));
  }
  return -0.5 * p.count * (logDet + p.sum.length * (1 + Math.log(2 * Math.PI)));
}

/**
 * Questions from the phones' own statistics (as Kaldi's cluster-phones): phones pooled over contexts and states,
 * split top-down into two by 2-means under the pooled-Gaussian likelihood; every set of the resulting binary tree
 * is a question. The edge context (numPhones) goes with `edgeLike` (silence).
 */
export function clusterPhones(
  stats: ContextStat[],
  numPhones: number,
  edgeLike: number,
  varFloor: number,
): number[][] {
  const dim = stats[0].sum.length;
  const perPhone = Array.from({ length: numPhones }, () => pool(dim));
  for (const s of stats) addTo(perPhone[s.phone], s);
  const sets: number[][] = [];
  const withEdge = (set: number[]) => (set.includes(edgeLike) ? [...set, numPhones] : set);
  const split = (set: number[]) => {
    sets.push(withEdge(set));
    if (set.length < 2) return;
    const seen = set.filter((p) => perPhone[p].count > 0);
    let a = [seen[0] ?? set[0]], b = set.filter((p) => p !== a[0]);
    for (let iter = 0; iter < 10 && seen.length >= 2; iter++) {
      const pa = pool(dim), pb = pool(dim);
      a.forEach((p) => addTo(pa, perPhone[p]));
      b.forEach((p) => addTo(pb, perPhone[p]));
      const na: number[] = [], nb: number[] = [];
      for (const p of set) {
        const gain = (into: Pool) => {
          const joined = pool(dim);
          addTo(joined, into);
          addTo(joined, perPhone[p]);
          return pooledLoglik(joined, varFloor) - pooledLoglik(into, varFloor);
        };
        (gain(pa) >= gain(pb) ? na : nb).push(p);
      }
      if (na.length === 0 || nb.length === 0) break;
      if (na.join() === a.join()) break;
      [a, b] = [na, nb];
    }
    if (a.length === 0 || b.length === 0) {
      const half = Math.ceil(set.length / 2);
      [a, b] = [set.slice(0, half), set.slice(half)];
    }
    split(a);
    split(b);
  };
  split(Array.from({ length: numPhones }, (_, p) => p));
  return sets;
}

/** Builds one tree per central phone, splitting the leaf with the best likelihood gain until `numLeaves`. */
export function buildTree(
  stats: ContextStat[],
  phoneSets: number[][],
  numPhones: number,
  statesPerPhone: number,
  c: TreeConfig,
): Tree {
  const dim = stats[0].sum.length;
  const questions: Question[] = [
    ...phoneSets.flatMap((set) => [{ on: "left" as const, set }, { on: "right" as const, set }]),
    ...[[0], [1], [2], [0, 1], [1, 2]].filter((s) => s.every((k) => k < statesPerPhone)).map((set) => ({
      on: "state" as const,
      set,
    })),
  ];
  type Leaf = {
    entries: ContextStat[];
    total: Pool;
    loglik: number;
    best: { q: Question; gain: number } | null;
    node: { leaf: number };
  };
  const evaluate = (leaf: Leaf) => {
    const groups = {
      left: new Map<number, Pool>(),
      right: new Map<number, Pool>(),
      state: new Map<number, Pool>(),
    };
    for (const e of leaf.entries) {
      for (const [on, key] of [["left", e.left], ["right", e.right], ["state", e.state]] as const) {
        const g = groups[on].get(key) ?? pool(dim);
        addTo(g, e);
        groups[on].set(key, g);
      }
    }
    let best: Leaf["best"] = null;
    for (const q of questions) {
      const yes = pool(dim);
      for (const k of q.set) {
        const g = groups[q.on].get(k);
        if (g) addTo(yes, g);
      }
      const noCount = leaf.total.count - yes.count;
      if (yes.count < c.minLeafCount || noCount < c.minLeafCount) continue;
      const no = {
        count: noCount,
        sum: leaf.total.sum.map((v, d) => v - yes.sum[d]),
        sumSq: leaf.total.sumSq.map((v, d) => v - yes.sumSq[d]),
      };
      const gain = pooledLoglik(yes, c.varFloor) + pooledLoglik(no, c.varFloor) - leaf.loglik;
      if (!best || gain > best.gain) best = { q, gain };
    }
    leaf.best = best;
  };
  const makeLeaf = (entries: ContextStat[]): Leaf => {
    const total = pool(dim);
    entries.forEach((e) => addTo(total, e));
    const leaf: Leaf = {
      entries,
      total,
      loglik: pooledLoglik(total, c.varFloor),
      best: null,
      node: { leaf: -1 },
    };
    evaluate(leaf);
    return leaf;
  };
  const byPhone = Array.from({ length: numPhones }, () => [] as ContextStat[]);
  for (const s of stats) byPhone[s.phone].push(s);
  const leaves = byPhone.map(makeLeaf);
  const roots: Node[] = leaves.map((l) => l.node);
  const replace = new Map<object, Node>();
  while (leaves.length < c.numLeaves) {
    let i = -1;
    leaves.forEach((l, j) => (l.best && (i < 0 || l.best.gain > leaves[i].best!.gain) ? (i = j) : 0));
    if (i < 0) break;
    const leaf = leaves[i], q = leaf.best!.q;
    const inYes = (e: ContextStat) =>
      q.set.includes(q.on === "left" ? e.left : q.on === "right" ? e.right : e.state);
    const yes = makeLeaf(leaf.entries.filter(inYes)), no = makeLeaf(leaf.entries.filter((e) => !inYes(e)));
    replace.set(leaf.node, { question: q, yes: yes.node, no: no.node });
    leaves.splice(i, 1, yes, no);
  }
  leaves.forEach((l, pdf) => (l.node.leaf = pdf));
  const resolve = (n: Node): Node => {
    const r = replace.get(n);
    if (!r) return n;
    const split = r as { question: Question; yes: Node; no: Node };
    return { question: split.question, yes: resolve(split.yes), no: resolve(split.no) };
  };
  return { numPhones, statesPerPhone, roots: roots.map(resolve), numLeaves: leaves.length };
}

/** The pdf of a context-dependent state by walking its phone's tree (left/right may be numPhones for the edge). */
export function treePdf(tree: Tree, left: number, phone: number, right: number, state: number): number {
  let n = tree.roots[phone];
  while (!("leaf" in n)) {
    n = n.question.set.includes(n.question.on === "left" ? left : n.question.on === "right" ? right : state)
      ? n.yes
      : n.no;
  }
  return n.leaf;
}

/** Where (phone, left, right, state) sits in a pdf table; contexts run over 0..numPhones, numPhones being the edge. */
export function tableIndex(
  numPhones: number,
  phone: number,
  left: number,
  right: number,
  state: number,
): number {
  const C = numPhones + 1;
  return ((phone * C + left) * C + right) * STATES_PER_PHONE + state;
}

/** The left and right context of position j of a transcript (numPhones at the utterance's edges). */
export function phoneContext(transcript: ArrayLike<number>, j: number, numPhones: number): [number, number] {
  return [j > 0 ? transcript[j - 1] : numPhones, j + 1 < transcript.length ? transcript[j + 1] : numPhones];
}

/** Every (phone, left, right, state) -> pdf, with the edge as context numPhones: fast lookups, easy to send to workers. */
export function pdfTable(tree: Tree): Int32Array {
  const P = tree.numPhones, C = P + 1, S = tree.statesPerPhone;
  if (S !== STATES_PER_PHONE) {
    throw new Error(`pdf tables hold ${STATES_PER_PHONE}-state phones, the tree has ${S}`);
  }
  const table = new Int32Array(P * C * C * S);
  for (let p = 0; p < P; p++) {
    for (let l = 0; l < C; l++) {
      for (let r = 0; r < C; r++) {
        for (let k = 0; k < S; k++) table[tableIndex(P, p, l, r, k)] = treePdf(tree, l, p, r, k);
      }
    }
  }
  return table;
}
