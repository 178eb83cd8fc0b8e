// The one network: eq. 4 and 6-7 against hand-written forward passes, every model's gradients against finite differences, warm start, frozen steps, backends.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/nnet/backend.ts";
import { loadBlas } from "../../src/nnet/blas.ts";
import { coreBlas } from "../../src/nnet/core_blas.ts";
import { registerBlasKernels } from "../../src/nnet/wasm_blas.ts";
import { hasRelaxedSimd } from "../../src/simd/gemm.ts";
import { loadParameters, saveParameters } from "../../src/nnet/checkpoint.ts";
import { model, MODELS, stageSpec, VARIANT_MODELS } from "../../src/nnet/models.ts";
import { acousticSpec, IVECTOR, Network, type NetworkSpec } from "../../src/nnet/network.ts";
import type { Affine } from "../../src/nnet/ops.ts";
import { Rng } from "../../src/util/rng.ts";
import { assertGradientMatches } from "./finite_difference.ts";

const dims = [6, 5, 4, 7], speakerDim = 3, batch = 5;
const input = () =>
  tf.tensor2d(Array.from({ length: batch * dims[0] }, (_, i) => Math.sin(i * 1.7) * 2), [batch, dims[0]]);
const speakers = () =>
  tf.tensor2d(Array.from({ length: batch * speakerDim }, (_, i) => Math.cos(i * 0.9) * 1.5), [
    batch,
    speakerDim,
  ]);
const labels = () => tf.tensor1d([0, 3, 6, 2, 3], "int32");
const netOf = (name: string, k: number, seed: number | string, stddev = 0.5, speakerStddev = stddev) =>
  Network.create(
    stageSpec(model(name), k, 4, dims, speakerDim),
    new Rng(seed, "test"),
    stddev,
    speakerStddev,
  );
const plain = (seed: number | string) => Network.create(acousticSpec(dims), new Rng(seed, "test"), 0.5);

// Hand-written forward passes on one frame, scalar loops only: y = sigmoid(W' x + b) with W rows = inputs.
const sig = (v: number) => 1 / (1 + Math.exp(-v));
const layer = (w: number[][], b: number[], x: number[]) =>
  b.map((bj, j) => bj + x.reduce((s, xi, i) => s + xi * w[i][j], 0));
const add = (a: number[], b: number[]) => a.map((v, i) => v + b[i]);
const affineOf = (w: number[][], b: number[]): Affine => ({
  w: tf.variable(tf.tensor2d(w)),
  b: tf.variable(tf.tensor1d(b)),
});

// 2 inputs, two hidden PHLs of 2 standard units and 1 speaker unit, 2 outputs, a 2-dim i-vector
const PHL = {
  W: [[[0.5, -1], [2, 0.3]], [[1, -0.5], [0.2, 0.7]], [[-1, 0.4], [0.6, 1.5]]],
  b: [[0.1, -0.2], [0, 0.3], [0.2, -0.1]],
  V: [[[0.3, -0.6], [1, 0.2]], [[0.8, -1.2]], [[-0.7, 0.9]]], // V_1 on s^0, V_2 on s^1, V_3 on s^2
  Wt: [[[0.4], [-0.9]], [[1.3]]], // s^1 = act(Wt_1 s^0 + bt_1), s^2 = act(Wt_2 s^1 + bt_2)
  bt: [[0.05], [-0.3]],
  x: [0.7, -1.1],
  s0: [1.2, -0.4],
};

/** The PHL recursion by hand on PHL's numbers, `act` on the speaker partitions (eq. 7: the sigmoid). */
function phlByHand(act: (v: number) => number) {
  const { W, b, V, Wt, bt, x, s0 } = PHL;
  const s1 = layer(Wt[0], bt[0], s0).map(act), s2 = layer(Wt[1], bt[1], s1).map(act);
  const h1 = add(layer(W[0], b[0], x), layer(V[0], [0, 0], s0)).map(sig); // eq. 6, l = 1 (s^0 the i-vector)
  const h2 = add(layer(W[1], b[1], h1), layer(V[1], [0, 0], s1)).map(sig); // eq. 6, l = 2
  const logits = add(layer(W[2], b[2], h2), layer(V[2], [0, 0], s2)); // the output layer takes the top partition
  return { s1, s2, h1, h2, logits };
}

/** Stage 3 of `name` on PHL's weights, run forward on PHL's frame. */
function phlForward(name: string) {
  const spec = stageSpec(model(name), 3, 1, [2, 2, 2, 2], 2);
  const { W, b, V, Wt, bt, x, s0 } = PHL;
  const net = new Network(
    spec,
    W.map((w, l) => affineOf(w, b[l])),
    V.map((v) => tf.variable(tf.tensor2d(v))),
    Wt.map((w, n) => affineOf(w, bt[n])),
  );
  return { spec, net, out: net.forward(tf.tensor2d([x]), tf.tensor2d([s0])) };
}

const close = (got: tf.Tensor, want: number[], what: string) =>
  [...got.dataSync()].forEach((v, i) =>
    assert.ok(Math.abs(v - want[i]) < 1e-6, `${what}[${i}]: ${v} vs ${want[i]}`)
  );

test("eq. 6-7: a Partitioned DNN's forward pass equals the hand-written PHL recursion", async () => {
  await initBackend("cpu");
  const want = phlByHand(sig), { spec, net, out } = phlForward("partitioned");
  assert.equal(spec.nodes, [
    { name: "partition1", input: IVECTOR, units: 1 },
    { name: "partition2", input: "partition1", units: 1 },
  ]);
  assert.equal(spec.speakerInputs, [IVECTOR, "partition1", "partition2"]);
  close(out.nodes[0], want.s1, "s^1");
  close(out.nodes[1], want.s2, "s^2");
  close(out.hidden[1], want.h1, "h^1");
  close(out.hidden[2], want.h2, "h^2");
  close(out.logits, want.logits, "logits");
  net.dispose();
});

test("linear speaker partitions: the same recursion without eq. 7's sigmoid, s^l = W_t s^(l-1) + b_t", async () => {
  await initBackend("cpu");
  const want = phlByHand((v) => v), { spec, net, out } = phlForward("partitioned-linear");
  assert.equal(spec.nodes.map((n) => [n.name, n.linear]), [["partition1", true], ["partition2", true]]);
  close(out.nodes[1], want.s2, "s^2");
  close(out.logits, want.logits, "logits");
  net.dispose();
});

test("eq. 4: a 1-layer i-vector transform feeds W_s1 sigmoid(W_s0 s + b_s0) into the layer's bias", async () => {
  await initBackend("cpu");
  const W = [[[0.5, -1], [2, 0.3]], [[1, -0.5], [0.2, 0.7]]], b = [[0.1, -0.2], [0, 0.3]];
  const Ws0 = [[0.4, -0.2, 1], [-0.9, 0.6, 0.1]], bs0 = [0.05, -0.3, 0.2]; // 3 transform units
  const Ws1 = [[0.3, -0.6], [1, 0.2], [-0.5, 0.8]];
  const x = [0.7, -1.1], s = [1.2, -0.4];
  const bs = layer(Ws1, b[0], layer(Ws0, bs0, s).map(sig)); // eq. 4: b_s^1 = W_s1 sigmoid(W_s0 s + b_s0) + b^1
  const h1 = add(layer(W[0], [0, 0], x), bs).map(sig);
  const logits = layer(W[1], b[1], h1);

  const spec = stageSpec(model("transform1"), 1, 3, [2, 2, 2], 2);
  assert.equal(spec.nodes, [{ name: "transform1.1", input: IVECTOR, units: 3 }]);
  assert.equal(spec.speakerInputs, ["transform1.1", null]);
  const net = new Network(
    spec,
    W.map((w, l) => affineOf(w, b[l])),
    [tf.variable(tf.tensor2d(Ws1)), null],
    [affineOf(Ws0, bs0)],
  );
  const out = net.forward(tf.tensor2d([x]), tf.tensor2d([s]));
  [...out.logits.dataSync()].forEach((v, i) =>
    assert.ok(Math.abs(v - logits[i]) < 1e-6, `${v} vs ${logits[i]}`)
  );
  net.dispose();
});

test("the plain network's gradients (affine weights and biases under sigmoid and softmax) match finite differences", async () => {
  await initBackend("cpu");
  const net = plain("fd");
  const x = input(), y = labels();
  const { grads } = tf.tidy(() => net.gradients(x, y));
  const loss = () => tf.tidy(() => net.evaluate(x, y).loss.dataSync()[0]);
  const named = net.namedParameters();
  assert.is(Object.keys(grads).length, named.length);
  for (const [name, p] of named) assertGradientMatches(p, grads[name], loss, name);
  tf.dispose(Object.values(grads));
  net.dispose(), tf.dispose([x, y]);
});

for (const m of [...MODELS, ...VARIANT_MODELS].filter((m) => m.layer)) {
  test(`${m.name}: every parameter's gradient matches finite differences`, async () => {
    await initBackend("cpu");
    const net = netOf(m.name, 3, "fd");
    const x = input(), s = speakers(), y = labels();
    const { grads } = tf.tidy(() => net.gradients(x, y, s));
    const loss = () => tf.tidy(() => net.evaluate(x, y, s).loss.dataSync()[0]);
    const named = net.namedParameters();
    assert.equal(Object.keys(grads).length, named.length, "a gradient for every parameter");
    for (const [name, p] of named) assertGradientMatches(p, grads[name], loss, name);
    tf.dispose(Object.values(grads));
    net.dispose(), tf.dispose([x, s, y]);
  });
}

test("the registry's graphs: partitions chain upwards, transforms are per layer, the extended system has none", () => {
  const names = (name: string, k: number) =>
    netOf(name, k, 1).namedParameters().map(([n]) => n).filter((n) => !/^affine\d\.(weight|bias)$/.test(n));
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
  assert.equal(names("control", 3), []);
  assert.equal(netOf("partitioned", 3, 1).speakerWeights.map((w) => w?.shape), [[3, 5], [4, 4], [4, 7]]);
  assert.throws(() => netOf("extended", 4, 1), /stage 4 is not in 1\.\.3/);
  const bad: NetworkSpec = { ...acousticSpec(dims), speakerDim, speakerInputs: ["nowhere", null, null] };
  assert.throws(() => Network.create(bad, new Rng(1)), /neither the i-vector nor a speaker node/);
});

test("with zero speaker weights the network computes the plain network it was warm-started from", async () => {
  await initBackend("cpu");
  const base = plain("warm");
  const path = await Deno.makeTempFile({ suffix: ".ark" });
  await saveParameters(path, base.namedParameters());
  const net = netOf("partitioned", 3, 2, 0.5, 0);
  const loaded = loadParameters(path, net.namedParameters(), true);
  assert.equal([...loaded].sort(), base.namedParameters().map(([n]) => n).sort());
  const x = input(), s = speakers();
  const a = base.logPosteriors(x).dataSync(), b = net.logPosteriors(x, s).dataSync();
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) < 1e-5, `${i}: ${v} vs ${b[i]}`));
  base.dispose(), net.dispose(), tf.dispose([x, s]);
  Deno.removeSync(path);
});

test("a network made, loaded, trained and disposed leaves no tensor behind", async () => {
  await initBackend("cpu");
  const path = await Deno.makeTempFile({ suffix: ".ark" });
  const base = plain("leak");
  await saveParameters(path, base.namedParameters());
  base.dispose();
  const x = input(), s = speakers(), y = labels(), before = tf.engine().state.numTensors;
  for (let round = 0; round < 3; round++) {
    const net = netOf("partitioned", 3, round);
    loadParameters(path, net.namedParameters(), true);
    tf.dispose(Object.values(net.step(x, y, 0.01, s)));
    loadParameters(path, net.namedParameters(), true);
    net.dispose();
    assert.is(tf.engine().state.numTensors, before, `round ${round}`);
  }
  tf.dispose([x, s, y]);
  Deno.removeSync(path);
});

test("a step with a trainable set changes only those parameters, and lowers the loss", async () => {
  await initBackend("cpu");
  const net = netOf("transform1", 2, 3);
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

/** Losses of 3 SGD steps from a seeded start, then every parameter and the log posteriors. */
async function threeSteps(
  make: () => Network,
  withSpeaker: boolean,
  data = () => ({ x: input(), y: labels() }),
) {
  const net = make(), { x, y } = data(), s = withSpeaker ? speakers() : undefined, out: number[] = [];
  for (let i = 0; i < 3; i++) {
    const r = net.step(x, y, 0.05, s);
    out.push((await r.loss.data())[0]);
    tf.dispose([r.loss, r.correct]);
  }
  for (const [, p] of net.namedParameters()) out.push(...await p.data());
  const logp = net.logPosteriors(x, s);
  out.push(...await logp.data());
  tf.dispose([logp, x, y, ...(s ? [s] : [])]);
  net.dispose();
  return out;
}

const assertClose = (got: number[], want: number[], what: string) =>
  got.forEach((v, i) =>
    assert.ok(
      Math.abs(v - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i])),
      `${what}[${i}]: ${v} vs ${want[i]}`,
    )
  );

test("tfjs-wasm with phl's kernels (the system BLAS, else the wasm core) trains the plain and the partitioned network exactly as the cpu backend", async () => {
  const cases = [[() => plain("backend check"), false], [() => netOf("partitioned", 3, 4), true]] as const;
  await initBackend("cpu");
  const reference = [];
  for (const [make, s] of cases) reference.push(await threeSteps(make, s));
  assert.ok(reference[0][2] < reference[0][0], "training lowers the loss");
  const info = await initBackend("wasm");
  if (!loadBlas()) console.log("  (no BLAS library here: comparing phl's wasm core's product instead)");
  assert.is(info.blas, loadBlas()?.path ?? null, "the wasm backend uses the BLAS when one loads");
  assert.ok(info.matmul, "the matrix products are phl's kernels");
  for (
    const k of [
      "BatchMatMul",
      "PhlAffine",
      "PhlSoftmaxCrossEntropy",
      "PhlLogSoftmax",
      "PhlSigmoidBackprop",
      "PhlSgdUpdate",
    ]
  ) {
    assert.ok(tf.getKernel(k, "wasm"), k);
  }
  for (const [i, [make, s]] of cases.entries()) {
    assertClose(await threeSteps(make, s), reference[i], `case ${i}`);
  }
  await initBackend("cpu");
});

test("the wasm core's product (both kernels, 2 threads) trains as the cpu backend, on shapes off its block sizes", async () => {
  // 70 frames, 45 inputs, 301 and 263 hidden units (more steps than a block of 256), 130 outputs
  const odd = [45, 301, 263, 130], frames = 70;
  const oddNet = () => Network.create(acousticSpec(odd), new Rng("odd shapes", "test"), 0.1);
  const oddData = () => ({
    x: tf.tensor2d(Array.from({ length: frames * odd[0] }, (_, i) => Math.sin(i * 0.61)), [frames, odd[0]]),
    y: tf.tensor1d(Array.from({ length: frames }, (_, i) => (i * 37) % odd[3]), "int32"),
  });
  await initBackend("cpu");
  const small = await threeSteps(() => plain("backend check"), false);
  const large = await threeSteps(oddNet, false, oddData);
  const info = await initBackend("wasm");
  for (const relaxed of hasRelaxedSimd() ? [true, false] : [false]) {
    const product = await coreBlas({ threads: 2, relaxed });
    registerBlasKernels(product);
    assertClose(await threeSteps(() => plain("backend check"), false), small, product.path);
    assertClose(await threeSteps(oddNet, false, oddData), large, `${product.path}, odd shapes`);
  }
  registerBlasKernels(loadBlas() ?? await coreBlas());
  assert.is(tf.getKernel("PhlAffine", "wasm") !== undefined, info.matmul !== null);
  await initBackend("cpu");
});

test("WebGPU runs the forward pass and the training steps as wasm does", async () => {
  await initBackend("wasm");
  const reference = await threeSteps(() => plain("backend check"), false);
  let ok = true;
  try {
    await initBackend("webgpu");
  } catch (err) {
    ok = false;
    if (Deno.env.get("PHL_REQUIRE_WEBGPU")) throw err;
    console.log(`  (${(err as Error).message}; set PHL_REQUIRE_WEBGPU=1 to make this a failure)`);
  }
  if (ok) assertClose(await threeSteps(() => plain("backend check"), false), reference, "webgpu");
  await initBackend("cpu");
});

test.run();
