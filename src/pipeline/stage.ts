// Resumable stages: a stage's folder is reused when its stage.json records the same key (config and inputs).
import { createHash } from "node:crypto";
import { join } from "node:path";
import { exists } from "../util/fs.ts";

/**
 * Runs `body` into `dir` unless `dir/stage.json` already holds this key. A folder left by a killed run has no
 * stage.json (it is written last), so it is wiped and made again.
 */
export async function runStage(
  dir: string,
  key: unknown,
  body: (dir: string) => void | Promise<void>,
): Promise<"reused" | "made"> {
  const text = JSON.stringify(key);
  const hash = createHash("sha256").update(text).digest("hex");
  const file = join(dir, "stage.json");
  if (exists(file) && JSON.parse(Deno.readTextFileSync(file)).hash === hash) return "reused";
  if (exists(dir)) Deno.removeSync(dir, { recursive: true });
  Deno.mkdirSync(dir, { recursive: true });
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
