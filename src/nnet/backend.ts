// Picks and checks the tfjs backend: WebGPU on a hardware adapter, else WASM SIMD (matrix products by a system BLAS when one loads, else by phl's wasm core), else cpu.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-webgpu";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { exists } from "../util/fs.ts";
import { memoryProbes } from "../util/memory.ts";
import { loadBlas } from "./blas.ts";
import { registerBlasKernels } from "./wasm_blas.ts";
import { coreBlas } from "./core_blas.ts";
import { setTransposeFlagsFast } from "./ops.ts";

export type BackendChoice = "auto" | "webgpu" | "wasm" | "cpu";

export interface BackendInfo {
  /** What tfjs actually runs on (tf.getBackend() after setup). */
  name: "webgpu" | "wasm" | "cpu";
  /** The system BLAS library behind the wasm backend's matrix products, or null. */
  blas: string | null;
  /** What runs the wasm backend's matrix products: the system BLAS, phl's wasm core, or null (tfjs-wasm's own). */
  matmul: string | null;
}

/** The wasm backend's matrix products: a system BLAS when one loads else phl's core, the core, or tfjs-wasm's own. */
export type Products = "auto" | "core" | "tfjs";

let current: BackendInfo | null = null;

/** What a run's results say of its matrix products: " + BLAS", " + phl's wasm core", or nothing (tfjs's own). */
export function productsTag(s: { blas: string | null; matmul?: string | null }): string {
  return s.blas ? " + BLAS" : s.matmul ? " + phl's wasm core" : "";
}

memoryProbes.set("tensors", () => tf.engine().state.numTensors);
memoryProbes.set("tfjsWasmHeapMB", () => {
  const wasm = (tf.engine().registry.wasm as { wasm?: { HEAPU8: Uint8Array } } | undefined)?.wasm;
  return wasm ? Math.round(wasm.HEAPU8.length / 2 ** 20) : 0;
});
let wasmReady = false;
let blasPath: string | null = null, matmul: string | null = null;

/** Whether a WebGPU adapter exists; a software fallback (such as llvmpipe) counts only when `allowFallback`. */
export async function hasAdapter(allowFallback: boolean): Promise<boolean> {
  const adapter = await requestAdapter();
  return adapter !== null && (allowFallback || !adapter.info?.isFallbackAdapter);
}

type Adapter = { info?: { isFallbackAdapter?: boolean } };

/**
 * Deno's WebGPU adapter, or null. On a headless machine without XDG_RUNTIME_DIR the graphics stack prints
 * "error: XDG_RUNTIME_DIR is invalid or not set" at every request, which reads as a failure: a private empty folder
 * is given to it instead.
 */
async function requestAdapter(): Promise<Adapter | null> {
  const gpu = (navigator as { gpu?: { requestAdapter(): Promise<Adapter | null> } }).gpu;
  if (!gpu) return null;
  const runtime = Deno.env.get("XDG_RUNTIME_DIR");
  if (!runtime || !exists(runtime)) {
    const dir = Deno.makeTempDirSync({ prefix: "phl-runtime-" });
    Deno.chmodSync(dir, 0o700);
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  }
  try {
    return await gpu.requestAdapter();
  } catch {
    return null;
  }
}

let announced = false;

/** One line per process: the backend that runs, its matrix products, and why it was chosen. */
function announce(b: BackendInfo, choice: BackendChoice, reason: string) {
  if (announced) return;
  announced = true;
  const products = b.name !== "wasm"
    ? ""
    : b.matmul
    ? `, matrix products by ${b.matmul}`
    : ", tfjs-wasm's own matrix products";
  console.error(`[backend] ${b.name}${products} (${choice === "auto" ? reason : "asked for"})`);
}

/**
 * Sets up tfjs: `auto` takes WebGPU on a hardware adapter, else WASM, else cpu; an explicit choice that cannot be
 * had is an error (tfjs would fall back silently). The wasm backend's matrix products go to a system BLAS when one
 * loads, else to phl's threaded wasm core (`products` chooses otherwise, for the whole process). Switching backends
 * later is allowed.
 */
export async function initBackend(
  choice: BackendChoice = "auto",
  o: { products?: Products } = {},
): Promise<BackendInfo> {
  const hardware = choice === "auto" && (await hasAdapter(false));
  const order: ("webgpu" | "wasm" | "cpu")[] = choice === "auto"
    ? [...(hardware ? ["webgpu" as const] : []), "wasm", "cpu"]
    : [choice];
  for (const name of order) {
    if (name === "webgpu" && !(await hasAdapter(true))) {
      throw new Error("the webgpu backend is not available here: no WebGPU adapter");
    }
    if (name === "wasm" && !wasmReady) {
      setWasmPaths(dirname(createRequire(import.meta.url).resolve("@tensorflow/tfjs-backend-wasm")) + "/");
      const products = o.products ?? "auto";
      const lib = products === "auto" ? loadBlas() : null;
      if (lib) blasPath = lib.path;
      const product = lib ?? (products === "tfjs" ? null : await coreBlas());
      if (product) registerBlasKernels(product), (matmul = product.path);
      wasmReady = true;
    }
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      await tf.ready();
    } catch {
      ok = false;
    }
    if (ok && tf.getBackend() === name) {
      current = { name, blas: name === "wasm" ? blasPath : null, matmul: name === "wasm" ? matmul : null };
      setTransposeFlagsFast(name !== "wasm" || matmul !== null);
      announce(
        current,
        choice,
        name === "webgpu"
          ? "a hardware WebGPU adapter"
          : name === "wasm"
          ? `no hardware WebGPU adapter${
            blasPath || o.products
              ? ""
              : "; no system BLAS found (apt-get install libopenblas0-pthread, or BLAS_LIB)"
          }`
          : "neither WebGPU nor WASM could be set up",
      );
      return current;
    }
    if (choice !== "auto") {
      throw new Error(`the ${name} backend is not available here (tfjs runs ${tf.getBackend()})`);
    }
  }
  throw new Error("no tfjs backend could be set up");
}
