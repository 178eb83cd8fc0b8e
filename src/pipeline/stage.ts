// Resumable stages: a stage's folder is reused when its stage.json records the same key (config and inputs).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists } from "../util/fs.ts";

/**
 * Runs `body` into `dir` unless `dir/stage.json` already holds this key. A folder left by a killed run has no
 * stage.json (it is written last), so it is wiped and made again; a `resumable` stage instead keeps a folder
 * whose started.json holds the same key, and its body picks up from what is there (checkpoints).
 */
export async function runStage(
  dir: string,
  key: unknown,
  body: (dir: string) => void | Promise<void>,
  o: { resumable?: boolean } = {},
): Promise<"reused" | "made"> {
  const text = JSON.stringify(key);
  const hash = createHash("sha256").update(text).digest("hex");
  const file = join(dir, "stage.json"), started = join(dir, "started.json");
  if (exists(file) && JSON.parse(Deno.readTextFileSync(file)).hash === hash) return "reused";
  const resume = o.resumable && !exists(file) && exists(started) &&
    JSON.parse(Deno.readTextFileSync(started)).hash === hash;
  if (!resume) {
    if (exists(dir)) Deno.removeSync(dir, { recursive: true });
    Deno.mkdirSync(dir, { recursive: true });
    if (o.resumable) Deno.writeTextFileSync(started, JSON.stringify({ hash, key }, null, 2) + "\n");
  }
  await body(dir);
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ hash, key, finished: new Date().toISOString() }, null, 2) + "\n",
  );
  return "made";
}

/** A short fingerprint of files (their contents), for stage keys. */
export function fingerprint(...paths: string[]): string {
  const h = createHash("sha256");
  for (const p of paths) h.update(p).update(Deno.readFileSync(p));
  return h.digest("hex").slice(0, 16);
}
