// Hybrid DNN-HMM decoding shared by every DNN stage: scaled likelihoods from a network, tri3's tree and the phone bigram, dev-tuned, scored, tested.
import { type Split, SPLITS } from "../corpus/timit.ts";
import * as tf from "@tensorflow/tfjs-core";
import { join } from "node:path";
import { map48to39 } from "../corpus/phones.ts";
import { contextPhoneLoopGraph } from "../decode/graph.ts";
import { BigramLm } from "../decode/lm.ts";
import { mapsswe } from "../decode/significance.ts";
import { CmvnStats } from "../features/cmvn.ts";
import { Topology } from "../hmm/topology.ts";
import { pdfTable } from "../hmm/tree.ts";
import { readArk, readScp } from "../io/ark.ts";
import { type DataDir, readDataDir } from "../io/datadir.ts";
import { FrameSet, minibatches } from "../nnet/data.ts";
import type { Network } from "../nnet/network.ts";
import { readHyps, writeDecodes } from "../decode/hyps.ts";
import {
  decodeAndScore,
  type DecodeConfig,
  type EvalSplit,
  perSet,
  type SystemResult,
} from "../decode/search.ts";
import { utterancePool } from "./pool.ts";

/** Log-priors of the senones from alignment counts; senones under the floor get -1e10 (never chosen). */
function logPriors(counts: Float64Array, floor: number): Float32Array {
  const total = counts.reduce((a, b) => a + b, 0);
  return Float32Array.from(counts, (c) => (c / total >= floor && c > 0 ? Math.log(c / total) : 1e10));
}

function readCounts(path: string): Float64Array {
  const text = Deno.readTextFileSync(path).replace(/[[\]]/g, " ").trim();
  const values = text.split(/\s+/).map(Number);
  values.forEach((v, i) => {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${path}: count ${i + 1} ('${v}') is not a count`);
  });
  return Float64Array.from(values);
}

/** What hybrid decoding needs from tri3_ali: features, CMVN, priors, topology, tree, bigram, references. */
export class HybridSetup {
  readonly cmvn: CmvnStats;
  readonly numPdfs: number;
  readonly topology: Topology;
  readonly table: Int32Array;
  readonly lm: BigramLm;
  readonly sets: Record<Split, DataDir>;

  constructor(readonly aliDir: string) {
    const [[, cmvnMatrix]] = [...readArk(join(aliDir, "cmvn_global.ark"), "matrix")];
    this.cmvn = CmvnStats.fromMatrix(cmvnMatrix);
    this.numPdfs = Number(Deno.readTextFileSync(join(aliDir, "num_pdfs")));
    const final = JSON.parse(Deno.readTextFileSync(join(aliDir, "final.mdl.json")));
    this.topology = Topology.fromJSON(final.topology);
    this.table = pdfTable(final.tree);
    this.sets = Object.fromEntries(
      SPLITS.map((s) => [s, readDataDir(join(aliDir, "feats", s))]),
    ) as HybridSetup["sets"];
    this.lm = new BigramLm(this.topology.phones, [...this.sets.train.text.values()]);
  }

  featsScp(split: "train" | EvalSplit) {
    return join(this.aliDir, "feats", split, "feats.scp");
  }

  logPriors(floor: number) {
    return logPriors(readCounts(join(this.aliDir, "pdf_counts")), floor);
  }

  /** The utterances of a split, loaded with global CMVN (and speaker vectors when `speakerOf` is given). */
  load(split: EvalSplit, speakerOf?: (key: string) => Float32Array): FrameSet {
    const keys = readScp(this.featsScp(split)).map((e) => e.key);
    const set = FrameSet.load(this.featsScp(split), keys, this.cmvn);
    if (speakerOf) set.attachSpeakers(speakerOf);
    return set;
  }

  /** The senones of silence ("sil" as the centre phone). */
  silencePdfs(): Set<number> {
    const P = this.topology.phones.length, sil = this.topology.phones.indexOf("sil");
    const per = (P + 1) * (P + 1) * 3, out = new Set<number>();
    if (sil < 0) throw new Error(`${this.aliDir}: the phone set has no 'sil'`);
    for (let i = 0; i < per; i++) out.add(this.table[sil * per + i]);
    return out;
  }
}

/** Every frame's log posteriors through `visit(set, frames, logp)` (rows in the order of `frames`). */
export async function forwardSet(
  net: Network,
  set: FrameSet,
  context: number,
  batchSize: number,
  numPdfs: number,
  visit: (frames: Int32Array, logp: Float32Array) => void,
) {
  for (const b of minibatches(set, context, batchSize, null)) {
    const logp = tf.tidy(() => {
      const n = b.frames.length, x = tf.tensor2d(b.x, [n, b.x.length / n]);
      return net.logPosteriors(x, b.s ? tf.tensor2d(b.s, [n, b.s.length / n]) : undefined);
    });
    if (logp.shape[1] !== numPdfs) {
      throw new Error(`the network has ${logp.shape[1]} outputs, not ${numPdfs}`);
    }
    visit(b.frames, (await logp.data()) as Float32Array);
    logp.dispose();
  }
}

export interface HybridDecodeResult extends SystemResult {
  decodeSeconds: number;
}

export interface HybridDecodeOptions {
  /** Speaker vectors, for speaker-aware nets. */
  speakerOf?: Record<EvalSplit, (key: string) => Float32Array>;
  /** Decode the extra test speakers too. */
  extra: boolean;
  jobs?: number;
  log?: (line: string) => void;
}

/**
 * Forwards each set through `net`, hands the scaled likelihoods (log posterior - log prior) to the decoder workers,
 * searches acoustic scale and penalty on dev, decodes test (and extra) and writes the decodes under `out`.
 */
export async function decodeHybrid(
  net: Network,
  h: HybridSetup,
  c: { context: number; batchSize: number; priorFloor: number },
  decodeConfig: DecodeConfig,
  out: string,
  { speakerOf, extra, jobs = navigator.hardwareConcurrency, log = () => {} }: HybridDecodeOptions,
): Promise<HybridDecodeResult> {
  const t0 = performance.now(), priors = h.logPriors(c.priorFloor), numPdfs = h.numPdfs;
  const pool = utterancePool(jobs), dnnScores = { scoresId: "dnn", numPdfs };
  const sets: EvalSplit[] = extra ? ["dev", "test", "extra"] : ["dev", "test"];
  // one split's scores (frames x senones) at a time: the dev search first, then test
  let scored: EvalSplit | null = null;
  const scoresFor = async (s: EvalSplit) => {
    if (scored === s) return dnnScores;
    if (scored) await pool.unload(scored);
    const set = h.load(s, speakerOf?.[s]);
    const buffer = new SharedArrayBuffer(4 * set.frames * numPdfs), scores = new Float32Array(buffer);
    await forwardSet(
      net,
      set,
      c.context,
      c.batchSize,
      numPdfs,
      (frames, values) =>
        frames.forEach((f, i) => {
          for (let p = 0; p < numPdfs; p++) scores[f * numPdfs + p] = values[i * numPdfs + p] - priors[p];
        }),
    );
    const utterances = set.keys.map((key, i) => ({ key, frames: set.offsets[i + 1] - set.offsets[i] }));
    await pool.setScores(s, dnnScores, utterances, buffer);
    set.free();
    scored = s;
    return dnnScores;
  };
  try {
    const result = await decodeAndScore(
      pool,
      scoresFor,
      h.topology,
      (penalty) => contextPhoneLoopGraph(h.topology, h.table, h.lm, penalty),
      perSet(sets, (s) => h.sets[s].text),
      perSet(sets, (s) => h.sets[s].utt2spk),
      decodeConfig,
      undefined,
      log,
    );
    writeDecodes(out, result, perSet(sets, (s) => h.sets[s].text));
    return { ...result, decodeSeconds: (performance.now() - t0) / 1000 };
  } finally {
    pool.close();
  }
}

export interface Significance {
  /** MAPSSWE on test, 39 phones: z > 0 when this system makes more errors than the other. */
  z: number;
  pValue: number;
}

/** MAPSSWE between two systems' hypotheses (48 phones) against the references, on 39 phones. */
export function significance(
  refs: Map<string, string[]>,
  hypsA: Map<string, string[]>,
  hypsB: Map<string, string[]>,
): Significance {
  const to39 = (m: Map<string, string[]>) => new Map([...m].map(([k, v]) => [k, map48to39(v)]));
  const r = mapsswe(to39(refs), to39(hypsA), to39(hypsB));
  return { z: r.z, pValue: r.pValue };
}

/** The test sets results are reported on: the core test, and the extended test (core test and extra). */
export type TestSet = "test" | "extended";

const testSplits = (set: TestSet) => set === "test" ? ["test"] : ["test", "extra"];

/** A stage folder's hypotheses (decode_<split>/hyp.txt) on a test set. */
export const testHyps = (dir: string, set: TestSet) =>
  new Map(testSplits(set).flatMap((s) => [...readHyps(join(dir, `decode_${s}`, "hyp.txt"))]));

/** The references of a test set from an alignment dir's feats/<split>/text. */
export const testRefs = (aliDir: string, set: TestSet) =>
  new Map(testSplits(set).flatMap((s) => [...readDataDir(join(aliDir, "feats", s)).text]));
