// The probe stage on the tiny corpus: planted speaker identity is found, a constant representation gives chance, the DNN's top layer recognizes phones.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { saveParameters } from "../../src/nnet/checkpoint.ts";
import { IVECTOR, Network, type NetworkSpec } from "../../src/nnet/network.ts";
import { parseExperimentArgs, prepareSpeakerExperiment } from "../../src/pipeline/experiment.ts";
import { probeInputs, type ProbeSummary, runProbes } from "../../src/pipeline/probe.ts";
import { errorRate } from "../../src/decode/score.ts";
import { Rng } from "../../src/util/rng.ts";
import { tinyCorpus } from "../e2e/tiny_corpus.ts";

const base = Deno.makeTempDirSync({ prefix: "phl-probe-" });

test("probes on the tiny corpus: planted speaker identity, a constant representation, the DNN's top layer", async () => {
  const corpus = join(base, "corpus");
  await tinyCorpus(corpus);
  const a = parseExperimentArgs("test", [
    `--corpus=${corpus}`,
    "--profile=tiny",
    "--backend=wasm",
    "--nj=2",
    `--exp=${join(base, "exp")}`,
    `--data-root=${join(base, "data")}`,
  ]);
  const x = await prepareSpeakerExperiment(a);
  const inputs = probeInputs(x, { context: a.config.context, backend: a.backend, jobs: 2 });

  // two hand-made networks with a speaker partition: layer 1 = sigmoid(b + V u) from the speaker's i-vector only
  // (planted identity, no acoustics), or every weight zero (the same vector on every frame)
  const dims = [440, 16, 16, 48];
  const made = async (name: string, planted: boolean) => {
    const spec: NetworkSpec = {
      dims,
      speakerDim: a.ivector.ivectorDim,
      nodes: [{ name: "partition1", input: IVECTOR, units: 4 }],
      speakerInputs: [IVECTOR, "partition1", null],
    };
    const net = Network.create(spec, new Rng(3, name), 1, 2);
    for (const [n, p] of net.namedParameters()) {
      if (!planted || n === "affine1.weight") p.assign(tf.zerosLike(p));
    }
    const dir = join(base, name);
    Deno.mkdirSync(dir);
    await saveParameters(join(dir, "final.params.ark"), net.namedParameters());
    net.dispose();
    return { dir, hash: name, key: {}, summary: { spec, config: a.config } };
  };
  const probe = async (name: string, stage: Awaited<ReturnType<typeof made>> | typeof x.dnn) =>
    (await runProbes(
      { kind: "network", name, title: name, stage },
      join(base, "probe", name),
      inputs,
      a.probe,
    )).summary;
  const planted = await probe("planted", await made("planted", true));
  const constant = await probe("constant", await made("constant", false));
  const dnn = await probe("dnn", x.dnn);
  const layer1 = (s: ProbeSummary) => s.reps.find((r) => r.depth === 1)!;
  assert.is(planted.frames.speakers, 6);
  assert.equal(planted.reps.map((r) => `${r.line}: ${r.name} (${r.dim})`), [
    "planted: standard: layer 1 (16)",
    "planted: standard: layer 2 (16)",
    "planted: speaker: speaker partition 1 (4)",
    "planted: both: layer 1 + partition (20)",
  ]);
  assert.ok(planted.reps[2].sid.accuracy >= 0.9, "the speaker partition carries the identity");
  assert.ok(layer1(planted).sid.accuracy >= 0.9, `planted: SID ${layer1(planted).sid.accuracy}`);
  assert.is(layer1(planted).eer.dev, null, "one dev speaker: no impostor trials");
  for (const r of constant.reps) {
    assert.ok(r.sid.accuracy <= constant.chance.sid + 1e-9, `constant ${r.name}: SID ${r.sid.accuracy}`);
  }
  const top = dnn.reps.at(-1)!, blind = layer1(constant);
  const accTop = Math.max(...top.pr.devFrameAccuracy), accBlind = Math.max(...blind.pr.devFrameAccuracy);
  console.error(
    `top layer: frame acc ${accTop}, PER ${errorRate(top.pr.test)}; constant: ${accBlind}, ${
      errorRate(blind.pr.test)
    }; chance ${dnn.chance.frameAccuracy}`,
  );
  assert.ok(accTop > 2 * dnn.chance.frameAccuracy, `top layer frame accuracy ${accTop}`);
  assert.ok(
    errorRate(top.pr.test) < errorRate(blind.pr.test) - 20,
    "top layer PER far below a blind probe's",
  );
  assert.is(dnn.weighted.length, 1);
  assert.ok(Math.abs(dnn.weighted[0].pr.layerWeights.reduce((s, w) => s + w, 0) - 1) < 1e-6);
  // a rerun reuses the stage
  const again = await runProbes(
    { kind: "network", name: "dnn", title: "dnn", stage: x.dnn },
    join(base, "probe", "dnn"),
    inputs,
    a.probe,
  );
  assert.is(again.made, false);
});

test.after(() => Deno.removeSync(base, { recursive: true }));

test.run();
