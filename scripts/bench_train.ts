// deno task bench:train [--steps N] — training and forward frames/s of the paper-size DNN per available CPU path, beside PyTorch.
import { parseArgs, runMain } from "../src/util/args.ts";
import { type BackendChoice, initBackend } from "../src/nnet/backend.ts";
import { loadBlas } from "../src/nnet/blas.ts";
import { measureThroughput, PAPER_SHAPE, pytorchThroughput, type Throughput } from "../src/nnet/bench.ts";

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    steps: { kind: "int", default: 20, help: "timed training steps per path" },
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
    `paper-size DNN: ${shape.dims.join("-")}, minibatch ${shape.batch}, ${args.steps} timed steps per path`,
  );
  const rows: [string, Throughput][] = [];
  const child = async (variant: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL(import.meta.url).pathname,
        "--variant",
        variant,
        "--steps",
        String(args.steps),
      ],
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error(`the ${variant} run failed`);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    return JSON.parse(lines[lines.length - 1]) as Throughput;
  };
  const blas = loadBlas();
  if (blas) rows.push([`phl wasm + BLAS (${blas.path})`, await child("wasm+blas")]);
  else {console.log(
      "no BLAS library found (set BLAS_LIB, or install libopenblas0-pthread): the BLAS path is skipped",
    );}
  rows.push(["phl wasm SIMD (tfjs kernels)", await child("wasm+none")]);
  for (const threads of [1, 2]) {
    const r = await pytorchThroughput(shape, args.steps, threads);
    if (typeof r === "string") {
      console.log(r);
      break;
    }
    rows.push([`PyTorch CPU, ${threads} thread${threads > 1 ? "s" : ""}`, r]);
  }
  const torchBest = rows.filter(([n]) => n.startsWith("PyTorch")).map(([, r]) => r.trainFps);
  const best = torchBest.length ? Math.max(...torchBest) : null;
  const gflops = blas ? sgemmRate(blas) : null;
  console.log("\n| path | train frames/s | forward frames/s | vs PyTorch (best threads) | of sgemm rate |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const [name, r] of rows) {
    const flopRate = (r.trainFps * shape.trainFlopsPerFrame) / 1e9;
    console.log(
      `| ${name} | ${r.trainFps.toFixed(0)} | ${r.forwardFps.toFixed(0)} | ${
        best ? (r.trainFps / best).toFixed(2) + "x" : "n/a"
      } | ${gflops ? ((100 * flopRate) / gflops).toFixed(0) + "%" : "n/a"} |`,
    );
  }
  if (gflops) console.log(`\nsgemm on this net's shapes: ${gflops.toFixed(0)} GFLOP/s`);

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
