// Stages: reused when their key matches, rebuilt when it does not or when a kill left them unfinished, resumed when resumable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { codeVersion, sourceClosure, sourcesHash, STAGE_MODULES } from "../../src/pipeline/stage_code.ts";
import recorded from "../../src/pipeline/stage_code.json" with { type: "json" };
import { keyHash, readStage, runStage } from "../../src/pipeline/stage.ts";

const root = Deno.makeTempDirSync({ prefix: "phl-stage-" });

test("a stage is made once per key; a reuse hands back its summary and hash without running the body", async () => {
  const dir = join(root, "plain");
  let runs = 0;
  const body = (d: string) => (runs++, Deno.writeTextFileSync(join(d, "x"), `${runs}`), { runs });
  const first = await runStage(dir, { stage: "features", a: 1 }, body);
  const again = await runStage(dir, { stage: "features", a: 1 }, body);
  assert.equal([first.made, again.made, runs], [true, false, 1]);
  assert.equal(again.summary, { runs: 1 });
  assert.is(again.hash, first.hash);
  assert.equal(readStage(dir).summary, { runs: 1 });
  const other = await runStage(dir, { stage: "features", a: 2 }, body);
  assert.equal([other.made, runs, Deno.readTextFileSync(join(dir, "x"))], [true, 2, "2"]);
  assert.is.not(other.hash, first.hash);
});

test("a folder a kill left without stage.json or results.json is wiped and made again", async () => {
  const dir = join(root, "killed");
  await runStage(dir, { stage: "features", a: 1 }, () => ({ ok: true }));
  Deno.writeTextFileSync(join(dir, "leftover"), "");
  Deno.removeSync(join(dir, "results.json"));
  let ran = false;
  await runStage(dir, { stage: "features", a: 1 }, () => ((ran = true), { ok: true }));
  assert.ok(ran);
  assert.throws(() => Deno.statSync(join(dir, "leftover")));
  assert.throws(() => readStage(join(root, "nowhere")), /not a finished stage/);
});

test("a resumable stage keeps what an unfinished run of the same key left; another key starts afresh", async () => {
  const dir = join(root, "resumable");
  const killed = runStage(dir, { stage: "features", a: 1 }, (d) => {
    Deno.writeTextFileSync(join(d, "checkpoint"), "epoch 1");
    throw new Error("killed");
  }, { resumable: true });
  assert.is(await killed.catch((e) => e.message), "killed");
  const seen: string[] = [];
  const resume = (d: string) => (seen.push(Deno.readTextFileSync(join(d, "checkpoint"))), {});
  await runStage(dir, { stage: "features", a: 1 }, resume, { resumable: true });
  assert.equal(seen, ["epoch 1"]);
  Deno.removeSync(join(dir, "stage.json"));
  await runStage(
    dir,
    { stage: "features", a: 2 },
    (d) => (assert.throws(() => Deno.statSync(join(d, "checkpoint"))), {}),
    {
      resumable: true,
    },
  );
});

test("a stage made by another version of its code is rebuilt, not reused", async () => {
  const dir = join(root, "versions"), key = { stage: "dnn", a: 1 };
  let runs = 0;
  const body = () => ({ runs: ++runs });
  await runStage(dir, key, body);
  const file = join(dir, "stage.json"), made = JSON.parse(Deno.readTextFileSync(file));
  assert.is(made.hash, keyHash(key, codeVersion("dnn")));
  Deno.writeTextFileSync(file, JSON.stringify({ ...made, hash: keyHash(key, codeVersion("dnn") - 1) }));
  assert.equal((await runStage(dir, key, body)).made, true);
  assert.is(runs, 2);
  assert.throws(() => keyHash({ stage: "no such kind" }), /no code version/);
});

test("every stage kind's sources are as recorded with its version (else: deno task stage:code --bump or --accept)", () => {
  const stale = Object.keys(STAGE_MODULES).filter((k) =>
    (recorded as Record<string, { sources: string }>)[k]?.sources !== sourcesHash(k)
  );
  assert.equal(stale, []);
  const ladder = sourceClosure("ladder.ts").map((f) => f.split("/src/")[1]);
  for (const f of ["pipeline/utterance_worker.ts", "gmm/handlers.ts", "decode/viterbi.ts", "util/fs.ts"]) {
    assert.ok(ladder.includes(f), `${f} is among the GMM stages' sources`);
  }
  assert.not.ok(ladder.includes("nnet/network.ts"));
});

test.after(() => Deno.removeSync(root, { recursive: true }));

test.run();
