// deno task dnn [--corpus DIR] [--profile cpu|paper|tiny] [--backend auto|webgpu|wasm|cpu] [--key=value] — the initial DNN.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { productsTag } from "../src/nnet/backend.ts";
import { runDnn } from "../src/pipeline/dnn.ts";
import { parseExperimentArgs, prepareLadder } from "../src/pipeline/experiment.ts";
import { printPlan } from "../src/pipeline/plan.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("dnn");
  if (a.plan) return await printPlan(a, { chains: [], upTo: "dnn" });
  const { exp, ladder, ali } = await prepareLadder(a);
  const dnn = await runDnn(
    ali,
    ladder.tri3,
    join(exp, `dnn_${a.profile}`),
    a.command,
    a.config,
    a.backend,
    a.ladder.decode,
  );
  const d = dnn.summary;
  console.log(`${dnn.dir}/RESULTS.md (backend ${d.backend}${productsTag(d)})`);
  console.log(`dev:  ${formatCounts(d.dev)}\ntest: ${formatCounts(d.test)}`);
  console.log(`tri3 test: ${formatCounts(ladder.tri3.summary.test)}`);
});
