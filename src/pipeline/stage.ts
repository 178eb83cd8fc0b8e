// Resumable stages: a stage's folder is reused when its stage.json records the same key (config, inputs, code version).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists, TEMPORARY, writeFileAtomic } from "../util/fs.ts";
import { withStageLock } from "../util/lock.ts";
import { memoryNow } from "../util/memory.ts";
import { codeVersion } from "./stage_code.ts";

/** A finished stage: its folder, the hash of its key (what later stages key on), the key, and its summary. */
export interface Stage<S> {
  dir: string;
  hash: string;
  key: Record<string, unknown>;
  summary: S;
}

/** What a stage's key must hold: its kind, which names the code that makes it (stage_code.ts). */
export type StageKey = { stage: string } & Record<string, unknown>;

/** The hash a stage is known by: of its key and its kind's code version. */
export const keyHash = (key: StageKey, code = codeVersion(key.stage)) =>
  createHash("sha256").update(JSON.stringify({ ...key, code })).digest("hex");

/** A finished stage from its folder (stage.json and results.json); an error if it is not there or not finished. */
export function readStage<S>(dir: string): Stage<S> {
  const file = join(dir, "stage.json"), results = join(dir, "results.json");
  if (!exists(file) || !exists(results)) {
    throw new Error(`${dir}: not a finished stage (no stage.json or results.json)`);
  }
  const { hash, key } = JSON.parse(Deno.readTextFileSync(file));
  return { dir, hash, key, summary: JSON.parse(Deno.readTextFileSync(results)) };
}

/** Whether `dir` holds a finished stage of this hash. */
export function stageMade(dir: string, hash: string): boolean {
  const file = join(dir, "stage.json");
  return exists(file) && exists(join(dir, "results.json")) &&
    JSON.parse(Deno.readTextFileSync(file)).hash === hash;
}

/**
 * Runs `body` into `dir` unless `dir/stage.json` already holds this key; `body` returns the stage's summary,
 * written to results.json before stage.json. A folder left by a killed run has no stage.json (it is written last),
 * so it is wiped and made again; a `resumable` stage instead keeps a folder whose started.json holds the same key
 * (less the temporary files of a killed write), and its body picks up from what is there (checkpoints). The stage
 * is built under its lock (util/lock.ts): a second run waits for it and then reuses it.
 */
export async function runStage<S extends object>(
  dir: string,
  key: StageKey,
  body: (dir: string) => S | Promise<S>,
  o: { resumable?: boolean } = {},
): Promise<Stage<S> & { made: boolean }> {
  const hash = keyHash(key);
  const file = join(dir, "stage.json"), started = join(dir, "started.json");
  const finished = () => stageMade(dir, hash);
  if (finished()) return { ...readStage<S>(dir), made: false };
  return await withStageLock(dir, async () => {
    if (finished()) return { ...readStage<S>(dir), made: false }; // another run built it while this one waited
    const resume = o.resumable && !exists(file) && exists(started) &&
      JSON.parse(Deno.readTextFileSync(started)).hash === hash;
    if (resume) removeTemporaries(dir);
    else {
      if (exists(dir)) Deno.removeSync(dir, { recursive: true });
      Deno.mkdirSync(dir, { recursive: true });
      if (o.resumable) writeFileAtomic(started, JSON.stringify({ hash, key }, null, 2) + "\n");
    }
    const summary = await body(dir);
    const memory = memoryNow();
    console.error(`[stage] ${dir}: made; ${Object.entries(memory).map(([k, v]) => `${k} ${v}`).join(", ")}`);
    writeFileAtomic(join(dir, "results.json"), JSON.stringify(summary, null, 2) + "\n");
    writeFileAtomic(
      file,
      JSON.stringify({ hash, key, finished: new Date().toISOString(), memory }, null, 2) + "\n",
    );
    return { dir, hash, key, summary, made: true };
  });
}

/** Files a killed write left in a folder being resumed (the temporary names of writeFileAtomic and ArkWriter). */
function removeTemporaries(dir: string) {
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) removeTemporaries(path);
    else if (TEMPORARY.test(e.name)) Deno.removeSync(path);
  }
}

/** A short fingerprint of files (their contents), for stage keys. */
export function fingerprint(...paths: string[]): string {
  const h = createHash("sha256");
  for (const p of paths) h.update(p).update(Deno.readFileSync(p));
  return h.digest("hex").slice(0, 16);
}
