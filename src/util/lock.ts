// Stage locks: a lock file beside each stage folder, so two jobs or two runs never build one stage at once.
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import { exists } from "./fs.ts";

/** Who holds a lock: written into the lock file when it is taken. */
export interface LockHolder {
  host: string;
  pid: number;
  started: string;
  token: string;
}

export interface StageLockOptions {
  /** Wait for a live holder (default), or throw a LockBusyError naming it. */
  wait?: boolean;
  /** Called once when this call starts waiting (default: one line on stderr). */
  onWait?: (holder: LockHolder | null, lockPath: string) => void;
  /** How often the holder touches the lock file's mtime (default 10 s). */
  heartbeatMs?: number;
  /**
   * A lock whose mtime is older than this is stale, whatever its host (default 180 s: it must outlast the
   * heartbeat plus a shared file system's attribute caching, and the nodes' clocks must agree to well within it).
   */
  staleMs?: number;
  /** How often a waiting call looks again (default 1 s). */
  pollMs?: number;
}

export class LockBusyError extends Error {
  constructor(readonly lockPath: string, readonly holder: LockHolder | null) {
    super(`${lockPath}: held by ${describeHolder(holder)}; the stage is being built by another job`);
  }
}

/** The lock file of a stage folder: a sibling, since a stage wipes its own folder when it starts afresh. */
export function stageLockPath(dir: string): string {
  return `${dir.replace(/\/+$/, "")}.lock`;
}

function describeHolder(h: LockHolder | null): string {
  return h ? `pid ${h.pid} on ${h.host} since ${h.started}` : "an unreadable lock file";
}

/**
 * Runs `fn` holding the lock of stage folder `dir`. A lock left by a killed process is taken over: on this host
 * when its pid is gone, on any host when its heartbeat is older than `staleMs`. Taking over is race-free: the
 * one process that creates the claim file named after the stale lock's contents replaces it; the others wait.
 */
export async function withStageLock<T>(
  dir: string,
  fn: () => T | Promise<T>,
  o: StageLockOptions = {},
): Promise<T> {
  const path = stageLockPath(dir);
  Deno.mkdirSync(dirname(path), { recursive: true });
  const staleMs = o.staleMs ?? 180_000, pollMs = o.pollMs ?? 1_000;
  const mine = lockRecord();
  let waiting = false;
  for (;;) {
    const a = tryAcquire(path, mine, staleMs);
    if (a.ok) {
      if (a.tookOver) console.error(`${path}: took over the stale lock of ${describeHolder(a.tookOver)}`);
      break;
    }
    if (a.holder?.host === HOST && a.holder.pid === Deno.pid) {
      throw new Error(`${path}: already held by this process (a stage locked inside itself?)`);
    }
    if (o.wait === false) throw new LockBusyError(path, a.holder);
    if (!waiting) {
      (o.onWait ?? defaultOnWait)(a.holder, path);
      waiting = true;
    }
    await new Promise((r) => setTimeout(r, a.takingOver ? 20 : pollMs));
  }
  const heartbeat = startHeartbeat(path, mine, o.heartbeatMs ?? 10_000);
  try {
    return await fn();
  } finally {
    heartbeat.terminate();
    if (!releaseIfMine(path, mine)) {
      console.error(`${path}: the lock was taken over while this process held it (was it stopped or hung?)`);
    }
  }
}

function defaultOnWait(holder: LockHolder | null, path: string) {
  console.error(`${path}: waiting for ${describeHolder(holder)}`);
}

const HOST = Deno.hostname();

function lockRecord(): string {
  const holder: LockHolder = {
    host: HOST,
    pid: Deno.pid,
    started: new Date().toISOString(),
    token: crypto.randomUUID(),
  };
  return JSON.stringify(holder) + "\n";
}

interface LockFile {
  raw: string;
  holder: LockHolder | null;
  mtimeMs: number;
}

type Attempt =
  | { ok: true; tookOver?: LockHolder | null }
  | { ok: false; holder: LockHolder | null; takingOver: boolean };

/** One try: create the lock, or replace a stale one; else who holds it (or is taking it over right now). */
function tryAcquire(path: string, mine: string, staleMs: number): Attempt {
  for (;;) {
    if (createExclusive(path, mine)) return { ok: true };
    const cur = readLock(path);
    if (!cur) continue;
    if (!isStale(cur, staleMs)) return { ok: false, holder: cur.holder, takingOver: false };
    const claim = `${path}.claim-${createHash("sha256").update(cur.raw).digest("hex").slice(0, 16)}`;
    const claimMine = lockRecord();
    const c = tryAcquire(claim, claimMine, staleMs);
    if (!c.ok) return { ok: false, holder: c.holder, takingOver: true };
    try {
      if (readRaw(path) === cur.raw) {
        writeReplacing(path, mine);
        return { ok: true, tookOver: cur.holder };
      }
    } finally {
      releaseIfMine(claim, claimMine);
    }
  }
}

function isStale(l: LockFile, staleMs: number): boolean {
  if (Date.now() - l.mtimeMs > staleMs) return true;
  return l.holder !== null && l.holder.host === HOST && !pidAlive(l.holder.pid);
}

/** Whether a process of this host is running (true where /proc cannot tell: the heartbeat decides there). */
function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat[stat.lastIndexOf(")") + 2];
    return state !== "Z" && state !== "X";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return !exists("/proc/self");
    throw e;
  }
}

/** Creates `path` holding `content` unless it exists; a hard link makes it appear whole, also on NFS. */
function createExclusive(path: string, content: string): boolean {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  Deno.writeTextFileSync(tmp, content);
  try {
    Deno.linkSync(tmp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  } finally {
    Deno.removeSync(tmp);
  }
}

function writeReplacing(path: string, content: string) {
  const tmp = `${path}.${crypto.randomUUID()}.tmp`;
  Deno.writeTextFileSync(tmp, content);
  Deno.renameSync(tmp, path);
}

function readRaw(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** The lock's contents and mtime, both from one open file (a replaced lock cannot pair its mtime with new text). */
function readLock(path: string): LockFile | null {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
  let raw: string, mtimeMs: number;
  try {
    mtimeMs = file.statSync().mtime!.getTime();
    const chunks: Uint8Array[] = [];
    const buf = new Uint8Array(4096);
    for (let n; (n = file.readSync(buf)) !== null;) chunks.push(buf.slice(0, n));
    raw = new TextDecoder().decode(concat(chunks));
  } finally {
    file.close();
  }
  let holder: LockHolder | null = null;
  try {
    const h = JSON.parse(raw);
    if (typeof h.host === "string" && Number.isInteger(h.pid)) holder = h;
  } catch {
    // an unreadable lock is judged by its age alone
  }
  return { raw, holder, mtimeMs };
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function releaseIfMine(path: string, mine: string): boolean {
  if (readRaw(path) !== mine) return false;
  Deno.removeSync(path);
  return true;
}

/** Touches the lock's mtime from a worker, so a main thread busy for minutes still keeps its lock alive. */
function startHeartbeat(path: string, mine: string, intervalMs: number): Worker {
  const w = new Worker(new URL("./lock_heartbeat.ts", import.meta.url).href, { type: "module" });
  w.onmessage = () => console.error(`${path}: this process no longer holds the lock (taken over as stale)`);
  w.postMessage({ path, mine, intervalMs });
  return w;
}
