// Makes a checkout runnable: installs the pinned npm packages and builds the wasm core when missing or stale.
// Imports only Deno built-ins and node: modules, since it runs before node_modules exists.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const stamp = (path: string) => join(root, path);
const sha = (...parts: (string | Uint8Array)[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
const readOr = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "");

function run(cmd: string, args: string[]) {
  const status =
    new Deno.Command(cmd, { args, cwd: root, stdout: "inherit", stderr: "inherit" }).outputSync().code;
  if (status !== 0) throw new Error(`setup: '${cmd} ${args.join(" ")}' exited with ${status}`);
}

function installPackages() {
  const want = sha(readFileSync(stamp("package-lock.json")));
  const marker = stamp("node_modules/.phl-lock-sha256");
  if (readOr(marker) === want) return;
  console.error("setup: installing npm packages (npm ci)");
  run("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
  writeFileSync(marker, want);
}

function buildAsm(force: boolean) {
  const asmDir = stamp("asm");
  const sources = readdirSync(asmDir).filter((f) => f.endsWith(".ts")).sort();
  const ascVersion =
    JSON.parse(readFileSync(stamp("node_modules/assemblyscript/package.json"), "utf8")).version;
  const want = sha(
    ascVersion,
    readFileSync(stamp("scripts/build_asm.ts")),
    ...sources.flatMap((f) => [f, readFileSync(join(asmDir, f))]),
  );
  const marker = stamp("asm/build/core.sha256");
  const outputs = {
    simd: stamp("asm/build/core.wasm"),
    scalar: stamp("asm/build/core-scalar.wasm"),
    gemm: stamp("asm/build/gemm.wasm"),
    "gemm-relaxed": stamp("asm/build/gemm-relaxed.wasm"),
  };
  if (!force && Object.values(outputs).every(existsSync) && readOr(marker) === want) return;
  console.error("setup: building asm/build/*.wasm (AssemblyScript)");
  mkdirSync(stamp("asm/build"), { recursive: true });
  for (const [variant, out] of Object.entries(outputs)) {
    // A fresh process: this one resolved node_modules before npm ci ran.
    run(Deno.execPath(), ["run", "-A", "scripts/build_asm.ts", `${out}.tmp`, variant]);
    renameSync(`${out}.tmp`, out);
  }
  writeFileSync(marker, want);
}

installPackages();
buildAsm(Deno.args.includes("--rebuild-asm"));
