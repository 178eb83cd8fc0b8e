// Speaker-aware networks: gradients of every layer type against finite differences, warm start, frozen steps, wasm vs cpu.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/nnet/backend.ts";
import { loadParameters, saveParameters } from "../../src/nnet/checkpoint.ts";
import { Mlp } from "../../src/nnet/mlp.ts";
import { assertGradientMatches } from "./finite_difference.ts";
import { SPEAKER_MODELS, type SpeakerArch, SpeakerNet } from "../../src/nnet/speaker.ts";

const dims = [6, 5, 4, 7], speakerDim = 3, batch = 5;
const input = () =>
  tf.tensor2d(Array.from({ length: batch * dims[0] }, (_, i) => Math.sin(i * 1.7) * 2), [batch, dims[0]]);
const speakers = () =>
  tf.tensor2d(Array.from({ length: batch * speakerDim }, (_, i) => Math.cos(i * 0.9) * 1.5), [
    batch,
    speakerDim,
  ]);
const labels = () => tf.tensor1d([0, 3, 6, 2, 3], "int32");
const archs: SpeakerArch[] = SPEAKER_MODELS.map((model) => ({ model, speakerLayers: 3, speakerUnits: 4 }));

for (const arch of archs) {
  test(`${arch.model}: every parameter's gradient matches finite differences`, async () => {
    await initBackend("cpu");
    const net = SpeakerNet.create(arch, dims, speakerDim, "fd", 0.5);
    const x = input(), s = speakers(), y = labels();
    const { grads } = tf.tidy(() => net.gradients(x, y, s));
    const loss = () => tf.tidy(() => net.evaluate(x, y, s).loss.dataSync()[0]);
    const named = net.namedParameters();
    assert.equal(Object.keys(grads).length, named.length, "a gradient for every parameter");
    for (const [name, p] of named) assertGradientMatches(p, grads[name], loss, name);
    tf.dispose(Object.values(grads));
    net.dispose();
    tf.dispose([x, s, y]);
  });
}

test("the speaker graph: partitions chain upwards, transforms are per layer, the extended system has none", () => {
  const names = (model: SpeakerArch["model"], k: number) =>
    SpeakerNet.create({ model, speakerLayers: k, speakerUnits: 4 }, dims, speakerDim, 1).namedParameters()
      .map(([n]) => n).filter((n) => !/^affine\d\.(weight|bias)$/.test(n));
  assert.equal(names("extended", 1), ["affine1.speaker_weight"]);
  assert.equal(names("partitioned", 3), [
    "affine1.speaker_weight",
    "affine2.speaker_weight",
    "affine3.speaker_weight",
    "partition1.weight",
    "partition1.bias",
    "partition2.weight",
    "partition2.bias",
  ]);
  assert.equal(names("transform2", 1), [
    "affine1.speaker_weight",
    "transform1.1.weight",
    "transform1.1.bias",
    "transform1.2.weight",
    "transform1.2.bias",
  ]);
  const phl = SpeakerNet.create(
    { model: "partitioned", speakerLayers: 3, speakerUnits: 4 },
    dims,
    speakerDim,
    1,
  );
  assert.equal(phl.speakerWeights.map((w) => w.shape), [[3, 5], [4, 4], [4, 7]]);
  assert.throws(() =>
    SpeakerNet.create({ model: "extended", speakerLayers: 4, speakerUnits: 4 }, dims, 3, 1)
  );
});

test("with zero speaker weights the network computes the plain MLP it was warm-started from", async () => {
  await initBackend("cpu");
  const mlp = Mlp.create(dims, "warm", 0.5);
  const path = await Deno.makeTempFile({ suffix: ".ark" });
  await saveParameters(path, mlp.namedParameters());
  const net = SpeakerNet.create(
    { model: "partitioned", speakerLayers: 3, speakerUnits: 4 },
    dims,
    speakerDim,
    2,
    0.5,
    0,
  );
  const loaded = loadParameters(path, net.namedParameters(), true);
  assert.equal([...loaded].sort(), mlp.namedParameters().map(([n]) => n).sort());
  const x = input(), s = speakers();
  const a = mlp.logPosteriors(x).dataSync(), b = net.logPosteriors(x, s).dataSync();
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${i}: ${v} vs ${b[i]}`));
  mlp.dispose(), net.dispose(), tf.dispose([x, s]);
  Deno.removeSync(path);
});

test("a step with a trainable set changes only those parameters, and lowers the loss", async () => {
  await initBackend("cpu");
  const net = SpeakerNet.create(
    { model: "transform1", speakerLayers: 2, speakerUnits: 4 },
    dims,
    speakerDim,
    3,
    0.5,
  );
  const fresh = new Set(["affine2.speaker_weight", "transform2.1.weight", "transform2.1.bias"]);
  net.trainable = fresh;
  const x = input(), s = speakers(), y = labels();
  const before = new Map(net.namedParameters().map(([n, p]) => [n, p.dataSync().slice()]));
  const first = net.evaluate(x, y, s).loss.dataSync()[0];
  for (let i = 0; i < 5; i++) tf.dispose(Object.values(net.step(x, y, 0.05, s)));
  for (const [name, p] of net.namedParameters()) {
    const changed = p.dataSync().some((v, i) => v !== before.get(name)![i]);
    assert.is(changed, fresh.has(name), `${name} ${changed ? "changed" : "kept"}`);
  }
  assert.ok(net.evaluate(x, y, s).loss.dataSync()[0] < first, "the loss falls");
  net.dispose(), tf.dispose([x, s, y]);
});

test("the partitioned network trains the same on tfjs-wasm (with the BLAS kernels) as on cpu", async () => {
  const run = async () => {
    const net = SpeakerNet.create(
      { model: "partitioned", speakerLayers: 3, speakerUnits: 4 },
      dims,
      speakerDim,
      4,
      0.5,
    );
    const x = input(), s = speakers(), y = labels(), losses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = net.step(x, y, 0.05, s);
      losses.push((await r.loss.data())[0]);
      tf.dispose([r.loss, r.correct]);
    }
    const params = await Promise.all(net.namedParameters().map(async ([, p]) => [...await p.data()]));
    net.dispose(), tf.dispose([x, s, y]);
    return [...losses, ...params.flat()];
  };
  await initBackend("cpu");
  const reference = await run();
  await initBackend("wasm");
  const got = await run();
  got.forEach((v, i) =>
    assert.ok(Math.abs(v - reference[i]) <= 1e-4 * Math.max(1, Math.abs(reference[i])), `${i}`)
  );
  await initBackend("cpu");
});

test.run();
