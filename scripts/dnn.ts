// deno task dnn [--corpus DIR] [--profile cpu|paper|tiny] [--backend auto|webgpu|wasm|cpu] [--key=value] — the initial DNN.
import { join } from "node:path";
import { formatCounts } from "../src/decode/score.ts";
import { runDnn } from "../src/pipeline/dnn.ts";
import { parseExperimentArgs, runLadder } from "../src/pipeline/experiment.ts";
import { runMain } from "../src/util/args.ts";

await runMain(async () => {
  const a = parseExperimentArgs("dnn");
  const { exp, tri3, ali } = await runLadder(a);
  const dnn = await runDnn(ali.dir, tri3.dir, join(exp, `dnn_${a.profile}`), a.command, a.config, a.backend);
  console.log(`${dnn.dir}/RESULTS.md (backend ${dnn.backend}${dnn.blas ? " + BLAS" : ""})`);
  console.log(`dev:  ${formatCounts(dnn.dev)}\ntest: ${formatCounts(dnn.test)}`);
  console.log(`tri3 test: ${formatCounts(tri3.test)}`);
});
