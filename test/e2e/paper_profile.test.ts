// The paper profile end to end on the tiny corpus under epoch caps: Kaldi's ladder, a 6 x 1024 DNN, 7 progressive stages of every model, newbob in both warm-start steps.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tinyCorpus } from "./tiny_corpus.ts";

const TABLE1 = fileURLToPath(new URL("../../experiments/table1.ts", import.meta.url));
/** The caps: two epochs over 30% of the frames for the initial DNN and each warm-start step, one RBM pass. */
const CAPS = [
  "--maxEpochs=2",
  "--epochFraction=0.3",
  "--rbm.passes=1",
  "--speaker.newOnly.maxEpochs=2",
  "--speaker.newOnly.epochFraction=0.3",
  "--speaker.all.maxEpochs=2",
  "--speaker.all.epochFraction=0.3",
];

interface StageSummary {
  spec: { speakerInputs: (string | null)[] };
  steps: { newOnly: { accepted: boolean }[]; all: { accepted: boolean }[] };
  acousticScale: number;
  devGrid: { acousticScale: number }[];
}

test("exp:table1 --profile=paper runs every stage on the tiny corpus: 7 stages a chain, newbob in both steps", async () => {
  const base = Deno.makeTempDirSync({ prefix: "phl-paper-" });
  await tinyCorpus(join(base, "corpus"));
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      TABLE1,
      "--corpus=corpus",
      "--profile=paper",
      "--seeds=1",
      "--backend=wasm",
      "--jobs=1",
      ...CAPS,
    ],
    cwd: base,
    stdout: "null",
    stderr: "piped",
  }).output();
  assert.ok(
    r.success,
    `exp:table1 --profile=paper failed:\n${new TextDecoder().decode(r.stderr).slice(-3000)}`,
  );
  const t = JSON.parse(Deno.readTextFileSync(join(base, "results", "table1.json")));
  assert.equal([t.config.hiddenLayers, t.config.hiddenDim, t.config.rbm.passes], [6, 1024, 1]);
  assert.is(t.rows.length, 7);
  for (const r of t.rows) assert.ok(Number.isFinite(r.test.mean) && Number.isFinite(r.dev.mean), r.name);
  const chains: Record<string, { dir: string }[]> = t.stages[0].chains;
  assert.equal(Object.values(chains).map((c) => c.length), [7, 7, 7, 7, 7]);
  for (const [name, stages] of Object.entries(chains)) {
    const last: StageSummary = JSON.parse(Deno.readTextFileSync(join(base, stages[6].dir, "results.json")));
    assert.is(last.spec.speakerInputs.filter((s) => s !== null).length, name === "control" ? 0 : 7, name);
    for (const { dir } of stages) {
      const s: StageSummary = JSON.parse(Deno.readTextFileSync(join(base, dir, "results.json")));
      assert.ok(s.steps.all.length >= 1 && s.steps.all.length <= 2, `${dir}: step 2 epochs`);
      if (name !== "control") {
        assert.ok(s.steps.newOnly.length >= 1 && s.steps.newOnly.length <= 2, `${dir}: step 1`);
      }
      // the initial DNN's scale and its neighbours, widened while the best is on an edge
      const scales = s.devGrid.map((g) => g.acousticScale);
      assert.ok(scales.length >= 2, `${dir}: the paper profile's dev search`);
      assert.ok(
        Math.min(...scales) < s.acousticScale && s.acousticScale < Math.max(...scales),
        `${dir}: scale ${s.acousticScale} inside ${scales}`,
      );
    }
  }
  Deno.removeSync(base, { recursive: true });
});

test.run();
