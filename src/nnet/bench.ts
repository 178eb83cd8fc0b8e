// Training and forward throughput of an MLP shape on the current tfjs backend, and of PyTorch CPU on the same shape.
import * as tf from "@tensorflow/tfjs-core";
import { acousticSpec, Network, type NetworkSpec } from "./network.ts";
import { Rng } from "../util/rng.ts";

export interface NetShape {
  dims: number[];
  batch: number;
  /** Multiply-adds x 2 of one frame's forward pass, and of a training step (forward + two backward products). */
  forwardFlopsPerFrame: number;
  trainFlopsPerFrame: number;
}

function netShape(dims: number[], batch: number): NetShape {
  let macs = 0;
  for (let l = 1; l < dims.length; l++) macs += dims[l - 1] * dims[l];
  return { dims, batch, forwardFlopsPerFrame: 2 * macs, trainFlopsPerFrame: 6 * macs };
}

/** The paper's DNN: 11 x 40 inputs, 6 x 1024 sigmoid, 2042 senones, minibatch 256. */
export const PAPER_SHAPE = netShape([440, 1024, 1024, 1024, 1024, 1024, 1024, 2042], 256);
/** The default (cpu) profile's initial DNN on the default corpus: 3 x 512 sigmoid, its 2500 tied states. */
export const CPU_SHAPE = netShape([440, 512, 512, 512, 2500], 256);

export interface Throughput {
  trainFps: number;
  forwardFps: number;
  /** Summed losses of the timed steps (for comparing paths on the same data). */
  losses: number[];
}

/** Times `steps` SGD steps and as many forward passes on fixed random data, after two warm-up steps. */
export async function measureThroughput(shape: NetShape, steps: number): Promise<Throughput> {
  const net = Network.create(acousticSpec(shape.dims), new Rng("bench", "mlp init"));
  const n = shape.batch, inDim = shape.dims[0], outDim = shape.dims[shape.dims.length - 1];
  const x = tf.randomNormal([n, inDim], 0, 1, "float32", 7) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7919) % outDim), "int32");
  const run = async (count: number) => {
    const losses: number[] = [];
    for (let s = 0; s < count; s++) {
      const r = net.step(x, y, 0.008);
      losses.push((await r.loss.data())[0]);
      tf.dispose([r.loss, r.correct]);
    }
    return losses;
  };
  await run(2);
  let t0 = performance.now();
  const losses = await run(steps);
  const trainFps = (steps * n) / ((performance.now() - t0) / 1000);
  t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const p = net.logPosteriors(x);
    await p.data();
    p.dispose();
  }
  const forwardFps = (steps * n) / ((performance.now() - t0) / 1000);
  net.dispose();
  tf.dispose([x, y]);
  return { trainFps, forwardFps, losses };
}

/**
 * Training and forward frames/s of a network graph (speaker input included) on random data: each timed over
 * minibatches of `batch` until `seconds` have passed (at least three), after one warm-up step.
 */
export async function timedThroughput(
  spec: NetworkSpec,
  batch: number,
  seconds: number,
): Promise<{ trainFps: number; forwardFps: number }> {
  const net = Network.create(spec, new Rng("bench", "timed net"));
  const outDim = spec.dims[spec.dims.length - 1];
  const x = tf.randomNormal([batch, spec.dims[0]], 0, 1, "float32", 7) as tf.Tensor2D;
  const y = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7919) % outDim), "int32");
  const s = spec.speakerDim
    ? tf.randomNormal([batch, spec.speakerDim], 0, 1, "float32", 8) as tf.Tensor2D
    : undefined;
  const rate = async (f: () => Promise<void>) => {
    await f();
    let n = 0;
    const t0 = performance.now();
    while (n < 3 || performance.now() - t0 < 1000 * seconds) await f(), n++;
    return (n * batch) / ((performance.now() - t0) / 1000);
  };
  const trainFps = await rate(async () => {
    const r = net.step(x, y, 0.008, s);
    await r.loss.data();
    tf.dispose([r.loss, r.correct]);
  });
  const forwardFps = await rate(async () => {
    const p = net.logPosteriors(x, s);
    await p.data();
    p.dispose();
  });
  net.dispose();
  tf.dispose([x, y, ...(s ? [s] : [])]);
  return { trainFps, forwardFps };
}

const TORCH_BENCH = `
import json, sys, time, torch
dims, batch, steps, threads = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
torch.set_num_threads(threads)
torch.manual_seed(0)
layers = []
for i in range(len(dims) - 1):
    layers.append(torch.nn.Linear(dims[i], dims[i + 1]))
    if i < len(dims) - 2:
        layers.append(torch.nn.Sigmoid())
net = torch.nn.Sequential(*layers)
opt = torch.optim.SGD(net.parameters(), lr=0.008)
x = torch.randn(batch, dims[0])
y = torch.arange(batch) * 7919 % dims[-1]
loss_fn = torch.nn.CrossEntropyLoss(reduction="sum")
def step():
    opt.zero_grad()
    loss = loss_fn(net(x), y)
    loss.backward()
    opt.step()
for _ in range(2):
    step()
t0 = time.perf_counter()
for _ in range(steps):
    step()
train = steps * batch / (time.perf_counter() - t0)
with torch.no_grad():
    t0 = time.perf_counter()
    for _ in range(steps):
        torch.log_softmax(net(x), 1)
    forward = steps * batch / (time.perf_counter() - t0)
print(json.dumps({"trainFps": train, "forwardFps": forward, "losses": []}))
`;

/**
 * PyTorch CPU on the same shape with `threads` threads, through PYTHON (default: /usr/bin/python3, then python3);
 * a sentence saying why when no Python with torch is found.
 */
export async function pytorchThroughput(
  shape: NetShape,
  steps: number,
  threads: number,
): Promise<Throughput | string> {
  const pythons = Deno.env.get("PYTHON") ? [Deno.env.get("PYTHON")!] : ["/usr/bin/python3", "python3"];
  for (const python of pythons) {
    let out: Deno.CommandOutput;
    try {
      out = await new Deno.Command(python, {
        args: [
          "-c",
          TORCH_BENCH,
          JSON.stringify(shape.dims),
          String(shape.batch),
          String(steps),
          String(threads),
        ],
        stderr: "piped",
      }).output();
    } catch {
      continue;
    }
    if (out.success) return JSON.parse(new TextDecoder().decode(out.stdout));
  }
  return `PyTorch is not available (tried ${
    pythons.join(", ")
  }; Debian: apt-get install python3-torch), so no ratio to it`;
}
