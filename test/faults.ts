// deno task test:faults [--seed N]: kills corpus generation and the tiny exp:table1 with SIGKILL at seeded moments in every pipeline part, reruns after each kill, and checks the end state equals an uninterrupted run's.
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { TEMPORARY } from "../src/util/fs.ts";
import { Rng } from "../src/util/rng.ts";
import { parseArgs, runMain } from "../src/util/args.ts";

const REPO = fileURLToPath(new URL("../", import.meta.url));
const CORPUS = ["--seed", "5", "--preset", "clean", "--train-speakers", "6", "--dev-speakers", "1"];
const CORPUS_ARGS = [...CORPUS, "--test-speakers", "1", "--extra-speakers", "1", "--jobs", "2"];
// one job at a time: the chains run in this process, so their lines reach the kill plan
const TABLE1_ARGS = ["--profile=tiny", "--backend=wasm", "--nj=2", "--jobs=1"];

/**
 * The pipeline's parts in the order they run: the stderr lines that show a part is running, and how many kills
 * land in it. A kill comes at most `maxDelayMs` (30 unless the part is shorter) after one of the part's first
 * `lines` lines (3 unless it prints fewer), so it lands inside the part however fast the machine is.
 */
interface Part {
  name: string;
  line: RegExp;
  kills: number;
  lines?: number;
  maxDelayMs?: number;
}
/** Reruns of a finished run when a kill planned in its last part came too late (each rerun reuses every stage). */
const RETRIES = 3;
const SPEAKER = "\\[(?:extended|transform\\d|partitioned|control) \\d+\\]";
const CORPUS_PARTS: Part[] = [{
  name: "corpus generation",
  line: /^\[corpus\] \d+\//,
  kills: 3,
}];
const TABLE1_PARTS: Part[] = [
  { name: "features", line: /^\[features /, kills: 1 },
  { name: "mono", line: /^\[mono\] iter/, kills: 2 },
  { name: "GMM decoding", line: /^\[(?:mono|tri\d)\] (?:dev|test)[:]/, kills: 2 },
  { name: "tri1", line: /^\[tri1\] (?:tree|iter)/, kills: 1 },
  { name: "tri2", line: /^\[tri2\] (?:LDA|tree|iter|MLLT)/, kills: 1 },
  { name: "tri3", line: /^\[tri3\] (?:fMLLR from|fMLLR after|tree|iter)/, kills: 2 },
  { name: "alignments", line: /^\[tri3_ali\]/, kills: 1 },
  { name: "RBM pretraining", line: /^\[dnn\] (?:RBM| {2}pass)/, kills: 1 },
  { name: "DNN epochs", line: /^\[dnn\] (?:initial CV| {2}epoch|epoch)/, kills: 2 },
  { name: "DNN decoding", line: /^\[dnn\] (?:dev|test):/, kills: 2 },
  { name: "i-vectors", line: /^\[ivector\]/, kills: 1 },
  {
    name: "warm-start steps",
    line: new RegExp(`^${SPEAKER} (?:warm start|initial CV| {2}epoch|epoch)`),
    kills: 3,
  },
  {
    name: "speaker-aware decoding",
    line: new RegExp(`^${SPEAKER} (?:dev|test):`),
    kills: 1,
  },
  { name: "writing results", line: /^\[results\]/, kills: 1, lines: 1, maxDelayMs: 5 },
];

interface Kill {
  planned: string;
  /** The part of the last line the run printed before it was killed. */
  landed: string;
}

/**
 * Runs `args` in `cwd` once per planned kill, killing its process group `delay` ms after the `nth` line of the
 * planned part (or of later ones, when a resumed run has less left of that part); then once more to the end.
 * Kills planned for a part the run has already left are skipped; one the run outran is tried again on a rerun,
 * up to RETRIES times.
 */
async function killAndRerun(cwd: string, args: string[], parts: Part[], rng: Rng): Promise<Kill[]> {
  const kills: Kill[] = [];
  const plan = parts.flatMap((p, i) => Array.from({ length: p.kills }, () => i));
  let reached = 0, retries = 0;
  for (let k = 0; k <= plan.length; k++) {
    const target = k < plan.length ? plan[k] : null;
    if (target !== null && target < reached) continue;
    const delay = rng.next() * (target === null ? 0 : parts[target].maxDelayMs ?? 30),
      nth = target === null ? 0 : 1 + rng.int(parts[target].lines ?? 3);
    let seen = 0;
    const child = new Deno.Command("setsid", {
      args: [Deno.execPath(), "run", "-A", ...args],
      cwd,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let last = -1, timer: ReturnType<typeof setTimeout> | undefined, killedAt = 0;
    const lines: string[] = [];
    for await (const line of readLines(child.stderr)) {
      lines.push(line);
      const part = parts.findIndex((p) => p.line.test(line));
      if (part >= 0) last = part, reached = Math.max(reached, part);
      if (target !== null && part >= target && ++seen === nth) {
        timer = setTimeout(() => {
          killedAt = last;
          try {
            Deno.kill(-child.pid, "SIGKILL");
          } catch { /* it ended first */ }
        }, delay);
      }
    }
    const status = await child.status;
    clearTimeout(timer);
    if (status.signal === "SIGKILL") {
      kills.push({
        planned: parts[target!].name,
        landed: parts[killedAt]?.name ?? "start-up",
      });
      console.error(
        `kill ${kills.length}: planned in ${parts[target!].name}, landed in ${kills.at(-1)!.landed} (${
          delay.toFixed(0)
        } ms after line ${nth} of it or later)`,
      );
    } else if (!status.success) {
      throw new Error(`${args.join(" ")} failed (exit ${status.code}):\n${lines.slice(-20).join("\n")}`);
    } else if (target !== null) {
      console.error(`planned kill in ${parts[target].name}: the run finished first`);
      if (retries++ === RETRIES) return kills;
      k--;
    }
  }
  return kills;
}

async function* readLines(stream: ReadableStream<Uint8Array>) {
  let rest = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    yield* parts;
  }
  if (rest) yield rest;
}

async function run(cwd: string, args: string[]) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...args],
    cwd,
    stdout: "null",
    stderr: "piped",
  })
    .output();
  if (!r.success) {
    throw new Error(`${args.join(" ")} failed:\n${new TextDecoder().decode(r.stderr).slice(-2000)}`);
  }
}

/** Every file under `dir` by its path relative to `dir`. */
function files(dir: string, root = dir, out: string[] = []): string[] {
  for (const e of Deno.readDirSync(dir)) {
    const path = join(dir, e.name);
    if (e.isDirectory) files(path, root, out);
    else out.push(relative(root, path));
  }
  return out.sort();
}

/** What must not differ between runs: everything but times, dates, rates and memory. */
const VOLATILE = /seconds|Seconds|framesPerSecond|^date$|^finished$|^memory$|^run$|^timings$/;
const stable = (text: string) =>
  JSON.stringify(JSON.parse(text), (k, v) => (VOLATILE.test(k) ? undefined : v));

/** Differences between the uninterrupted tree `ref` and the killed one: missing, extra or different files. */
function compareTrees(ref: string, got: string, ignore: RegExp): string[] {
  const a = files(ref).filter((f) => !ignore.test(f)), b = files(got).filter((f) => !ignore.test(f));
  const problems = [
    ...a.filter((f) => !b.includes(f)).map((f) => `missing: ${f}`),
    ...b.filter((f) => !a.includes(f)).map((f) => `extra: ${f}`),
  ];
  for (const f of a.filter((f) => b.includes(f))) {
    const x = Deno.readFileSync(join(ref, f)), y = Deno.readFileSync(join(got, f));
    const same = f.endsWith(".json")
      ? stable(new TextDecoder().decode(x)) === stable(new TextDecoder().decode(y))
      : x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same) problems.push(`differs: ${f}`);
  }
  return problems;
}

/** Stage folders without stage.json (half-written) and temporary files, anywhere under `dir`. */
function leftovers(dir: string): string[] {
  const out: string[] = [];
  for (const f of files(dir)) {
    if (TEMPORARY.test(f) || /\.tmp\//.test(f) || /\.lock$|\.claim-/.test(f)) out.push(`left: ${f}`);
    if (f.endsWith("started.json") && !files(dir).includes(f.replace("started.json", "stage.json"))) {
      out.push(`half-written stage: ${f}`);
    }
  }
  return out;
}

await runMain(async () => {
  const args = parseArgs(Deno.args, { seed: { kind: "int", default: 1, help: "seed of the kill plan" } });
  const rng = new Rng(args.seed, "faults");
  const base = Deno.makeTempDirSync({ prefix: "phl-faults-" });
  // both runs in one folder (stage keys and data dirs hold absolute paths): the uninterrupted one is moved aside
  const killed = join(base, "run"), ref = join(base, "ref");
  Deno.mkdirSync(killed);
  const corpusScript = join(REPO, "scripts/corpus.ts"), table1 = join(REPO, "experiments/table1.ts");
  const t0 = performance.now();
  console.error(`fault injection (seed ${args.seed}) in ${base}: the uninterrupted runs first`);
  await run(killed, [corpusScript, "--out", "corpus", ...CORPUS_ARGS]);
  await run(killed, [table1, "--corpus=corpus", ...TABLE1_ARGS]);
  Deno.renameSync(killed, ref);
  Deno.mkdirSync(killed);

  const kills = await killAndRerun(
    killed,
    [corpusScript, "--out", "corpus", ...CORPUS_ARGS],
    CORPUS_PARTS,
    rng,
  );
  kills.push(...await killAndRerun(killed, [table1, "--corpus=corpus", ...TABLE1_ARGS], TABLE1_PARTS, rng));

  const problems = [
    ...compareTrees(join(ref, "corpus"), join(killed, "corpus"), /^$/),
    ...compareTrees(join(ref, "exp"), join(killed, "exp"), /log\.txt$|RESULTS\.md$/),
    ...compareTrees(join(ref, "data"), join(killed, "data"), /^$/),
    ...compareTrees(join(ref, "results"), join(killed, "results"), /\.md$/),
    ...["corpus", "exp", "data", "results"].flatMap((d) =>
      leftovers(join(killed, d)).map((p) => `${d}/${p}`)
    ),
  ];
  const byPart = new Map<string, number>();
  for (const k of kills) byPart.set(k.landed, (byPart.get(k.landed) ?? 0) + 1);
  console.log(
    `${kills.length} kills (${((performance.now() - t0) / 1000).toFixed(0)} s), by the part they landed in:`,
  );
  for (const p of [...CORPUS_PARTS, ...TABLE1_PARTS]) console.log(`  ${p.name}: ${byPart.get(p.name) ?? 0}`);
  if (byPart.has("start-up")) console.log(`  start-up: ${byPart.get("start-up")}`);
  const unhit = [...CORPUS_PARTS, ...TABLE1_PARTS].filter((p) => !byPart.has(p.name)).map((p) => p.name);
  if (kills.length < 20) problems.push(`only ${kills.length} kills landed (at least 20 wanted)`);
  if (unhit.length) problems.push(`no kill landed in: ${unhit.join(", ")}`);
  if (problems.length) {
    console.log(
      `FAILED (replay with --seed ${args.seed}; runs kept in ${base}):\n  ${problems.join("\n  ")}`,
    );
    Deno.exit(1);
  }
  console.log(
    "the killed runs end exactly as the uninterrupted one: same corpus, stages, results; nothing half-written",
  );
  Deno.removeSync(base, { recursive: true });
});
