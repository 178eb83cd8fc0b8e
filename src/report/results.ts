// Results files: results/<name>.md and .json, with what a reader needs to trust and rerun them (commit, config, versions).
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ErrorCounts, errorRate } from "../decode/score.ts";
import { TEMPORARY, writeFileAtomic } from "../util/fs.ts";

export const RESULTS_DIR = "results";

/** The checkout this code runs from (its commit and packages are recorded, whatever the working directory). */
const REPO = fileURLToPath(new URL("../../", import.meta.url));

function git(...args: string[]): string | null {
  try {
    const r = new Deno.Command("git", { args, cwd: REPO, stdout: "piped", stderr: "null" }).outputSync();
    return r.success ? new TextDecoder().decode(r.stdout).trim() : null;
  } catch {
    return null;
  }
}

/**
 * The commit (with a note when the tree has uncommitted changes outside results/, which the run itself rewrites),
 * Deno's and the npm packages' versions.
 */
export function runMetadata() {
  const commit = git("rev-parse", "HEAD"),
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!results");
  const pkg = JSON.parse(Deno.readTextFileSync(join(REPO, "package.json")));
  const packages = Object.fromEntries(
    Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).map((name) => {
      try {
        return [
          name,
          JSON.parse(Deno.readTextFileSync(join(REPO, "node_modules", name, "package.json"))).version,
        ];
      } catch {
        return [name, null];
      }
    }),
  );
  return {
    date: new Date().toISOString(),
    gitCommit: commit ? commit + (dirty ? " (with uncommitted changes)" : "") : null,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    packages,
    hardwareConcurrency: navigator.hardwareConcurrency,
  };
}

/**
 * Writes a file of results/ atomically, after removing the temporaries a killed write of it left (results/ is
 * not a stage folder, which a resumed stage cleans).
 */
export function writeResultFile(path: string, data: string) {
  const dir = dirname(path), name = basename(path);
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (e.name.startsWith(`${name}.tmp`) && TEMPORARY.test(e.name)) Deno.removeSync(join(dir, e.name));
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  writeFileAtomic(path, data);
}

/** Writes results/<name>.md and results/<name>.json (the JSON gets runMetadata() as "run"); `name` may hold a folder. */
export function writeResults(name: string, markdown: string, json: object): { md: string; json: string } {
  const md = join(RESULTS_DIR, `${name}.md`), js = join(RESULTS_DIR, `${name}.json`);
  console.error(`[results] writing ${md} and ${js}`);
  Deno.mkdirSync(dirname(md), { recursive: true });
  writeResultFile(md, markdown);
  writeResultFile(js, JSON.stringify({ run: runMetadata(), ...json }, null, 2) + "\n");
  return { md, json: js };
}

export const per = (c: ErrorCounts) => errorRate(c);
/** Relative improvement in percent of `c` over `base`. */
export const relativeGain = (c: ErrorCounts, base: ErrorCounts) => (100 * (per(base) - per(c))) / per(base);
