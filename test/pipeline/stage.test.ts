// Stages: reused when their key matches, rebuilt when it does not or when a kill left them unfinished, resumed when resumable.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { readStage, runStage } from "../../src/pipeline/stage.ts";

const root = Deno.makeTempDirSync({ prefix: "phl-stage-" });

test("a stage is made once per key; a reuse hands back its summary and hash without running the body", async () => {
  const dir = join(root, "plain");
  let runs = 0;
  const body = (d: string) => (runs++, Deno.writeTextFileSync(join(d, "x"), `${runs}`), { runs });
  const first = await runStage(dir, { a: 1 }, body);
  const again = await runStage(dir, { a: 1 }, body);
  assert.equal([first.made, again.made, runs], [true, false, 1]);
  assert.equal(again.summary, { runs: 1 });
  assert.is(again.hash, first.hash);
  assert.equal(readStage(dir).summary, { runs: 1 });
  const other = await runStage(dir, { a: 2 }, body);
  assert.equal([other.made, runs, Deno.readTextFileSync(join(dir, "x"))], [true, 2, "2"]);
  assert.is.not(other.hash, first.hash);
});

test("a folder a kill left without stage.json or results.json is wiped and made again", async () => {
  const dir = join(root, "killed");
  await runStage(dir, { a: 1 }, () => ({ ok: true }));
  Deno.writeTextFileSync(join(dir, "leftover"), "");
  Deno.removeSync(join(dir, "results.json"));
  let ran = false;
  await runStage(dir, { a: 1 }, () => ((ran = true), { ok: true }));
  assert.ok(ran);
  assert.throws(() => Deno.statSync(join(dir, "leftover")));
  assert.throws(() => readStage(join(root, "nowhere")), /not a finished stage/);
});

test("a resumable stage keeps what an unfinished run of the same key left; another key starts afresh", async () => {
  const dir = join(root, "resumable");
  const killed = runStage(dir, { a: 1 }, (d) => {
    Deno.writeTextFileSync(join(d, "checkpoint"), "epoch 1");
    throw new Error("killed");
  }, { resumable: true });
  assert.is(await killed.catch((e) => e.message), "killed");
  const seen: string[] = [];
  const resume = (d: string) => (seen.push(Deno.readTextFileSync(join(d, "checkpoint"))), {});
  await runStage(dir, { a: 1 }, resume, { resumable: true });
  assert.equal(seen, ["epoch 1"]);
  Deno.removeSync(join(dir, "stage.json"));
  await runStage(dir, { a: 2 }, (d) => (assert.throws(() => Deno.statSync(join(d, "checkpoint"))), {}), {
    resumable: true,
  });
});

test.after(() => Deno.removeSync(root, { recursive: true }));

test.run();
