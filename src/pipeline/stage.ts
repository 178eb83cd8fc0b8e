// Resumable stages: a stage's folder is reused when its stage.json records the same key (config, inputs, code version).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists, writeFileAtomic } from "../util/fs.ts";
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

/**
 * Runs `body` into `dir` unless `dir/stage.json` already holds this key; `body` returns the stage's summary,
 * written to results.json before stage.json. A folder left by a killed run has no stage.json (it is written last),
 * so it is wiped and made again; a `resumable` stage instead keeps a folder whose started.json holds the same key,
 * and its body picks up from what is there (checkpoints).
 */
export async function runStage<S extends object>(
  dir: string,
  key: StageKey,
  body: (dir: string) => S | Promise<S>,
  o: { resumable?: boolean } = {},
): Promise<Stage<S> & { made: boolean }> {
  const hash = keyHash(key);
  const file = join(dir, "stage.json"), started = join(dir, "started.json");
  const finished = exists(file) && exists(join(dir, "results.json"));
  if (finished && JSON.parse(Deno.readTextFileSync(file)).hash === hash) {
    return { ...readStage<S>(dir), made: false };
  }
  const resume = o.resumable && !exists(file) && exists(started) &&
    JSON.parse(Deno.readTextFileSync(started)).hash === hash;
  if (!resume) {
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
}

/** A short fingerprint of files (their contents), for stage keys. */
export function fingerprint(...paths: string[]): string {
  const h = createHash("sha256");
  for (const p of paths) h.update(p).update(Deno.readFileSync(p));
  return h.digest("hex").slice(0, 16);
}
