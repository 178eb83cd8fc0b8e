// Compiles asm/ (AssemblyScript) into a .wasm file, with or without SIMD; run by scripts/setup.ts when asm/ changed.
import asc from "assemblyscript/asc";

const ASC_FLAGS = ["-O3", "--noAssert", "--runtime", "stub"];

if (import.meta.main) {
  const [out, variant] = Deno.args;
  if (!out || (variant !== "simd" && variant !== "scalar")) {
    throw new Error("usage: build_asm.ts OUT.wasm simd|scalar");
  }
  const features = variant === "simd" ? ["--enable", "simd"] : ["--disable", "simd"];
  const { error, stderr } = await asc.main(["asm/index.ts", "--outFile", out, ...ASC_FLAGS, ...features], {
    stdout: { write: () => true },
  });
  if (error) {
    console.error(`AssemblyScript build failed:\n${stderr.toString()}`);
    Deno.exit(1);
  }
}
