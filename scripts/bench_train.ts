// deno task bench:train [--steps N] [--rounds N] — paper-size DNN training and forward frames/s per CPU path, beside PyTorch, interleaved.
import { parseArgs, runMain } from "../src/util/args.ts";
import { type BackendChoice, hasAdapter, initBackend } from "../src/nnet/backend.ts";
import { loadBlas } from "../src/nnet/blas.ts";
import { measureThroughput, PAPER_SHAPE, pytorchThroughput, type Throughput } from "../src/nnet/bench.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    steps: { kind: "int", default: 20, help: "timed training steps per path and round" },
    rounds: { kind: "int", default: 3, help: "rounds; each runs every fast path once, interleaved" },
    variant: { kind: "string", default: "", help: "internal: measure one path in this process" },
  });
  if (args.variant) {
    const [backend, blas] = args.variant.split("+");
    const info = await initBackend(backend as BackendChoice, { blas: blas === "blas" });
    const r = await measureThroughput(PAPER_SHAPE, args.steps);
    console.log(JSON.stringify({ ...r, backend: info.name, blas: info.blas }));
    return;
  }
  const shape = PAPER_SHAPE;
  console.log(
    `paper-size DNN: ${
      shape.dims.join("-")
    }, minibatch ${shape.batch}; ${args.rounds} interleaved rounds of ${args.steps} steps`,
  );
  const child = async (variant: string, steps: number) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "--variant", variant, "--steps", String(steps)],
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the ${variant} run failed`);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as Throughput;
  };
  const blas = loadBlas();
  if (!blas) {
    console.log(
      "no BLAS library found (set BLAS_LIB, or install libopenblas0-pthread): that path is skipped",
    );
  }
  type Path = [string, (steps: number) => Promise<Throughput | string>];
  const paths: Path[] = [
    ["PyTorch CPU, 1 thread", (n) => pytorchThroughput(shape, n, 1)],
    ["PyTorch CPU, 2 threads", (n) => pytorchThroughput(shape, n, 2)],
  ];
  if (blas) paths.unshift([`phl wasm + BLAS (${blas.path})`, (n) => child("wasm+blas", n)]);

  const runs = new Map<string, Throughput[]>(paths.map(([name]) => [name, []]));
  let torchMissing: string | null = null;
  let gflops = 0;
  for (let round = 0; round < args.rounds; round++) {
    if (blas) gflops = Math.max(gflops, sgemmRate(blas));
    for (const [name, run] of paths) {
      if (torchMissing && name.startsWith("PyTorch")) continue;
      const r = await run(args.steps);
      if (typeof r === "string") torchMissing = r;
      else runs.get(name)!.push(r);
    }
  }
  if (torchMissing) console.log(torchMissing);
  if (await hasAdapter(false)) runs.set("phl WebGPU (one round)", [await child("webgpu+none", args.steps)]);
  else console.log("no hardware WebGPU adapter here: the WebGPU path is not timed");
  runs.set("phl wasm SIMD (tfjs kernels, one short round)", [
    await child("wasm+none", Math.max(4, args.steps >> 2)),
  ]);
  runs.set("phl tfjs cpu backend (one short round)", [await child("cpu+none", 2)]);
  const best = new Map(
    [...runs].filter(([, r]) => r.length).map(([name, r]) => [name, {
      trainFps: Math.max(...r.map((x) => x.trainFps)),
      forwardFps: Math.max(...r.map((x) => x.forwardFps)),
    }]),
  );
  const torch = [...best].filter(([n]) => n.startsWith("PyTorch")).map(([, r]) => r);
  const torchTrain = torch.length ? Math.max(...torch.map((r) => r.trainFps)) : null;
  const torchForward = torch.length ? Math.max(...torch.map((r) => r.forwardFps)) : null;
  console.log(
    "\n| path | train frames/s | forward frames/s | train vs PyTorch | forward vs PyTorch | of sgemm rate |",
  );
  console.log("| --- | --- | --- | --- | --- | --- |");
  for (const [name, r] of best) {
    const flopRate = (r.trainFps * shape.trainFlopsPerFrame) / 1e9;
    console.log(
      `| ${name} | ${r.trainFps.toFixed(0)} | ${r.forwardFps.toFixed(0)} | ${
        torchTrain ? (r.trainFps / torchTrain).toFixed(2) + "x" : "n/a"
      } | ${torchForward ? (r.forwardFps / torchForward).toFixed(2) + "x" : "n/a"} | ${
        gflops ? ((100 * flopRate) / gflops).toFixed(0) + "%" : "n/a"
      } |`,
    );
  }
  console.log("\nBest of the rounds per path; PyTorch's best thread setting is the reference.");
  if (gflops) {
    console.log(
      `sgemm on this net's shapes (256 x 1024 x 1024), best of the rounds: ${gflops.toFixed(0)} GFLOP/s`,
    );
  }

  function sgemmRate(b: NonNullable<typeof blas>): number {
    const m = shape.batch, k = 1024, n = 1024;
    const a = new Float32Array(m * k).fill(0.5),
      w = new Float32Array(k * n).fill(0.25),
      c = new Float32Array(m * n);
    for (let i = 0; i < 5; i++) b.sgemm(false, false, m, n, k, 1, a, w, 0, c);
    const t0 = performance.now(), reps = 50;
    for (let i = 0; i < reps; i++) b.sgemm(false, false, m, n, k, 1, a, w, 0, c);
    return (2 * m * n * k * reps) / ((performance.now() - t0) / 1000) / 1e9;
  }
});
