// Compiles asm/ (AssemblyScript, SIMD) into the given .wasm file; run by scripts/setup.ts when asm/ changed.
import asc from "assemblyscript/asc";

const ASC_FLAGS = ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd"];

if (import.meta.main) {
  const out = Deno.args[0];
  if (!out) throw new Error("usage: build_asm.ts OUT.wasm");
  const { error, stderr } = await asc.main(["asm/index.ts", "--outFile", out, ...ASC_FLAGS], {
    stdout: { write: () => true },
  });
  if (error) {
    console.error(`AssemblyScript build failed:\n${stderr.toString()}`);
    Deno.exit(1);
  }
}
