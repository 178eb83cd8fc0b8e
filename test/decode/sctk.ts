// Runs NIST's sclite and sc_stats (Debian's sctk) on trn files, to check phl's scoring and MAPSSWE against NIST's.
import { join, resolve } from "node:path";
import type { Edit } from "../../src/decode/score.ts";

/** Whether `sctk` runs here. Tests that need it skip with a message otherwise; PHL_REQUIRE_SCTK=1 makes it an error. */
export function sctkAvailable(): boolean {
  try {
    new Deno.Command("sctk", { stdout: "null", stderr: "null" }).outputSync();
    return true;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (Deno.env.get("PHL_REQUIRE_SCTK")) {
      throw new Error("PHL_REQUIRE_SCTK is set but sctk is not installed");
    }
    return false;
  }
}

/** Runs `sctk ARGS` in `cwd` with `input` on stdin; throws with its output when it fails. */
async function sctk(cwd: string, args: string[], input = new Uint8Array()): Promise<void> {
  const child = new Deno.Command("sctk", { args, cwd, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const r = await child.output();
  if (!r.success) {
    const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
    throw new Error(`sctk ${args.join(" ")} failed (exit ${r.code}):\n${text}`);
  }
}

/** sclite's alignment of a hypothesis trn against a reference trn, written as SGML into `dir` as NAME.sgml. */
async function scliteSgml(dir: string, refTrn: string, hypTrn: string, name: string): Promise<string> {
  await sctk(
    dir,
    ["sclite", "-r", resolve(refTrn), "trn", "-h", resolve(hypTrn), "trn", name, "-i", "spu_id"].concat(
      ["-o", "sgml", "-O", dir, "-n", name],
    ),
  );
  return Deno.readTextFileSync(join(dir, `${name}.sgml`));
}

async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "phl-sctk-" });
  try {
    return await work(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** Per utterance id, the edits (C, S, D, I) of sclite's alignment, read from its SGML output. */
export function scliteAlignments(refTrn: string, hypTrn: string): Promise<Map<string, Edit[]>> {
  return inTempDir(async (dir) => {
    const sgml = await scliteSgml(dir, refTrn, hypTrn, "sys");
    const out = new Map<string, Edit[]>();
    for (const m of sgml.matchAll(/<PATH id="\(([^)]*)\)"[^>]*>\n([^\n]*)\n<\/PATH>/g)) {
      out.set(m[1], m[2] ? m[2].split(":").map((item) => item[0] as Edit) : []);
    }
    return out;
  });
}

export interface NistMapsswe {
  segments: number;
  /** As sc_stats prints them, to 3 decimals. */
  mean: number;
  stdDev: number;
  z: number;
}

/** `sc_stats -t mapsswe` on two systems' trn files against one reference trn (A is sc_stats' first system). */
export function scStatsMapsswe(refTrn: string, hypTrnA: string, hypTrnB: string): Promise<NistMapsswe> {
  return inTempDir(async (dir) => {
    const a = await scliteSgml(dir, refTrn, hypTrnA, "A"), b = await scliteSgml(dir, refTrn, hypTrnB, "B");
    await sctk(
      dir,
      ["sc_stats", "-p", "-t", "mapsswe", "-v", "-n", "out", "-O", dir],
      new TextEncoder().encode(a + b),
    );
    const report = Deno.readTextFileSync(join(dir, "out.stats.mapsswe"));
    const m =
      /MTCH_PR_RESULTS \(systems: A B\) \(# segs: (\d+)\).*\(mean: (\S+)\) \(std dev: (\S+)\) \(Z Stat: (\S+)\)/
        .exec(report);
    if (!m) throw new Error(`sc_stats wrote no MTCH_PR_RESULTS line for A and B:\n${report}`);
    return { segments: Number(m[1]), mean: Number(m[2]), stdDev: Number(m[3]), z: Number(m[4]) };
  });
}
