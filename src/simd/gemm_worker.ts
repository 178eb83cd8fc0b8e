// A worker thread of the core's matrix product: sleeps on the control block, runs its share of each product, counts itself done.
import { parentPort } from "node:worker_threads";
import { GEN, PENDING, runShare, type WorkerInit } from "./gemm.ts";

parentPort!.once("message", ({ module, memory, index }: WorkerInit) => {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Parameters<
    typeof runShare
  >[0];
  const ctl = new Int32Array(memory.buffer, 0, 64);
  parentPort!.postMessage("ready");
  for (let gen = 0;;) {
    Atomics.wait(ctl, GEN, gen);
    gen = Atomics.load(ctl, GEN);
    runShare(exports, ctl, index);
    if (Atomics.sub(ctl, PENDING, 1) === 1) Atomics.notify(ctl, PENDING);
  }
});
