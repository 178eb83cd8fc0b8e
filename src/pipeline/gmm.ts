// Pipeline: GMM-HMM systems (train, align, decode dev and test, score) into Kaldi-like exp/ folders; the monophone one.
import { join } from "node:path";
import { map48to39 } from "../corpus/phones.ts";
import type { Split } from "../corpus/timit.ts";
import { contextPhoneLoopGraph, type DecodeGraph, phoneLoopGraph } from "../decode/graph.ts";
import { BigramLm } from "../decode/lm.ts";
import {
  type ErrorCounts,
  errorRate,
  formatCounts,
  scoreHypotheses,
  type ScoreReport,
} from "../decode/score.ts";
import { AcousticModel } from "../gmm/am.ts";
import { MONO_KALDI, trainMono } from "../gmm/mono.ts";
import type { IterationLog, ScheduleConfig } from "../gmm/schedule.ts";
import { GmmPool, type ScoresRef } from "../gmm/pool.ts";
import type { FeatureMode } from "../gmm/jobs.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";
import { STATES_PER_PHONE, Topology } from "../hmm/topology.ts";
import { ArkWriter, readArk } from "../io/ark.ts";
import { trainTri, TRI1_KALDI, type TriConfig } from "../gmm/tri.ts";
import { type LdaMlltConfig, trainLdaMllt, TRI2_KALDI } from "../gmm/lda_mllt.ts";
import { pdfTable } from "../hmm/tree.ts";
import { fmllrOptions, type SatConfig, trainSat, TRI3_KALDI } from "../gmm/sat.ts";
import { readDataDir } from "../io/datadir.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { fingerprint, runStage } from "./stage.ts";

export interface DecodeConfig {
  /**
   * Searched on dev, coordinate-wise: acoustic scales (ascending) with the first insertion penalty, walking from
   * the middle of the list towards the better neighbour until neither neighbour is better; then the other
   * penalties at the best scale. The best pair decodes test.
   */
  acousticScales: number[];
  insertionPenalties: number[];
  beam: number;
}

export const DECODE_DEFAULTS: DecodeConfig = {
  acousticScales: [0.06, 0.08, 0.1, 0.13, 0.17, 0.22, 0.3, 0.4, 0.5],
  insertionPenalties: [0, -4, -2, 2],
  beam: 15,
};

/** Two-pass decoding with speaker transforms estimated from hypotheses (Kaldi's decode_fmllr.sh). */
export interface SpeakerAdaptation {
  /** Speaker-independent first-pass hypotheses (48 phones) of dev and test. */
  firstPass: Record<"dev" | "test", Map<string, string[]>>;
  /**
   * Aligns a loaded set to hypotheses, estimates its speakers' transforms and installs them; pass 1 starts from the
   * first-pass hypotheses, pass 2 from the adapted system's own. Returns a line for the log.
   */
  adapt: (set: "dev" | "test", hyps: Map<string, string[]>, pass: 1 | 2) => Promise<string>;
}

export interface SystemResult {
  dev: ScoreReport;
  test: ScoreReport;
  /** With speaker adaptation: the error counts with the transforms of pass 1 only, at the same setting. */
  firstEstimate?: { dev: ErrorCounts; test: ErrorCounts };
  acousticScale: number;
  insertionPenalty: number;
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
  hyps: Record<"dev" | "test", Map<string, string[]>>;
}

const to39 = (m: Map<string, readonly string[]>) => new Map([...m].map(([k, v]) => [k, map48to39(v)]));

/**
 * Decodes dev over the grid, picks the best setting on dev only, decodes test with it, scores both on 39 phones.
 * With speaker adaptation, dev and test are first adapted to the first-pass hypotheses; after the search each is
 * adapted again to its own best hypotheses and decoded once more at the chosen setting.
 */
export async function decodeAndScore(
  pool: GmmPool,
  model: AcousticModel | ScoresRef,
  topology: Topology,
  graphFor: (insertionPenalty: number) => DecodeGraph,
  refs: Record<"dev" | "test", Map<string, string[]>>,
  utt2spk: Record<"dev" | "test", Map<string, string>>,
  d: DecodeConfig,
  adaptation?: SpeakerAdaptation,
  log: (line: string) => void = () => {},
): Promise<SystemResult> {
  const asPhones = (m: Map<string, Int32Array | null>, set: string) =>
    new Map([...m].map(([k, v]) => {
      if (!v) throw new Error(`decoding ${set}: no path survived the beam for '${k}'`);
      return [k, [...v].map((p) => topology.phones[p])];
    }));
  const graphs = new Map(d.insertionPenalties.map((p) => [p, graphFor(p)]));
  const devGrid: SystemResult["devGrid"] = [];
  const hypsAt = new Map<string, Map<string, string[]>>();
  let best = { penalty: 0, scale: 0, per: Infinity };
  const tryOnDev = async (penalties: number[], scales: number[]) => {
    const out = await pool.decode("dev", model, penalties.map((p) => graphs.get(p)!), scales, d.beam);
    penalties.forEach((penalty, g) =>
      scales.forEach((scale, s) => {
        const hyps = asPhones(out[g][s], "dev");
        const per = errorRate(scoreHypotheses(to39(refs.dev), to39(hyps), utt2spk.dev).total);
        devGrid.push({ acousticScale: scale, insertionPenalty: penalty, per });
        hypsAt.set(`${penalty} ${scale}`, hyps);
        if (per < best.per) best = { penalty, scale, per };
      })
    );
  };
  if (adaptation) {
    for (const set of ["dev", "test"] as const) {
      log(await adaptation.adapt(set, adaptation.firstPass[set], 1));
    }
  }
  // coordinate search on dev: a walk over the acoustic scales at the first penalty (PER against the scale is
  // unimodal in practice; every scale of the list is still reachable), then every penalty at the best scale
  const scales = [...d.acousticScales].sort((a, b) => a - b), tried = new Set<number>();
  let at = Math.floor((scales.length - 1) / 2);
  for (;;) {
    const next = [at - 1, at, at + 1].filter((i) => i >= 0 && i < scales.length && !tried.has(i));
    if (!next.length) break;
    next.forEach((i) => tried.add(i));
    await tryOnDev([d.insertionPenalties[0]], next.map((i) => scales[i]));
    const bestAt = scales.indexOf(best.scale);
    if (bestAt === at) break;
    at = bestAt;
  }
  if (d.insertionPenalties.length > 1) await tryOnDev(d.insertionPenalties.slice(1), [best.scale]);
  const decodeBest = async (set: "dev" | "test") =>
    asPhones((await pool.decode(set, model, [graphs.get(best.penalty)!], [best.scale], d.beam))[0][0], set);
  const score = (set: "dev" | "test", hyps: Map<string, string[]>) =>
    scoreHypotheses(to39(refs[set]), to39(hyps), utt2spk[set]);
  let devHyps = hypsAt.get(`${best.penalty} ${best.scale}`)!, testHyps = await decodeBest("test");
  let firstEstimate: SystemResult["firstEstimate"];
  if (adaptation) {
    firstEstimate = { dev: score("dev", devHyps).total, test: score("test", testHyps).total };
    log(await adaptation.adapt("dev", devHyps, 2));
    log(await adaptation.adapt("test", testHyps, 2));
    devHyps = await decodeBest("dev");
    testHyps = await decodeBest("test");
  }
  return {
    dev: score("dev", devHyps),
    test: score("test", testHyps),
    firstEstimate,
    acousticScale: best.scale,
    insertionPenalty: best.penalty,
    devGrid,
    hyps: { dev: devHyps, test: testHyps },
  };
}

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

/** What a GMM stage records in results.json. */
export interface GmmStageSummary {
  dev: ErrorCounts;
  test: ErrorCounts;
  firstEstimate?: { dev: ErrorCounts; test: ErrorCounts };
  acousticScale: number;
  insertionPenalty: number;
  devGrid: { acousticScale: number; insertionPenalty: number; per: number }[];
  perplexity: number;
  gaussians: number;
  trainSeconds: number;
  decodeSeconds: number;
  failedAlignments: string[];
}

/** What a GMM system brings to the shared stage: how to train it on the loaded train set, and its decoding graph. */
export interface GmmSystem {
  /** e.g. "mono", "tri1": the log prefix. */
  name: string;
  /** First lines of RESULTS.md after the command. */
  describe: (s: GmmStageSummary) => string[];
  /** How the workers make its features. */
  features: FeatureMode;
  train: (
    pool: GmmPool,
    topology: Topology,
    log: (line: string) => void,
  ) => Promise<
    {
      model: AcousticModel;
      graphFor: (lm: BigramLm) => (penalty: number) => DecodeGraph;
      failed: string[];
      /** The feature transform the model expects (spliced features only), applied to dev and test too. */
      transform?: FeatureMatrix;
      /** Speaker-adapted systems: how dev and test get their speakers' transforms. */
      adaptation?: SpeakerAdaptation;
      extra?: Record<string, unknown>;
    }
  >;
}

export function iterationLine(l: IterationLog): string {
  return `iter ${l.iter}${l.realigned ? " (aligned)" : ""}: ${l.gaussians} Gaussians, log-likelihood/frame ${
    l.loglikPerFrame.toFixed(3)
  }` +
    `${l.failed ? `, ${l.failed} failed` : ""}${l.retried ? `, ${l.retried} retried` : ""}, ${
      l.seconds.toFixed(1)
    } s`;
}

/**
 * The shared GMM stage: loads the train set (features + deltas, phone transcripts) into a worker pool, trains the
 * system, writes ali.train.ark and final.mdl.json, decodes dev over the grid and test at the dev-best setting,
 * writes hypotheses, scoring details, results.json and RESULTS.md. Reused when its key matches.
 */
export async function runGmmSystem(
  featDirs: Record<Split, string>,
  dir: string,
  command: string,
  key: Record<string, unknown>,
  system: GmmSystem,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
): Promise<GmmStageSummary & { dir: string }> {
  const feats = Object.fromEntries(
    Object.entries(featDirs).map((
      [s, d],
    ) => [s, fingerprint(join(d, "feats.scp"), join(d, "cmvn.scp"), join(d, "text"))]),
  );
  await runStage(dir, { ...key, decodeConfig, feats }, async (out) => {
    const data = Object.fromEntries(
      (["train", "dev", "test"] as const).map((s) => [s, readDataDir(featDirs[s])]),
    ) as Record<Split, ReturnType<typeof readDataDir>>;
    const topology = new Topology();
    const pool = new GmmPool(jobs);
    try {
      const trainKeys = [...data.train.text.keys()];
      const transcripts = trainKeys.map((k) =>
        Int32Array.from(data.train.text.get(k)!, (p) => topology.phoneId(p))
      );
      const t0 = performance.now();
      await pool.load("train", featDirs.train, trainKeys, transcripts, system.features);
      const logLines: string[] = [];
      const log = (line: string) => {
        logLines.push(line);
        console.error(`[${system.name}] ${line}`);
      };
      const trained = await system.train(pool, topology, log);
      const trainSeconds = (performance.now() - t0) / 1000;
      const ali = new ArkWriter(join(out, "ali.train.ark"), "ints", { scp: join(out, "ali.train.scp") });
      for (const [k, a] of await pool.alignments("train")) if (a) ali.write(k, a);
      ali.close();
      writeFileAtomic(
        join(out, "final.mdl.json"),
        JSON.stringify({ topology: topology.toJSON(), am: trained.model.toJSON(), ...trained.extra }) + "\n",
      );

      const lm = new BigramLm(topology.phones, [...data.train.text.values()]);
      const perplexity = lm.perplexity([...data.dev.text.values()]);
      const t1 = performance.now();
      for (const s of ["dev", "test"] as const) {
        await pool.load(s, featDirs[s], [...data[s].text.keys()], null, system.features);
        if (trained.transform) await pool.setTransform(s, trained.transform);
      }
      const result = await decodeAndScore(
        pool,
        trained.model,
        topology,
        trained.graphFor(lm),
        { dev: data.dev.text, test: data.test.text },
        { dev: data.dev.utt2spk, test: data.test.utt2spk },
        decodeConfig,
        trained.adaptation,
        log,
      );
      const decodeSeconds = (performance.now() - t1) / 1000;
      if (trained.adaptation) {
        for (const s of ["train", "dev", "test"] as const) {
          const trans = new ArkWriter(join(out, `trans.${s}.ark`), "matrix");
          for (const [spk, w] of await pool.speakerTransforms(s)) {
            trans.write(spk, featureMatrix(w.rows, w.cols, Float32Array.from(w.data)));
          }
          trans.close();
        }
      }
      for (const s of ["dev", "test"] as const) {
        writeHyps(join(out, `decode_${s}`, "hyp.txt"), result.hyps[s]);
        writeFileAtomic(join(out, `decode_${s}`, "scoring.txt"), scoringDetail(result[s]));
      }
      writeFileAtomic(join(out, "log.txt"), logLines.join("\n") + "\n");
      const summary: GmmStageSummary = {
        dev: result.dev.total,
        test: result.test.total,
        firstEstimate: result.firstEstimate,
        acousticScale: result.acousticScale,
        insertionPenalty: result.insertionPenalty,
        devGrid: result.devGrid,
        perplexity,
        gaussians: trained.model.numGaussians,
        trainSeconds,
        decodeSeconds,
        failedAlignments: trained.failed,
      };
      writeFileAtomic(join(out, "results.json"), JSON.stringify(summary, null, 2) + "\n");
      writeFileAtomic(join(out, "RESULTS.md"), gmmResults(command, summary, system.describe(summary)));
    } finally {
      pool.close();
    }
  });
  const summary: GmmStageSummary = JSON.parse(Deno.readTextFileSync(join(dir, "results.json")));
  return { dir, ...summary };
}

/** The monophone system (Kaldi's train_mono.sh). */
export function runMono(
  featDirs: Record<Split, string>,
  dir: string,
  command: string,
  config: ScheduleConfig = MONO_KALDI,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
) {
  return runGmmSystem(
    featDirs,
    dir,
    command,
    { stage: "mono", config },
    {
      name: "mono",
      features: { kind: "deltas" },
      describe: (s) => [
        `Monophone GMM-HMM (${s.gaussians} Gaussians; ${config.numIters} iterations, ${config.realignIters.length} realignments, as Kaldi's train_mono.sh),`,
        "MFCC + deltas + delta-deltas with per-speaker CMN, phone bigram LM (Witten-Bell) from the training transcripts.",
      ],
      async train(pool, topology, log) {
        const global = await pool.trainStatistics();
        const trained = await trainMono(pool, topology, global, config, (l) => log(iterationLine(l)));
        return {
          model: trained.model,
          failed: trained.failed,
          graphFor: (lm) => (penalty) =>
            phoneLoopGraph(topology, (ph, k) => ph * STATES_PER_PHONE + k, lm, penalty),
        };
      },
    },
    decodeConfig,
    jobs,
  );
}

function gmmResults(command: string, s: GmmStageSummary, description: string[]): string {
  const penalties = [...new Set(s.devGrid.map((g) => g.insertionPenalty))].sort((a, b) => a - b);
  return [
    `# ${command}`,
    "",
    ...description,
    `Dev perplexity of the LM: ${
      s.perplexity.toFixed(2)
    }. Scored on 39 phones (48 -> 39 for reference and hypothesis).`,
    `Acoustic scale and phone insertion penalty chosen on dev (${s.acousticScale}, ${s.insertionPenalty}), then applied to test; never tuned on test.`,
    "",
    `dev:  ${formatCounts(s.dev)}`,
    `test: ${formatCounts(s.test)}`,
    ...(s.firstEstimate
      ? [
        "",
        "With the speaker transforms of the first estimate only (from the speaker-independent first pass):",
        `dev:  ${formatCounts(s.firstEstimate.dev)}`,
        `test: ${formatCounts(s.firstEstimate.test)}`,
      ]
      : []),
    "",
    `Training ${s.trainSeconds.toFixed(0)} s, decoding (dev search + test) ${s.decodeSeconds.toFixed(0)} s.`,
    s.failedAlignments.length
      ? `Alignment failed for ${s.failedAlignments.length} utterances: ${s.failedAlignments.join(" ")}`
      : "No alignment failed.",
    "",
    "Dev search (%PER; scales walked from the middle of the list at penalty 0, then every penalty at the best scale):",
    "",
    "| acoustic scale | " + penalties.map((p) => `penalty ${p}`).join(" | ") + " |",
    "| --- | " + penalties.map(() => "---").join(" | ") + " |",
    ...[...new Set(s.devGrid.map((g) => g.acousticScale))].sort((a, b) => a - b).map((a) =>
      `| ${a} | ` +
      penalties.map((p) =>
        s.devGrid.find((g) => g.acousticScale === a && g.insertionPenalty === p)?.per.toFixed(2) ?? ""
      ).join(" | ") +
      " |"
    ),
    "",
  ].join("\n");
}

/** The stage hash of a finished system, for the key of the system trained from it. */
const stageHash = (dir: string): string => JSON.parse(Deno.readTextFileSync(join(dir, "stage.json"))).hash;

/**
 * Starts a system from a finished one: its transition probabilities and its training alignments go into the pool;
 * returns its final.mdl.json.
 */
async function continueFrom(
  previousDir: string,
  pool: GmmPool,
  topology: Topology,
  log: (line: string) => void,
) {
  const previous = JSON.parse(Deno.readTextFileSync(join(previousDir, "final.mdl.json")));
  const start = Topology.fromJSON(previous.topology);
  topology.selfLog.set(start.selfLog);
  topology.leaveLog.set(start.leaveLog);
  const missing = await pool.setAlignments(
    "train",
    new Map(readArk(join(previousDir, "ali.train.ark"), "ints")),
  );
  if (missing) {
    log(
      `${missing} training utterances have no alignment in ${previousDir} and wait for the first realignment`,
    );
  }
  return previous;
}

/** Triphones on deltas from the monophone alignments (Kaldi's train_deltas.sh: tri1). */
export function runTri1(
  featDirs: Record<Split, string>,
  monoDir: string,
  dir: string,
  command: string,
  config: TriConfig = TRI1_KALDI,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
) {
  const mono = stageHash(monoDir);
  return runGmmSystem(
    featDirs,
    dir,
    command,
    { stage: "tri1", config, mono },
    {
      name: "tri1",
      features: { kind: "deltas" },
      describe: (s) => [
        `Triphone GMM-HMM (${config.numLeaves} leaves target, ${s.gaussians} Gaussians; ${config.numIters} iterations, realigned at ${
          config.realignIters.join(", ")
        }, as Kaldi's train_deltas.sh),`,
        "tree built from the monophone alignments with questions from phone clustering; MFCC + deltas + delta-deltas with",
        "per-speaker CMN; decoded over a triphone phone loop (copies per left/right context class) under the phone bigram.",
      ],
      async train(pool, topology, log) {
        await continueFrom(monoDir, pool, topology, log);
        const trained = await trainTri(
          pool,
          topology,
          config,
          (l) => log(typeof l === "string" ? l : iterationLine(l)),
        );
        return {
          model: trained.model,
          failed: trained.failed,
          graphFor: (lm) => (penalty) => contextPhoneLoopGraph(topology, trained.table, lm, penalty),
          extra: { tree: trained.tree },
        };
      },
    },
    decodeConfig,
    jobs,
  );
}

/** LDA+MLLT triphones from the tri1 alignments (Kaldi's train_lda_mllt.sh: tri2). */
export function runTri2(
  featDirs: Record<Split, string>,
  tri1Dir: string,
  dir: string,
  command: string,
  config: LdaMlltConfig = TRI2_KALDI,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
) {
  const tri1 = stageHash(tri1Dir);
  return runGmmSystem(
    featDirs,
    dir,
    command,
    { stage: "tri2", config, tri1 },
    {
      name: "tri2",
      features: { kind: "splice", context: config.spliceContext },
      describe: (s) => [
        `LDA+MLLT triphone GMM-HMM (${config.numLeaves} leaves target, ${s.gaussians} Gaussians; ${config.numIters} iterations, realigned at ${
          config.realignIters.join(", ")
        }, MLLT after ${config.mlltIters.join(", ")}, as Kaldi's train_lda_mllt.sh):`,
        `13 MFCCs with per-speaker CMN spliced ±${config.spliceContext}, LDA to ${config.ldaDim} dims with the tri1 pdfs as classes, MLLT;`,
        "a new tree on the LDA features from the tri1 alignments; decoded over the triphone phone loop under the phone bigram.",
      ],
      async train(pool, topology, log) {
        const previous = await continueFrom(tri1Dir, pool, topology, log);
        const trained = await trainLdaMllt(
          pool,
          topology,
          pdfTable(previous.tree),
          config,
          (l) => log(typeof l === "string" ? l : iterationLine(l)),
        );
        return {
          model: trained.model,
          failed: trained.failed,
          transform: trained.transform,
          graphFor: (lm) => (penalty) => contextPhoneLoopGraph(topology, trained.table, lm, penalty),
          extra: {
            tree: trained.tree,
            transform: {
              rows: trained.transform.rows,
              cols: trained.transform.cols,
              data: [...trained.transform.data],
            },
          },
        };
      },
    },
    decodeConfig,
    jobs,
  );
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
 * Speaker-adaptive training on the tri2 features from the tri2 alignments (Kaldi's train_sat.sh: tri3), decoded in
 * two passes: transforms from the tri2 hypotheses (aligned with tri2), the dev search, then transforms re-estimated
 * from the adapted hypotheses (Kaldi's decode_fmllr.sh). Writes trans.{train,dev,test}.ark.
 */
export function runTri3(
  featDirs: Record<Split, string>,
  tri2Dir: string,
  dir: string,
  command: string,
  config: SatConfig = TRI3_KALDI,
  decodeConfig: DecodeConfig = DECODE_DEFAULTS,
  jobs = navigator.hardwareConcurrency,
) {
  const tri2 = stageHash(tri2Dir);
  const tri2Config: LdaMlltConfig = JSON.parse(Deno.readTextFileSync(join(tri2Dir, "stage.json"))).key.config;
  return runGmmSystem(
    featDirs,
    dir,
    command,
    { stage: "tri3", config, tri2 },
    {
      name: "tri3",
      features: { kind: "splice", context: tri2Config.spliceContext },
      describe: (s) => [
        `Speaker-adaptive triphone GMM-HMM (${config.numLeaves} leaves target, ${s.gaussians} Gaussians; ${config.numIters} iterations, realigned at ${
          config.realignIters.join(", ")
        }, fMLLR after ${config.fmllrIters.join(", ")}, as Kaldi's train_sat.sh):`,
        "the tri2 LDA+MLLT features through a full 40 x 41 fMLLR transform per speaker (Gales' row update, silence",
        `weight ${config.trainSilenceWeight} in training); a new tree on the adapted features from the tri2 alignments.`,
        "Dev and test decoded in two passes as Kaldi's decode_fmllr.sh: transforms from the tri2 hypotheses (aligned with",
        `tri2, silence weight ${config.decodeSilenceWeight}), the dev search, then re-estimated from this system's own best hypotheses.`,
      ],
      async train(pool, topology, log) {
        const previous = await continueFrom(tri2Dir, pool, topology, log);
        const { selfLog, leaveLog } = Topology.fromJSON(previous.topology),
          tri2Transitions = { selfLog, leaveLog };
        const tri2Model = AcousticModel.fromJSON(previous.am), tri2Table = pdfTable(previous.tree);
        const transform = featureMatrix(
          previous.transform.rows,
          previous.transform.cols,
          Float32Array.from(previous.transform.data),
        );
        await pool.setTransform("train", transform);
        const trained = await trainSat(
          pool,
          topology,
          { model: tri2Model, table: tri2Table },
          config,
          (l) => log(typeof l === "string" ? l : iterationLine(l)),
        );
        const align = {
          acousticScale: config.alignAcousticScale,
          beam: config.beam,
          retryBeam: config.retryBeam,
        };
        const adaptation: SpeakerAdaptation = {
          firstPass: {
            dev: readHyps(join(tri2Dir, "decode_dev", "hyp.txt")),
            test: readHyps(join(tri2Dir, "decode_test", "hyp.txt")),
          },
          async adapt(set, hyps, pass) {
            await pool.setTranscripts(
              set,
              new Map(
                [...hyps].map(([k, phones]) => [k, Int32Array.from(phones, (p) => topology.phoneId(p))]),
              ),
            );
            const aligned = pass === 1
              ? await pool.align(set, tri2Model, tri2Transitions, { ...align, pdfTable: tri2Table })
              : await pool.align(set, trained.model, {
                selfLog: topology.selfLog,
                leaveLog: topology.leaveLog,
              }, { ...align, pdfTable: trained.table });
            const r = await pool.estimateFmllr(
              set,
              trained.model,
              topology.phones.length,
              fmllrOptions(config, topology, trained.table, "decode"),
            );
            return `fMLLR ${set}, pass ${pass} (hypotheses aligned with ${pass === 1 ? "tri2" : "tri3"}${
              aligned.failed.length ? `, ${aligned.failed.length} failed` : ""
            }): ${r.speakers} speakers, objective improvement ${
              (r.improvement / r.frames).toFixed(3)
            } per frame${r.skipped.length ? `; too little data: ${r.skipped.join(" ")}` : ""}`;
          },
        };
        return {
          model: trained.model,
          failed: trained.failed,
          transform,
          adaptation,
          graphFor: (lm) => (penalty) => contextPhoneLoopGraph(topology, trained.table, lm, penalty),
          extra: {
            tree: trained.tree,
            transform: previous.transform,
            spliceContext: tri2Config.spliceContext,
          },
        };
      },
    },
    decodeConfig,
    jobs,
  );
}

/** The GMM ladder as one Markdown table: PER and times per system, as a Kaldi recipe's top-level RESULTS. */
export function ladderTable(systems: { name: string; result: GmmStageSummary }[], extraRows: string[] = []) {
  const pct = (c: ErrorCounts) => errorRate(c).toFixed(2);
  return [
    "| system | dev %PER | test %PER | Gaussians | train s | decode s |",
    "| --- | --- | --- | --- | --- | --- |",
    ...systems.map(({ name, result: r }) =>
      `| ${name} | ${pct(r.dev)} | ${pct(r.test)} | ${r.gaussians} | ${r.trainSeconds.toFixed(0)} | ${
        r.decodeSeconds.toFixed(0)
      } |`
    ),
    ...extraRows,
  ].join("\n");
}
