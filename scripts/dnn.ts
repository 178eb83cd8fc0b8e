// deno task dnn [--corpus DIR] [--profile cpu|paper|tiny] [--backend auto|webgpu|wasm|cpu] [--key=value] — the initial DNN.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { TRI1_KALDI } from "../src/gmm/tri.ts";
import { TRI2_KALDI } from "../src/gmm/lda_mllt.ts";
import { TRI3_KALDI } from "../src/gmm/sat.ts";
import { MONO_KALDI } from "../src/gmm/mono.ts";
import type { BackendChoice } from "../src/nnet/backend.ts";
import { DNN_PROFILES, type DnnConfig } from "../src/nnet/config.ts";
import { runSatAlignments } from "../src/pipeline/alignments.ts";
import { CORPUS_OPTION, prepareCorpus } from "../src/pipeline/corpus.ts";
import { runDnn } from "../src/pipeline/dnn.ts";
import { mfccFeatures } from "../src/pipeline/features.ts";
import { runMono, runTri1, runTri2, runTri3 } from "../src/pipeline/gmm.ts";
import { applyOverrides, parseArgs, runMain, splitOverrides, UsageError } from "../src/util/args.ts";

await runMain(async () => {
  const spec = {
    corpus: CORPUS_OPTION,
    profile: { kind: "string", default: "cpu", help: `DNN profile: ${Object.keys(DNN_PROFILES).join(", ")}` },
    backend: { kind: "string", default: "auto", help: "tfjs backend: auto, webgpu, wasm, cpu" },
  } as const;
  const { options, overrides } = splitOverrides(Deno.args, spec);
  const args = { ...parseArgs(options, spec), overrides };
  const base = DNN_PROFILES[args.profile];
  if (!base) {
    throw new UsageError(`unknown profile '${args.profile}' (${Object.keys(DNN_PROFILES).join(", ")})`);
  }
  if (!["auto", "webgpu", "wasm", "cpu"].includes(args.backend)) {
    throw new UsageError(`--backend: '${args.backend}' is not one of auto, webgpu, wasm, cpu`);
  }
  const config: DnnConfig = applyOverrides(base, args.overrides);
  console.error(
    `DNN config (${args.profile}${args.overrides.length ? " + overrides" : ""}): ${JSON.stringify(config)}`,
  );
  const corpus = await prepareCorpus(args.corpus || null);
  const exp = join("exp", corpus.name), command = `deno task dnn ${Deno.args.join(" ")}`.trim();
  const feats = await mfccFeatures(corpus);
  const mono = await runMono(feats, join(exp, "mono"), command, MONO_KALDI);
  const tri1 = await runTri1(feats, mono.dir, join(exp, "tri1"), command, TRI1_KALDI);
  const tri2 = await runTri2(feats, tri1.dir, join(exp, "tri2"), command, TRI2_KALDI);
  const tri3 = await runTri3(feats, tri2.dir, join(exp, "tri3"), command, TRI3_KALDI);
  const ali = await runSatAlignments(feats, tri3.dir, join(exp, "tri3_ali"));
  const dnn = await runDnn(
    ali.dir,
    tri3.dir,
    join(exp, `dnn_${args.profile}`),
    command,
    config,
    args.backend as BackendChoice,
  );
  console.log(`${dnn.dir}/RESULTS.md (backend ${dnn.backend}${dnn.blas ? " + BLAS" : ""})`);
  console.log(`dev:  ${formatCounts(dnn.dev)}\ntest: ${formatCounts(dnn.test)}`);
  console.log(`tri3 test: ${formatCounts(tri3.test)}`);
});
