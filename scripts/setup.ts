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

async function buildAsm(force: boolean) {
  const asmDir = stamp("asm");
  const sources = readdirSync(asmDir).filter((f) => f.endsWith(".ts")).sort();
  const ascVersion =
    JSON.parse(readFileSync(stamp("node_modules/assemblyscript/package.json"), "utf8")).version;
  const flags = ["-O3", "--noAssert", "--runtime", "stub", "--enable", "simd"];
  const want = sha(
    ascVersion,
    flags.join(" "),
    ...sources.flatMap((f) => [f, readFileSync(join(asmDir, f))]),
  );
  const out = stamp("asm/build/core.wasm");
  const marker = stamp("asm/build/core.sha256");
  if (!force && existsSync(out) && readOr(marker) === want) return;
  console.error("setup: building asm/build/core.wasm (AssemblyScript, SIMD)");
  mkdirSync(stamp("asm/build"), { recursive: true });
  const { default: asc } = await import("assemblyscript/asc");
  const tmp = `${out}.tmp`;
  const { error, stderr } = await asc.main(["asm/index.ts", "--outFile", tmp, ...flags], {
    stdout: { write: () => true },
  });
  if (error) throw new Error(`setup: AssemblyScript build failed:\n${stderr.toString()}`);
  renameSync(tmp, out);
  writeFileSync(marker, want);
}

installPackages();
await buildAsm(Deno.args.includes("--rebuild-asm"));
