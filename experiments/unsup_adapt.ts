// deno task exp:unsup-adapt [--corpus DIR] [--profile P] [--backend B] [--key=value] — re-estimate dev/test speakers' i-vectors from first-pass output, decode again (paper sec. 4.2, last paragraph).
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { loadFeatures } from "../src/features/extract.ts";
import { initBackend } from "../src/nnet/backend.ts";
import { loadParameters } from "../src/nnet/checkpoint.ts";
import { SpeakerNet } from "../src/nnet/speaker.ts";
import {
  parseExperimentArgs,
  prepareSpeakerExperiment,
  runFamilies,
  runRecord,
  testSignificance,
} from "../src/pipeline/experiment.ts";
import { decodeHybrid, type EvalSplit, forwardSet, HybridSetup } from "../src/pipeline/hybrid.ts";
import { readIvectors, speakerIvectors } from "../src/pipeline/ivector.ts";
import { acousticDims, type SpeakerStage, speakerVectors } from "../src/pipeline/speaker_dnn.ts";
import { fmtP, per, writeResults } from "../src/report/results.ts";
import { runMain } from "../src/util/args.ts";

const cosine = (a: Float32Array, b: Float32Array) => {
  let ab = 0, aa = 0, bb = 0;
  a.forEach((v, i) => ((ab += v * b[i]), (aa += v * v), (bb += b[i] * b[i])));
  return ab / Math.sqrt(aa * bb);
};

await runMain(async () => {
  const a = parseExperimentArgs("exp:unsup-adapt");
  const x = await prepareSpeakerExperiment(a);
  const families = await runFamilies(x, ["partitioned"]);
  const systems: [string, SpeakerStage][] = [
    ["i-vector baseline", families.partitioned[0]],
    ["Partitioned DNN", families.partitioned[families.partitioned.length - 1]],
  ];
  const c = a.config, h = new HybridSetup(x.inputs.aliDir);
  await initBackend(a.backend);
  const minPost = JSON.parse(Deno.readTextFileSync(join(x.ivectorDir, "stage.json"))).key.config.minPost;
  const silence = h.silencePdfs();
  const firstPass = speakerVectors(x.ivectorDir, h);
  const speakerDim = firstPass.train(h.sets.train.utt2spk.keys().next().value!).length;
  // per split, for every system: the fMLLR features, the stored i-vectors, and how closely extraction from all
  // frames reproduces them
  const prepare = (split: EvalSplit) => {
    const feats = loadFeatures(join(x.inputs.aliDir, "feats", split), "none");
    const utt2spk = h.sets[split].utt2spk, stored = readIvectors(x.ivectorDir, split, "spk");
    const all = speakerIvectors(x.ivectorDir, feats, utt2spk, minPost);
    const check = Math.max(
      ...[...stored].map(([s, v]) => Math.max(...v.map((e, i) => Math.abs(e - all.get(s)![i])))),
    );
    return { feats, utt2spk, stored, check };
  };
  const splits = { dev: prepare("dev"), test: prepare("test") };
  const rows = [];
  for (const [name, stage] of systems) {
    const net = SpeakerNet.create(stage.arch, acousticDims(c, h), speakerDim, c.seed);
    loadParameters(join(stage.dir, "final.params.ark"), net.namedParameters());
    const updated = {} as Record<EvalSplit, Map<string, Float32Array>>;
    const change: Record<
      string,
      { speechFrames: number; frames: number; meanCosine: number; check: number }
    > = {};
    for (const split of ["dev", "test"] as const) {
      // first pass: each frame is speech unless the network gives silence most of its posterior mass
      const set = h.load(split, firstPass[split]), speech = new Uint8Array(set.frames);
      await forwardSet(
        net,
        set,
        c.context,
        c.batchSize,
        h.numPdfs,
        (frames, logp) =>
          frames.forEach((f, i) => {
            let sil = 0;
            for (const p of silence) sil += Math.exp(logp[i * h.numPdfs + p]);
            speech[f] = sil < 0.5 ? 1 : 0;
          }),
      );
      const at = new Map(set.keys.map((k, i) => [k, i]));
      const keep = (key: string) => speech.subarray(set.offsets[at.get(key)!], set.offsets[at.get(key)! + 1]);
      const { feats, utt2spk, stored, check } = splits[split];
      updated[split] = speakerIvectors(x.ivectorDir, feats, utt2spk, minPost, keep);
      const cos = [...stored].map(([s, v]) => cosine(v, updated[split].get(s)!));
      change[split] = {
        speechFrames: speech.reduce((n, b) => n + b, 0),
        frames: set.frames,
        meanCosine: cos.reduce((s, v) => s + v, 0) / cos.length,
        check,
      };
      set.free();
    }
    const out = join(x.speakerRoot, "unsup_adapt", stage.dir.split("/").pop()!);
    const fixed = {
      ...x.inputs.decode,
      acousticScales: [stage.acousticScale],
      insertionPenalties: [stage.insertionPenalty],
    };
    const second = await decodeHybrid(net, h, c, fixed, out, speakerVectors(x.ivectorDir, h, updated));
    net.dispose();
    const sig = testSignificance(x, out, stage.dir);
    rows.push({
      name,
      stage: stage.dir,
      out,
      first: { dev: stage.dev, test: stage.test },
      second: { dev: second.dev.total, test: second.test.total },
      significance: sig,
      ivectors: change,
    });
    console.log(
      `${name}: first pass test ${formatCounts(stage.test)}; re-estimated i-vectors test ${
        formatCounts(second.test.total)
      }`,
    );
  }
  const table = [
    "| Model | dev PER % first pass | dev PER % re-estimated | test PER % first pass | test PER % re-estimated | p (test) | speech frames kept (dev, test) | mean cosine old/new i-vector (dev, test) |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((r) =>
      `| ${r.name} | ${per(r.first.dev).toFixed(2)} | ${per(r.second.dev).toFixed(2)} | ${
        per(r.first.test).toFixed(2)
      } | ${per(r.second.test).toFixed(2)} | ${fmtP(r.significance.pValue)} | ${
        (["dev", "test"] as const).map((s) =>
          `${(100 * r.ivectors[s].speechFrames / r.ivectors[s].frames).toFixed(1)}%`
        ).join(", ")
      } | ${(["dev", "test"] as const).map((s) => r.ivectors[s].meanCosine.toFixed(3)).join(", ")} |`
    ),
  ].join("\n");
  const md = [
    "# Unsupervised adaptation: i-vectors re-estimated from first-pass output",
    "",
    `Regenerate: \`${a.command}\``,
    "",
    `Corpus \`${x.exp}\`, profile \`${a.profile}\`. First pass: each dev and test speaker's i-vector from all of their ` +
    "frames, as in training. The first pass's network output marks each frame as silence when the senones of " +
    "`sil` hold at least half of its posterior mass; each speaker's i-vector is then extracted again from the " +
    "speech frames only (Kaldi's silence weighting from a first pass, with weights 0/1) and the same network " +
    "decodes again at the acoustic scale and penalty it chose on dev. The networks are not retrained: training " +
    "used i-vectors from all frames, as the paper's did.",
    "",
    table,
    "",
    `Check: extracting from all frames reproduces the stored i-vectors to ${
      Math.max(...rows.flatMap((r) => [r.ivectors.dev.check, r.ivectors.test.check])).toExponential(1)
    }.`,
    "",
  ].join("\n");
  const files = writeResults("unsup_adapt", md, {
    ...runRecord(a, x),
    rows,
  });
  console.log("\n" + table + "\n");
  console.log(`written: ${files.md}, ${files.json}`);
});
