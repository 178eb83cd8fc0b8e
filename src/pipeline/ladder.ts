// Pipeline: the GMM-HMM ladder (mono -> tri1 -> tri2 -> tri3) as data, and the one stage runner that walks it.
import { join } from "node:path";
import { type Split, SPLITS } from "../corpus/timit.ts";
import { contextPhoneLoopGraph, type DecodeGraph, phoneLoopGraph } from "../decode/graph.ts";
import { decodedSets, readHyps, totals, writeDecodes } from "../decode/hyps.ts";
import { BigramLm } from "../decode/lm.ts";
import { type ErrorCounts, errorRate, formatCounts } from "../decode/score.ts";
import {
  DECODE_DEFAULTS,
  decodeAndScore,
  type DecodeConfig,
  type Decoded,
  type EvalSplit,
  extendedLines,
  type PerSet,
  perSet,
  type SpeakerAdaptation,
} from "../decode/search.ts";
import { AcousticModel } from "../gmm/am.ts";
import { type LdaMlltConfig, trainLdaMllt, TRI2_KALDI } from "../gmm/lda_mllt.ts";
import { MONO_KALDI, trainMono } from "../gmm/mono.ts";
import { align, estimateFmllr, scoreWithGmm } from "../gmm/requests.ts";
import { fmllrOptions, type SatConfig, trainSat, TRI3_KALDI } from "../gmm/sat.ts";
import type { IterationLog, ScheduleConfig } from "../gmm/schedule.ts";
import { trainTri, TRI1_KALDI, type TriConfig } from "../gmm/tri.ts";
import { STATES_PER_PHONE, Topology } from "../hmm/topology.ts";
import { pdfTable } from "../hmm/tree.ts";
import { ArkWriter, readArk } from "../io/ark.ts";
import { readDataDir } from "../io/datadir.ts";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";
import type { UtterancePool } from "../utterances/pool.ts";
import type { FeatureMode } from "../utterances/store.ts";
import { writeFileAtomic } from "../util/fs.ts";
import { utterancePool } from "./pool.ts";
import { fingerprint, runStage, type Stage } from "./stage.ts";

/** Every system's training configuration and the dev search they are all decoded with. */
export interface LadderConfig {
  mono: ScheduleConfig;
  tri1: TriConfig;
  tri2: LdaMlltConfig;
  tri3: SatConfig;
  decode: DecodeConfig;
}

/** Kaldi's TIMIT recipe (run.sh with steps/train_mono.sh, train_deltas.sh, train_lda_mllt.sh, train_sat.sh). */
export const LADDER_KALDI: LadderConfig = {
  mono: MONO_KALDI,
  tri1: TRI1_KALDI,
  tri2: TRI2_KALDI,
  tri3: TRI3_KALDI,
  decode: DECODE_DEFAULTS,
};

/** What a GMM stage records in results.json. */
export interface GmmStageSummary extends Decoded {
  firstEstimate?: PerSet<ErrorCounts>;
  perplexity: number;
  gaussians: number;
  trainSeconds: number;
  decodeSeconds: number;
  failedAlignments: string[];
}

export type GmmStage = Stage<GmmStageSummary>;

/** The previous system as a system trained from it sees it: its stage, final.mdl.json and folder. */
interface Previous {
  stage: GmmStage;
  /** final.mdl.json: topology, am, and the tree and feature transform of triphone systems. */
  // deno-lint-ignore no-explicit-any
  model: any;
}

interface Trained {
  model: AcousticModel;
  graphFor: (lm: BigramLm) => (penalty: number) => DecodeGraph;
  failed: string[];
  /** The feature transform the model expects (spliced features only), applied to dev and test too. */
  transform?: FeatureMatrix;
  /** Speaker-adapted systems: how dev and test get their speakers' transforms. */
  adaptation?: SpeakerAdaptation;
  extra?: Record<string, unknown>;
}

/** One rung of the ladder: what it trains from, how the workers make its features, how it trains. */
export type SystemName = keyof Omit<LadderConfig, "decode">;

interface GmmSystem {
  name: SystemName;
  /** The system whose alignments (and transition probabilities) it starts from. */
  parent: SystemName | null;
  features: (c: LadderConfig, previous: Previous | null) => FeatureMode;
  /** First lines of RESULTS.md after the command. */
  describe: (c: LadderConfig, s: GmmStageSummary) => string[];
  train: (
    pool: UtterancePool,
    topology: Topology,
    c: LadderConfig,
    previous: Previous | null,
    log: (line: string) => void,
  ) => Promise<Trained>;
}

function iterationLine(l: IterationLog | string): string {
  if (typeof l === "string") return l;
  return `iter ${l.iter}${l.realigned ? " (aligned)" : ""}: ${l.gaussians} Gaussians, log-likelihood/frame ${
    l.loglikPerFrame.toFixed(3)
  }` +
    `${l.failed ? `, ${l.failed} failed` : ""}${l.retried ? `, ${l.retried} retried` : ""}, ${
      l.seconds.toFixed(1)
    } s`;
}

const asFeatureTransform = (t: { rows: number; cols: number; data: number[] }) =>
  featureMatrix(t.rows, t.cols, Float32Array.from(t.data));

/** The splice context tri2 was trained with (its stage's config), which tri3 builds on. */
const tri2Splice = (tri2: Previous) => (tri2.stage.key.config as LdaMlltConfig).spliceContext;

const triphoneLoop = (topology: Topology, table: Int32Array) => (lm: BigramLm) => (penalty: number) =>
  contextPhoneLoopGraph(topology, table, lm, penalty);

const ladderLine = (c: TriConfig, s: GmmStageSummary, what: string) =>
  `${what} (${c.numLeaves} leaves target, ${s.gaussians} Gaussians; ${c.numIters} iterations, realigned at ${
    c.realignIters.join(", ")
  }`;

/** The ladder, in training order. */
export const LADDER: GmmSystem[] = [
  {
    name: "mono",
    parent: null,
    features: () => ({ kind: "deltas" }),
    describe: ({ mono: c }, s) => [
      `Monophone GMM-HMM (${s.gaussians} Gaussians; ${c.numIters} iterations, ${c.realignIters.length} realignments, as Kaldi's train_mono.sh),`,
      "MFCC + deltas + delta-deltas with per-speaker CMN, phone bigram LM (Witten-Bell) from the training transcripts.",
    ],
    async train(pool, topology, c, _previous, log) {
      const trained = await trainMono(
        pool,
        topology,
        pool.trainStatistics(),
        c.mono,
        (l) => log(iterationLine(l)),
      );
      return {
        model: trained.model,
        failed: trained.failed,
        graphFor: (lm) => (penalty) =>
          phoneLoopGraph(topology, (ph, k) => ph * STATES_PER_PHONE + k, lm, penalty),
      };
    },
  },
  {
    name: "tri1",
    parent: "mono",
    features: () => ({ kind: "deltas" }),
    describe: ({ tri1: c }, s) => [
      `${ladderLine(c, s, "Triphone GMM-HMM")}, as Kaldi's train_deltas.sh),`,
      "tree built from the monophone alignments with questions from phone clustering; MFCC + deltas + delta-deltas with",
      "per-speaker CMN; decoded over a triphone phone loop (copies per left/right context class) under the phone bigram.",
    ],
    async train(pool, topology, c, _previous, log) {
      const trained = await trainTri(pool, topology, c.tri1, (l) => log(iterationLine(l)));
      return {
        model: trained.model,
        failed: trained.failed,
        graphFor: triphoneLoop(topology, trained.table),
        extra: { tree: trained.tree },
      };
    },
  },
  {
    name: "tri2",
    parent: "tri1",
    features: (c) => ({ kind: "splice", context: c.tri2.spliceContext }),
    describe: ({ tri2: c }, s) => [
      `${ladderLine(c, s, "LDA+MLLT triphone GMM-HMM")}, MLLT after ${
        c.mlltIters.join(", ")
      }, as Kaldi's train_lda_mllt.sh):`,
      `13 MFCCs with per-speaker CMN spliced ±${c.spliceContext}, LDA to ${c.ldaDim} dims with the tri1 pdfs as classes, MLLT;`,
      "a new tree on the LDA features from the tri1 alignments; decoded over the triphone phone loop under the phone bigram.",
    ],
    async train(pool, topology, c, previous, log) {
      const trained = await trainLdaMllt(
        pool,
        topology,
        pdfTable(previous!.model.tree),
        c.tri2,
        (l) => log(iterationLine(l)),
      );
      const t = trained.transform;
      return {
        model: trained.model,
        failed: trained.failed,
        transform: t,
        graphFor: triphoneLoop(topology, trained.table),
        extra: { tree: trained.tree, transform: { rows: t.rows, cols: t.cols, data: [...t.data] } },
      };
    },
  },
  {
    name: "tri3",
    parent: "tri2",
    features: (_, previous) => ({ kind: "splice", context: tri2Splice(previous!) }),
    describe: ({ tri3: c }, s) => [
      `${ladderLine(c, s, "Speaker-adaptive triphone GMM-HMM")}, fMLLR after ${
        c.fmllrIters.join(", ")
      }, as Kaldi's train_sat.sh):`,
      "the tri2 LDA+MLLT features through a full 40 x 41 fMLLR transform per speaker (Gales' row update, silence",
      `weight ${c.trainSilenceWeight} in training); a new tree on the adapted features from the tri2 alignments.`,
      "Dev and test decoded in two passes as Kaldi's decode_fmllr.sh: transforms from the tri2 hypotheses (aligned with",
      `tri2, silence weight ${c.decodeSilenceWeight}), the dev search, then re-estimated from this system's own best hypotheses.`,
    ],
    train: trainTri3,
  },
];

/**
 * tri3 (Kaldi's train_sat.sh) on the tri2 features from the tri2 alignments, decoded in two passes: transforms
 * from the tri2 hypotheses (aligned with tri2), the dev search, then transforms re-estimated from the adapted
 * hypotheses (Kaldi's decode_fmllr.sh).
 */
async function trainTri3(
  pool: UtterancePool,
  topology: Topology,
  { tri3: config }: LadderConfig,
  previous: Previous | null,
  log: (line: string) => void,
): Promise<Trained> {
  const tri2 = previous!.model, { selfLog, leaveLog } = Topology.fromJSON(tri2.topology);
  const tri2Model = AcousticModel.fromJSON(tri2.am), tri2Table = pdfTable(tri2.tree);
  const transform = asFeatureTransform(tri2.transform);
  await pool.setTransform("train", transform);
  const trained = await trainSat(
    pool,
    topology,
    { model: tri2Model, table: tri2Table },
    config,
    (l) => log(iterationLine(l)),
  );
  const alignOptions = {
    acousticScale: config.alignAcousticScale,
    beam: config.beam,
    retryBeam: config.retryBeam,
  };
  const adaptation: SpeakerAdaptation = {
    firstPass: perSet(
      decodedSets(previous!.stage.dir),
      (s) => readHyps(join(previous!.stage.dir, `decode_${s}`, "hyp.txt")),
    ),
    async adapt(set, hyps, pass) {
      await pool.setTranscripts(
        set,
        new Map([...hyps].map(([k, phones]) => [k, Int32Array.from(phones, (p) => topology.phoneId(p))])),
      );
      const aligned = pass === 1
        ? await align(pool, set, tri2Model, { selfLog, leaveLog }, { ...alignOptions, pdfTable: tri2Table })
        : await align(pool, set, trained.model, { selfLog: topology.selfLog, leaveLog: topology.leaveLog }, {
          ...alignOptions,
          pdfTable: trained.table,
        });
      const r = await estimateFmllr(
        pool,
        set,
        trained.model,
        topology.phones.length,
        fmllrOptions(config, topology, trained.table, "decode"),
      );
      return `fMLLR ${set}, pass ${pass} (hypotheses aligned with ${pass === 1 ? "tri2" : "tri3"}${
        aligned.failed.length ? `, ${aligned.failed.length} failed` : ""
      }): ${r.speakers} speakers, objective improvement ${(r.improvement / r.frames).toFixed(3)} per frame${
        r.skipped.length ? `; too little data: ${r.skipped.join(" ")}` : ""
      }`;
    },
  };
  return {
    model: trained.model,
    failed: trained.failed,
    transform,
    adaptation,
    graphFor: triphoneLoop(topology, trained.table),
    extra: { tree: trained.tree, transform: tri2.transform, spliceContext: tri2Splice(previous!) },
  };
}

/** The stage key of a system of the ladder: its config, its parent's hash, the decoding grid and the features. */
export const gmmKey = (
  system: Pick<GmmSystem, "name" | "parent">,
  featDirs: Record<Split, string>,
  c: LadderConfig,
  parentHash: string | null,
) => ({
  stage: system.name,
  config: c[system.name],
  ...(system.parent ? { [system.parent]: parentHash } : {}),
  decodeConfig: c.decode,
  feats: Object.fromEntries(
    Object.entries(featDirs).map((
      [s, d],
    ) => [s, fingerprint(join(d, "feats.scp"), join(d, "cmvn.scp"), join(d, "text"))]),
  ),
});

/**
 * One GMM stage: loads the train set into a worker pool, starts from the previous system's alignments and
 * transition probabilities, trains, writes ali.train.ark and final.mdl.json, decodes dev over the grid and test at
 * the dev-best setting, writes hypotheses, scoring details, results.json and RESULTS.md. Reused when its key matches.
 */
async function runGmmSystem(
  system: GmmSystem,
  featDirs: Record<Split, string>,
  dir: string,
  command: string,
  c: LadderConfig,
  parent: GmmStage | null,
  jobs = navigator.hardwareConcurrency,
): Promise<GmmStage> {
  return await runStage(dir, gmmKey(system, featDirs, c, parent?.hash ?? null), async (out) => {
    const data = Object.fromEntries(SPLITS.map((s) => [s, readDataDir(featDirs[s])])) as Record<
      Split,
      ReturnType<typeof readDataDir>
    >;
    const sets: EvalSplit[] = data.extra.text.size ? ["dev", "test", "extra"] : ["dev", "test"];
    const topology = new Topology();
    const previous: Previous | null = parent
      ? { stage: parent, model: JSON.parse(Deno.readTextFileSync(join(parent.dir, "final.mdl.json"))) }
      : null;
    const features = system.features(c, previous);
    const pool = utterancePool(jobs);
    const logLines: string[] = [];
    const log = (line: string) => {
      logLines.push(line);
      console.error(`[${system.name}] ${line}`);
    };
    try {
      const trainKeys = [...data.train.text.keys()];
      const transcripts = trainKeys.map((k) =>
        Int32Array.from(data.train.text.get(k)!, (p) => topology.phoneId(p))
      );
      const t0 = performance.now();
      await pool.load("train", featDirs.train, trainKeys, transcripts, features);
      if (previous) await continueFrom(previous, pool, topology, log);
      const trained = await system.train(pool, topology, c, previous, log);
      const trainSeconds = (performance.now() - t0) / 1000;
      const ali = new ArkWriter(join(out, "ali.train.ark"), "ints", { scp: join(out, "ali.train.scp") });
      for (const [k, a] of await pool.alignments("train")) if (a) ali.write(k, a);
      ali.close();
      if (trained.adaptation) await writeTransforms(pool, "train", join(out, "trans.train.ark"));
      await pool.unload("train"); // decoding needs only the model: the training features go first
      writeFileAtomic(
        join(out, "final.mdl.json"),
        JSON.stringify({ topology: topology.toJSON(), am: trained.model.toJSON(), ...trained.extra }) + "\n",
      );

      const lm = new BigramLm(topology.phones, [...data.train.text.values()]);
      const perplexity = lm.perplexity([...data.dev.text.values()]);
      const t1 = performance.now();
      for (const s of sets) {
        await pool.load(s, featDirs[s], [...data[s].text.keys()], null, features);
        if (trained.transform) await pool.setTransform(s, trained.transform);
      }
      const result = await decodeAndScore(
        pool,
        (set) => scoreWithGmm(pool, set, trained.model),
        topology,
        trained.graphFor(lm),
        perSet(sets, (s) => data[s].text),
        perSet(sets, (s) => data[s].utt2spk),
        c.decode,
        trained.adaptation,
        log,
      );
      const decodeSeconds = (performance.now() - t1) / 1000;
      if (trained.adaptation) {
        for (const s of sets) await writeTransforms(pool, s, join(out, `trans.${s}.ark`));
      }
      writeDecodes(out, result, perSet(sets, (s) => data[s].text));
      writeFileAtomic(join(out, "log.txt"), logLines.join("\n") + "\n");
      const summary: GmmStageSummary = {
        ...totals(result),
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
      writeFileAtomic(join(out, "RESULTS.md"), gmmResults(command, summary, system.describe(c, summary)));
      return summary;
    } finally {
      pool.close();
    }
  });
}

/** A set's speaker transforms (fMLLR) as a Kaldi archive of float32 matrices. */
async function writeTransforms(pool: UtterancePool, set: string, path: string) {
  const trans = new ArkWriter(path, "matrix");
  for (const [spk, w] of await pool.speakerTransforms(set)) {
    trans.write(spk, featureMatrix(w.rows, w.cols, Float32Array.from(w.data)));
  }
  trans.close();
}

/** The previous system's transition probabilities and training alignments go into the pool. */
async function continueFrom(
  previous: Previous,
  pool: UtterancePool,
  topology: Topology,
  log: (line: string) => void,
) {
  const start = Topology.fromJSON(previous.model.topology);
  topology.selfLog.set(start.selfLog);
  topology.leaveLog.set(start.leaveLog);
  const missing = await pool.setAlignments(
    "train",
    new Map(readArk(join(previous.stage.dir, "ali.train.ark"), "ints")),
  );
  if (missing) {
    log(
      `${missing} training utterances have no alignment in ${previous.stage.dir} and wait for the first realignment`,
    );
  }
}

/**
 * The systems of the ladder (up to `upTo`) into <exp>/<name>, each from the one before, each reused when already
 * made; `time` wraps each stage (for a run's timings).
 */
export async function runLadder(
  featDirs: Record<Split, string>,
  exp: string,
  command: string,
  c: LadderConfig = LADDER_KALDI,
  o: {
    jobs?: number;
    upTo?: SystemName;
    time?: <T>(step: string, f: () => Promise<T>) => Promise<T>;
  } = {},
): Promise<Record<SystemName, GmmStage>> {
  const made = {} as Record<SystemName, GmmStage>, time = o.time ?? ((_, f) => f());
  for (const system of LADDER) {
    const parent = system.parent ? made[system.parent] : null;
    made[system.name] = await time(
      system.name,
      () => runGmmSystem(system, featDirs, join(exp, system.name), command, c, parent, o.jobs),
    );
    if (system.name === o.upTo) break;
  }
  return made;
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
    ...extendedLines(s),
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

/** The GMM ladder as one Markdown table: PER and times per system, as a Kaldi recipe's top-level RESULTS. */
export function ladderTable(stages: Record<string, GmmStage>) {
  const pct = (c: ErrorCounts) => errorRate(c).toFixed(2);
  return [
    "| system | dev %PER | test %PER | Gaussians | train s | decode s |",
    "| --- | --- | --- | --- | --- | --- |",
    ...Object.entries(stages).map(([name, { summary: r }]) =>
      `| ${name} | ${pct(r.dev)} | ${pct(r.test)} | ${r.gaussians} | ${r.trainSeconds.toFixed(0)} | ${
        r.decodeSeconds.toFixed(0)
      } |`
    ),
  ].join("\n");
}
