// Crash-safe writes: everything goes to a temporary name first and is renamed into place when complete.
import { dirname } from "node:path";

/** What a temporary name looks like: writeFileAtomic's `.tmp-<pid>-<n>`, ArkWriter's `.tmp`. */
export const TEMPORARY = /\.tmp(-\d+-\d+)?$/;

function tempName(path: string) {
  return `${path}.tmp-${Deno.pid}-${Math.floor(performance.now() * 1000)}`;
}

export function writeFileAtomic(path: string, data: string | Uint8Array) {
  Deno.mkdirSync(dirname(path), { recursive: true });
  const tmp = tempName(path);
  if (typeof data === "string") Deno.writeTextFileSync(tmp, data);
  else Deno.writeFileSync(tmp, data);
  Deno.renameSync(tmp, path);
}

/** Fills a temporary sibling folder with `fill`, then swaps it in for `dir` (an old `dir` is replaced only then). */
export async function writeDirAtomic(dir: string, fill: (tmpDir: string) => void | Promise<void>) {
  Deno.mkdirSync(dirname(dir), { recursive: true });
  const tmp = tempName(dir);
  Deno.mkdirSync(tmp);
  try {
    await fill(tmp);
  } catch (e) {
    Deno.removeSync(tmp, { recursive: true });
    throw e;
  }
  const old = exists(dir) ? tempName(`${dir}.old`) : null;
  if (old) Deno.renameSync(dir, old);
  Deno.renameSync(tmp, dir);
  if (old) Deno.removeSync(old, { recursive: true });
}

export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}
