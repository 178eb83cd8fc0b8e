// Compiles asm/ (AssemblyScript) into .wasm files: the core with or without SIMD, and the threaded matrix product with or without relaxed SIMD; run by scripts/setup.ts when asm/ changed.
import asc from "assemblyscript/asc";

const ASC_FLAGS = ["-O3", "--noAssert", "--runtime", "stub"];
/** The matrix product runs on a memory that the caller creates and shares with its workers (up to 4 GiB). */
const SHARED = ["--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536"];
const SIMD = ["--enable", "simd"];

const VARIANTS: Record<string, string[]> = {
  simd: ["asm/index.ts", ...SIMD],
  scalar: ["asm/index.ts", "--disable", "simd"],
  gemm: ["asm/gemm.ts", ...SIMD, "--enable", "threads", ...SHARED],
  "gemm-relaxed": ["asm/gemm.ts", ...SIMD, "--enable", "threads", "--enable", "relaxed-simd", ...SHARED],
};

if (import.meta.main) {
  const [out, variant] = Deno.args;
  if (!out || !(variant in VARIANTS)) {
    throw new Error(`usage: build_asm.ts OUT.wasm ${Object.keys(VARIANTS).join("|")}`);
  }
  const [entry, ...features] = VARIANTS[variant];
  const { error, stderr } = await asc.main([entry, "--outFile", out, ...ASC_FLAGS, ...features], {
    stdout: { write: () => true },
  });
  if (error) {
    console.error(`AssemblyScript build failed:\n${stderr.toString()}`);
    Deno.exit(1);
  }
}
