// Pipeline: the tri3 system's outputs for the DNN stage (Kaldi's align_fmllr.sh): senone alignments, priors, fMLLR features.
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { CmvnStats } from "../features/cmvn.ts";
import { AcousticModel } from "../gmm/am.ts";
import { framePdfs } from "../gmm/handlers.ts";
import { align } from "../gmm/requests.ts";
import type { SatConfig } from "../gmm/sat.ts";
import { Topology } from "../hmm/topology.ts";
import { pdfTable } from "../hmm/tree.ts";
import { ArkWriter, readArk } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";
import { mat } from "../linalg/matrix.ts";
import { featureMatrix } from "../linalg/feature_matrix.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { utterancePool } from "./pool.ts";
import { fingerprint, runStage, type Stage } from "./stage.ts";

/** The splits aligned to their references (the others get features only). */
const ALIGNED = new Set<Split>(["train", "dev"]);
const DATA_FILES = ["text", "utt2spk", "spk2utt", "spk2gender", "wav.scp"];

/** The input feature dirs of a stage's key: each split's feats.scp and text. */
const splitFingerprints = (featDirs: Record<Split, string>) =>
  Object.fromEntries(
    SPLITS.map((s) => [s, fingerprint(join(featDirs[s], "feats.scp"), join(featDirs[s], "text"))]),
  );

/** The stage key of tri3_ali: tri3's hash and the MFCC features. */
export const satAlignmentsKey = (featDirs: Record<Split, string>, tri3Hash: string) => ({
  stage: "tri3_ali",
  tri3: tri3Hash,
  feats: splitFingerprints(featDirs),
});

export interface AlignmentSummary {
  numPdfs: number;
  frames: Record<Split, number>;
  failed: Record<"train" | "dev", string[]>;
  seconds: number;
}

/**
 * Re-aligns train and dev (reference transcripts) with the final tri3 model on their fMLLR features (train: the SAT
 * transforms; dev, test and extra: the transforms of the two-pass decode), and writes into `dir`:
 * ali.{train,dev}.ark/.scp (senone ids per frame), states.{train,dev}.ark (hmm states, phone * 3 + state),
 * pdf_counts (senone counts over train, Kaldi's analyze-counts layout, for the priors), num_pdfs, final.mdl.json
 * (topology, tree, LDA+MLLT transform), trans.<split>.ark, and feats/<split>: Kaldi data dirs with the 40-dim
 * fMLLR features; cmvn_global.ark holds their global statistics over train.
 */
export function runSatAlignments(
  featDirs: Record<Split, string>,
  tri3: Stage<unknown>,
  dir: string,
  jobs = navigator.hardwareConcurrency,
): Promise<Stage<AlignmentSummary>> {
  const config = tri3.key.config as SatConfig, tri3Dir = tri3.dir;
  return runStage(dir, satAlignmentsKey(featDirs, tri3.hash), async (out) => {
    const t0 = performance.now();
    const final = JSON.parse(Deno.readTextFileSync(join(tri3Dir, "final.mdl.json")));
    const topology = Topology.fromJSON(final.topology), model = AcousticModel.fromJSON(final.am);
    const table = pdfTable(final.tree), P = topology.phones.length;
    const transform = featureMatrix(
      final.transform.rows,
      final.transform.cols,
      Float32Array.from(final.transform.data),
    );
    const pool = utterancePool(jobs);
    const summary: AlignmentSummary = {
      numPdfs: model.numPdfs,
      frames: { train: 0, dev: 0, test: 0, extra: 0 },
      failed: { train: [], dev: [] },
      seconds: 0,
    };
    try {
      const cmvn = new CmvnStats(model.dim);
      for (const s of SPLITS) {
        const data = readDataDir(featDirs[s]), keys = [...data.text.keys()];
        console.error(`[tri3_ali] ${s}: fMLLR features${ALIGNED.has(s) ? " and alignments with tri3" : ""}`);
        const transcripts = keys.map((k) => Int32Array.from(data.text.get(k)!, (p) => topology.phoneId(p)));
        await pool.load(s, featDirs[s], keys, ALIGNED.has(s) ? transcripts : null, {
          kind: "splice",
          context: final.spliceContext,
        });
        await pool.setTransform(s, transform);
        const trans = new Map(
          [...readArk(join(tri3Dir, `trans.${s}.ark`), "matrix")].map(([spk, w]) => [
            spk,
            mat(w.rows, w.cols, Float64Array.from(w.data)),
          ]),
        );
        await pool.setSpeakerTransforms(s, trans);
        copyFileSync(join(tri3Dir, `trans.${s}.ark`), join(out, `trans.${s}.ark`));

        summary.frames[s] = await writeFeatures(pool, s, featDirs[s], keys, out, s === "train" ? cmvn : null);
        if (!ALIGNED.has(s)) continue;

        const aligned = await align(
          pool,
          s,
          model,
          { selfLog: topology.selfLog, leaveLog: topology.leaveLog },
          {
            pdfTable: table,
            acousticScale: config.alignAcousticScale,
            beam: config.beam,
            retryBeam: config.retryBeam,
          },
        );
        summary.failed[s as "train" | "dev"] = aligned.failed;
        const states = new ArkWriter(join(out, `states.${s}.ark`), "ints");
        const pdfs = new ArkWriter(join(out, `ali.${s}.ark`), "ints", { scp: join(out, `ali.${s}.scp`) });
        const counts = new Float64Array(model.numPdfs);
        const alignments = await pool.alignments(s);
        keys.forEach((k, i) => {
          const a = alignments.get(k);
          if (!a) return;
          const senones = framePdfs(a, transcripts[i], table, P);
          states.write(k, a);
          pdfs.write(k, senones);
          for (const p of senones) counts[p]++;
        });
        states.close();
        pdfs.close();
        if (s === "train") writeFileAtomic(join(out, "pdf_counts"), `[ ${counts.join(" ")} ]\n`);
      }
      writeGlobalCmvn(out, cmvn);
      writeFileAtomic(join(out, "num_pdfs"), `${model.numPdfs}\n`);
      copyFileSync(join(tri3Dir, "final.mdl.json"), join(out, "final.mdl.json"));
      summary.seconds = (performance.now() - t0) / 1000;
      return summary;
    } finally {
      pool.close();
    }
  });
}

/** A split's features as the pool computes them into <out>/feats/<split>/ (a Kaldi data dir); returns the frames. */
async function writeFeatures(
  pool: ReturnType<typeof utterancePool>,
  s: Split,
  from: string,
  keys: string[],
  out: string,
  cmvn: CmvnStats | null,
): Promise<number> {
  const featDir = join(out, "feats", s);
  Deno.mkdirSync(featDir, { recursive: true });
  for (const f of DATA_FILES) copyFileSync(join(from, f), join(featDir, f));
  const ark = new ArkWriter(join(featDir, "feats.ark"), "matrix", { scp: join(featDir, "feats.scp") });
  const byKey = new Map(await pool.features(s));
  let frames = 0;
  for (const k of keys) {
    const x = byKey.get(k)!;
    ark.write(k, x);
    frames += x.rows;
    cmvn?.add(x);
  }
  ark.close();
  return frames;
}

function writeGlobalCmvn(out: string, cmvn: CmvnStats) {
  const global = new ArkWriter(join(out, "cmvn_global.ark"), "matrix");
  global.write("global", cmvn.toMatrix());
  global.close();
}

/** What the DNN stage reads from an alignment dir beside its features. */
const ALIGNMENT_FILES = [
  "ali.train.ark",
  "ali.train.scp",
  "ali.dev.ark",
  "ali.dev.scp",
  "pdf_counts",
  "num_pdfs",
];

/**
 * tri3_ali's layout with speaker-independent features: the LDA+MLLT features tri3 was trained on (its transform
 * on spliced MFCC, no fMLLR) in feats/<split> with their global CMVN over train, and tri3_ali's
 * alignments, priors and model copied, so that a DNN stage reads it as it reads tri3_ali (the input-feature
 * ablation).
 */
export function runSpeakerIndependentFeatures(
  featDirs: Record<Split, string>,
  ali: Stage<AlignmentSummary>,
  dir: string,
  jobs = navigator.hardwareConcurrency,
): Promise<Stage<AlignmentSummary>> {
  const feats = splitFingerprints(featDirs);
  return runStage(dir, { stage: "si_feats", ali: ali.hash, feats }, async (out) => {
    const t0 = performance.now();
    const final = JSON.parse(Deno.readTextFileSync(join(ali.dir, "final.mdl.json")));
    const transform = featureMatrix(
      final.transform.rows,
      final.transform.cols,
      Float32Array.from(final.transform.data),
    );
    const pool = utterancePool(jobs),
      summary = { ...ali.summary, frames: { train: 0, dev: 0, test: 0, extra: 0 }, seconds: 0 };
    try {
      const cmvn = new CmvnStats(transform.rows);
      for (const s of SPLITS) {
        const keys = [...readDataDir(featDirs[s]).text.keys()];
        console.error(`[si_feats] ${s}: LDA+MLLT features`);
        await pool.load(s, featDirs[s], keys, null, { kind: "splice", context: final.spliceContext });
        await pool.setTransform(s, transform);
        summary.frames[s] = await writeFeatures(pool, s, featDirs[s], keys, out, s === "train" ? cmvn : null);
        await pool.unload(s);
      }
      writeGlobalCmvn(out, cmvn);
      for (const f of [...ALIGNMENT_FILES, "final.mdl.json"]) copyFileSync(join(ali.dir, f), join(out, f));
      summary.seconds = (performance.now() - t0) / 1000;
      return summary;
    } finally {
      pool.close();
    }
  });
}
