// Worker for src/util/lock.ts: touches a held lock file's mtime every interval while its contents are still ours.
/// <reference lib="deno.worker" />

self.onmessage = (e: MessageEvent<{ path: string; mine: string; intervalMs: number }>) => {
  const { path, mine, intervalMs } = e.data;
  const id = setInterval(() => {
    let raw: string | null = null;
    try {
      raw = Deno.readTextFileSync(path);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
    }
    if (raw === mine) {
      const now = new Date();
      Deno.utimeSync(path, now, now);
    } else {
      clearInterval(id);
      self.postMessage("lost");
    }
  }, intervalMs);
};
