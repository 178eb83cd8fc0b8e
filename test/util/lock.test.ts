// Stage locks across processes: one builder at a time, dead and stale holders taken over, live ones waited for.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { LockBusyError, type LockHolder, stageLockPath, withStageLock } from "../../src/util/lock.ts";

const CHILD = new URL("./lock_child.ts", import.meta.url).pathname;

function spawnChild(dir: string, log: string, holdMs: number) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", CHILD, dir, log, String(holdMs)],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Per line of the children's log: pid and event, in the order written. */
function events(log: string): { pid: number; what: string }[] {
  return Deno.readTextFileSync(log).trim().split("\n").map((l) => {
    const [pid, ...what] = l.split(" ");
    return { pid: Number(pid), what: what.join(" ") };
  });
}

/** Fails unless every "in" is followed by the same process's "out" before anyone else's "in". */
function assertExclusive(ev: { pid: number; what: string }[]) {
  let inside: number | null = null;
  for (const e of ev) {
    if (e.what === "in") {
      assert.is(inside, null, `pid ${e.pid} entered while pid ${inside} held the lock`);
      inside = e.pid;
    } else if (e.what === "out") {
      assert.is(inside, e.pid);
      inside = null;
    }
  }
}

function fakeLock(dir: string, holder: Partial<LockHolder>, ageMs: number) {
  const path = stageLockPath(dir);
  Deno.writeTextFileSync(
    path,
    JSON.stringify({ host: "other-node", pid: 1, started: "2020-01-01T00:00:00Z", token: "t", ...holder }),
  );
  const t = new Date(Date.now() - ageMs);
  Deno.utimeSync(path, t, t);
}

test("three processes contend for one stage: exactly one builds, the others wait and reuse it", async () => {
  const root = Deno.makeTempDirSync(), dir = join(root, "tri3"), log = join(root, "log");
  const children = [0, 1, 2].map(() => spawnChild(dir, log, 600));
  const codes = await Promise.all(children.map((c) => c.output()));
  for (const c of codes) assert.is(c.code, 0, new TextDecoder().decode(c.stderr));
  const ev = events(log);
  assert.is(ev.filter((e) => e.what === "built").length, 1);
  assert.is(ev.filter((e) => e.what === "reused").length, 2);
  assert.ok(ev.some((e) => e.what.startsWith("waiting-for ")), "nobody waited");
  assertExclusive(ev);
  assert.not.ok(Deno.readDirSync(root).some((e) => e.name.includes(".lock")), "a lock file was left behind");
});

test("a lock whose process was killed is taken over at once", async () => {
  const root = Deno.makeTempDirSync(), dir = join(root, "dnn"), log = join(root, "log");
  const child = spawnChild(dir, log, 60_000);
  const reader = child.stdout.getReader();
  const { value } = await reader.read();
  assert.match(new TextDecoder().decode(value), "locked");
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stderr.cancel();
  assert.ok(Deno.statSync(stageLockPath(dir)).isFile, "the killed holder's lock should still be there");
  const built = await withStageLock(dir, () => "built here", { wait: false });
  assert.is(built, "built here");
});

test("a heartbeat older than staleMs is taken over; a fresh one from another host is not", async () => {
  const dir = join(Deno.makeTempDirSync(), "ivector");
  fakeLock(dir, { host: "other-node", pid: 4242 }, 10_000);
  assert.is(await withStageLock(dir, () => 1, { wait: false, staleMs: 5_000 }), 1);
  fakeLock(dir, { host: "other-node", pid: 4242 }, 0);
  try {
    await withStageLock(dir, () => 2, { wait: false, staleMs: 5_000 });
    assert.unreachable("a live lock was not reported");
  } catch (e) {
    assert.instance(e, LockBusyError);
    assert.match((e as Error).message, "pid 4242 on other-node since 2020-01-01T00:00:00Z");
  }
});

test("a live holder is waited for, named once, and the waiter runs after it", async () => {
  const root = Deno.makeTempDirSync(), dir = join(root, "mono"), log = join(root, "log");
  const child = spawnChild(dir, log, 800);
  const reader = child.stdout.getReader();
  await reader.read();
  reader.releaseLock();
  const holders: (LockHolder | null)[] = [];
  let busy: unknown;
  await withStageLock(dir, () => {}, { wait: false }).catch((e) => busy = e);
  assert.instance(busy, LockBusyError);
  assert.match((busy as Error).message, `pid ${child.pid} on ${Deno.hostname()}`);
  await withStageLock(dir, () => Deno.writeTextFileSync(log, `${Deno.pid} parent\n`, { append: true }), {
    pollMs: 50,
    onWait: (h) => holders.push(h),
  });
  assert.is((await child.output()).code, 0);
  assert.is(holders.length, 1);
  assert.is(holders[0]?.pid, child.pid);
  const ev = events(log).map((e) => e.what);
  assert.equal(ev, ["in", "built", "out", "parent"]);
});

test("the heartbeat keeps a held lock fresh while the main thread is busy (lock beside a folder not made yet)", async () => {
  const dir = join(Deno.makeTempDirSync(), "exp", "timit", "tri1");
  const before = Date.now();
  await withStageLock(dir, () => {
    while (Date.now() - before < 600) {
      // blocks this thread: only the worker can touch the lock
    }
    assert.ok(Deno.statSync(stageLockPath(dir)).mtime!.getTime() >= before + 200, "mtime was not touched");
  }, { heartbeatMs: 50 });
});

test("a stale lock contended by three processes is taken over by one at a time", async () => {
  const root = Deno.makeTempDirSync(), dir = join(root, "tri2"), log = join(root, "log");
  fakeLock(dir, { host: "other-node", pid: 7 }, 60_000);
  const codes = await Promise.all([0, 1, 2].map(() => spawnChild(dir, log, 300).output()));
  for (const c of codes) assert.is(c.code, 0, new TextDecoder().decode(c.stderr));
  const ev = events(log);
  assert.is(ev.filter((e) => e.what === "built").length, 1);
  assertExclusive(ev);
  const tookOver = codes.filter((c) =>
    new TextDecoder().decode(c.stderr).includes("took over the stale lock")
  );
  assert.is(tookOver.length, 1);
});

test.run();
