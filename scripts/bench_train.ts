// deno task bench:train [--steps N] [--rounds N] [--shapes paper,cpu] — DNN training and forward frames/s per CPU path, beside PyTorch, interleaved.
import { parseArgs, runMain } from "../src/util/args.ts";
import { type BackendChoice, hasAdapter, initBackend, type Products } from "../src/nnet/backend.ts";
import { type Blas, loadBlas } from "../src/nnet/blas.ts";
import { coreBlas } from "../src/nnet/core_blas.ts";
import {
  CPU_SHAPE,
  measureThroughput,
  type NetShape,
  PAPER_SHAPE,
  pytorchThroughput,
  type Throughput,
} from "../src/nnet/bench.ts";
import { startGemm } from "../src/simd/gemm.ts";

const SHAPES: Record<string, [string, NetShape]> = {
  paper: ["paper-size DNN", PAPER_SHAPE],
  cpu: ["default profile's initial DNN", CPU_SHAPE],
};

await runMain(async () => {
  const args = parseArgs(Deno.args, {
    steps: { kind: "int", default: 20, help: "timed training steps per path and round" },
    rounds: { kind: "int", default: 3, help: "rounds; each runs every fast path once, interleaved" },
    shapes: { kind: "string", default: "paper,cpu", help: "networks to time: paper, cpu (comma-separated)" },
    variant: { kind: "string", default: "", help: "internal: measure one path in this process" },
  });
  const shapes = args.shapes.split(",").map((name) => {
    if (!(name in SHAPES)) throw new Error(`--shapes: unknown network ${name} (paper, cpu)`);
    return [name, ...SHAPES[name]] as const;
  });
  if (args.variant) {
    const [backend, products] = args.variant.split("+");
    const info = await initBackend(backend as BackendChoice, { products: products as Products });
    if (products === "auto" && !info.blas) throw new Error("no system BLAS loaded");
    const r = await measureThroughput(shapes[0][2], args.steps);
    console.log(JSON.stringify({ ...r, backend: info.name, matmul: info.matmul }));
    return;
  }
  const blas = loadBlas();
  if (!blas) {
    console.log(
      "no BLAS library found (set BLAS_LIB, or install libopenblas0-pthread): that path is skipped",
    );
  }
  const core = await coreBlas(), gemm = await startGemm();
  for (const [name, title, shape] of shapes) {
    console.log(
      `\n${title}: ${
        shape.dims.join("-")
      }, minibatch ${shape.batch}; ${args.rounds} interleaved rounds of ${args.steps} steps`,
    );
    await benchShape(shape, name);
  }

  async function benchShape(shape: NetShape, shapeName: string) {
    const child = async (variant: string, steps: number) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL(import.meta.url).pathname,
          "--variant",
          variant,
          "--steps",
          String(steps),
          "--shapes",
          shapeName,
        ],
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`the ${variant} run failed`);
      const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
      return JSON.parse(lines[lines.length - 1]) as Throughput;
    };
    type Path = [string, (steps: number) => Promise<Throughput | string>];
    const blasName = blas ? `phl wasm + BLAS (${blas.path})` : "";
    const paths: Path[] = [
      [`phl wasm + ${core.path}`, (n) => child("wasm+core", n)],
      ["PyTorch CPU, 1 thread", (n) => pytorchThroughput(shape, n, 1)],
      ["PyTorch CPU, 2 threads", (n) => pytorchThroughput(shape, n, 2)],
    ];
    if (blas) paths.unshift([blasName, (n) => child("wasm+auto", n)]);

    const runs = new Map<string, Throughput[]>(paths.map(([name]) => [name, []]));
    let torchMissing: string | null = null;
    let blasRate = 0, coreRate = 0, peak = 0;
    for (let round = 0; round < args.rounds; round++) {
      if (blas) blasRate = Math.max(blasRate, sgemmRate(blas));
      coreRate = Math.max(coreRate, sgemmRate(core));
      peak = Math.max(peak, gemm.simdPeak(0.2) * gemm.threads);
      for (const [name, run] of paths) {
        if (torchMissing && name.startsWith("PyTorch")) continue;
        const r = await run(args.steps);
        if (typeof r === "string") torchMissing = r;
        else runs.get(name)!.push(r);
      }
    }
    if (torchMissing) console.log(torchMissing);
    if (await hasAdapter(false)) runs.set("phl WebGPU (one round)", [await child("webgpu+tfjs", args.steps)]);
    else console.log("no hardware WebGPU adapter here: the WebGPU path is not timed");
    runs.set("phl wasm SIMD (tfjs kernels, one short round)", [
      await child("wasm+tfjs", Math.max(4, args.steps >> 2)),
    ]);
    runs.set("phl tfjs cpu backend (one short round)", [await child("cpu+tfjs", 2)]);
    const best = new Map(
      [...runs].filter(([, r]) => r.length).map(([name, r]) => [name, {
        trainFps: Math.max(...r.map((x) => x.trainFps)),
        forwardFps: Math.max(...r.map((x) => x.forwardFps)),
      }]),
    );
    const torch = [...best].filter(([n]) => n.startsWith("PyTorch")).map(([, r]) => r);
    const torchTrain = torch.length ? Math.max(...torch.map((r) => r.trainFps)) : null;
    const torchForward = torch.length ? Math.max(...torch.map((r) => r.forwardFps)) : null;
    const blasTrain = best.get(blasName)?.trainFps ?? null;
    const ratio = (x: number, of: number | null) => (of ? (x / of).toFixed(2) + "x" : "n/a");
    console.log(
      "\n| path | train frames/s | forward frames/s | train vs PyTorch | forward vs PyTorch | train vs BLAS path | train GFLOP/s |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const [name, r] of best) {
      console.log(
        `| ${name} | ${r.trainFps.toFixed(0)} | ${r.forwardFps.toFixed(0)} | ${
          ratio(r.trainFps, torchTrain)
        } | ${ratio(r.forwardFps, torchForward)} | ${ratio(r.trainFps, blasTrain)} | ${
          ((r.trainFps * shape.trainFlopsPerFrame) / 1e9).toFixed(1)
        } |`,
      );
    }
    console.log("\nBest of the rounds per path; PyTorch's best thread setting is the reference.");
    const at = `${shape.batch} x ${shape.dims[1]} x ${shape.dims[1]}`;
    console.log(
      `sgemm ${at}, best of the rounds: ${blas ? `system BLAS ${blasRate.toFixed(0)} GFLOP/s; ` : ""}` +
        `phl core ${coreRate.toFixed(0)} GFLOP/s${blas ? ` (${ratio(coreRate, blasRate)} the BLAS)` : ""}, ` +
        `${(100 * coreRate / peak).toFixed(0)}% of the 128-bit SIMD limit ` +
        `(${
          peak.toFixed(0)
        } GFLOP/s: ${gemm.kernel} on vectors in registers, one thread's rate x ${gemm.threads})`,
    );

    function sgemmRate(b: Blas): number {
      const m = shape.batch, k = shape.dims[1], n = shape.dims[1];
      const a = new Float32Array(m * k).fill(0.5),
        w = new Float32Array(k * n).fill(0.25),
        c = new Float32Array(m * n);
      for (let i = 0; i < 5; i++) b.sgemm(false, false, m, n, k, 1, a, w, 0, c);
      const t0 = performance.now(), reps = 50;
      for (let i = 0; i < reps; i++) b.sgemm(false, false, m, n, k, 1, a, w, 0, c);
      return (2 * m * n * k * reps) / ((performance.now() - t0) / 1000) / 1e9;
    }
  }
});
