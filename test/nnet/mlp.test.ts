// The MLP's hand-written gradients against finite differences, and the same steps on every backend path.
import { test } from "uvu";
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";
import { initBackend } from "../../src/nnet/backend.ts";
import { loadBlas } from "../../src/nnet/blas.ts";
import { Mlp } from "../../src/nnet/mlp.ts";
import { assertGradientMatches } from "./finite_difference.ts";

const dims = [6, 5, 4, 7], batch = 5;
const input = () =>
  tf.tensor2d(Array.from({ length: batch * dims[0] }, (_, i) => Math.sin(i * 1.7) * 2), [batch, dims[0]]);
const labels = () => tf.tensor1d([0, 3, 6, 2, 3], "int32");

/** Losses of `steps` SGD steps from the seeded initialisation, and the final parameters. */
async function train(steps: number, rate = 0.05) {
  const net = Mlp.create(dims, "backend check", 0.5);
  const x = input(), y = labels();
  const losses: number[] = [];
  for (let s = 0; s < steps; s++) {
    const r = net.step(x, y, rate);
    losses.push((await r.loss.data())[0]);
    tf.dispose([r.loss, r.correct]);
  }
  const params = await Promise.all(net.parameters().map(async (p) => [...await p.data()]));
  const out = net.logPosteriors(x), logp = [...await out.data()];
  out.dispose();
  net.dispose();
  tf.dispose([x, y]);
  return { losses, params, logp };
}

const close = (a: number[], b: number[], tol: number, what: string) =>
  a.forEach((v, i) =>
    assert.ok(Math.abs(v - b[i]) <= tol * Math.max(1, Math.abs(b[i])), `${what}[${i}]: ${v} vs ${b[i]}`)
  );

test("every layer's gradient (affine weights and biases under sigmoid and softmax cross-entropy) matches finite differences", async () => {
  await initBackend("cpu");
  const net = Mlp.create(dims, "fd", 0.5);
  const x = input(), y = labels();
  const { grads } = tf.tidy(() => net.gradients(x, y));
  const loss = () => tf.tidy(() => net.gradients(x, y).loss.dataSync()[0]);
  net.parameters().forEach((p, pi) => assertGradientMatches(p, grads[pi], loss, `param ${pi}`));
  tf.dispose(grads);
  net.dispose();
  tf.dispose([x, y]);
});

test("tfjs-wasm with the BLAS matrix products trains exactly as the cpu backend", async () => {
  await initBackend("cpu");
  const reference = await train(3);
  const info = await initBackend("wasm");
  if (!loadBlas()) {
    console.log("  (no BLAS library here: comparing tfjs-wasm's own kernels instead)");
  } else {
    assert.ok(info.blas, "the wasm backend uses the BLAS");
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
  }
  const fast = await train(3);
  close(fast.losses, reference.losses, 1e-4, "loss");
  fast.params.forEach((p, i) => close(p, reference.params[i], 1e-4, `param ${i}`));
  close(fast.logp, reference.logp, 1e-4, "log posterior");
  assert.ok(reference.losses[2] < reference.losses[0], `training lowers the loss: ${reference.losses}`);
});

test("WebGPU runs the forward pass and a training step as wasm does", async () => {
  await initBackend("wasm");
  const reference = await train(1);
  let ok = true;
  try {
    await initBackend("webgpu");
  } catch (err) {
    ok = false;
    if (Deno.env.get("PHL_REQUIRE_WEBGPU")) throw err;
    console.log(`  (${(err as Error).message}; set PHL_REQUIRE_WEBGPU=1 to make this a failure)`);
  }
  if (ok) {
    const gpu = await train(1);
    close(gpu.losses, reference.losses, 1e-4, "loss");
    gpu.params.forEach((p, i) => close(p, reference.params[i], 1e-4, `param ${i}`));
    close(gpu.logp, reference.logp, 1e-4, "log posterior");
  }
  await initBackend("cpu");
});

test.run();
