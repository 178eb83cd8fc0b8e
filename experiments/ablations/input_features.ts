// Ablation: the initial DNN, the i-vector baseline and the Partitioned DNN on speaker-independent LDA+MLLT input instead of fMLLR.
import { dirname, join } from "node:path";
import { model } from "../../src/nnet/models.ts";
import {
  type Ablation,
  type AblationContext,
  type AblationRow,
  baselineVariant,
  PARTITIONED,
  type Variant,
} from "../../src/pipeline/ablation.ts";
import { runSpeakerIndependentFeatures } from "../../src/pipeline/alignments.ts";
import { runDnn } from "../../src/pipeline/dnn.ts";
import { seeded } from "../../src/pipeline/experiment.ts";
import { gridAround, runChain, warmStartConfig } from "../../src/pipeline/speaker_dnn.ts";

/** The initial DNN on tri3's LDA+MLLT features (no fMLLR), tri3's alignments; one for all seeds. */
async function siDnn({ a, x }: AblationContext) {
  const si = await runSpeakerIndependentFeatures(x.feats, x.ali, join(x.exp, "si_feats"), a.nj);
  const dnn = await runDnn(
    si,
    x.ladder.tri3,
    join(x.exp, `dnn_${a.profile}_si`),
    a.command,
    a.config,
    a.backend,
    a.ladder.decode,
    a.nj,
  );
  return { si, dnn };
}

/** The i-vector baseline (stage 1) or the final Partitioned DNN, warm-started from the LDA+MLLT initial DNN. */
const onSi = (folder: string, title: string, rounds: number | null): Variant => ({
  folder,
  title,
  run: async (c) => {
    const { si, dnn } = await siDnn(c), d = dnn.summary;
    const inputs = {
      ...seeded(c.x, c.seed).inputs,
      aliDir: si.dir,
      config: warmStartConfig(c.a.config, d),
      decode: gridAround(
        d,
        c.a.config.speaker.decodeNeighbours,
        c.a.ladder.decode,
      ),
    };
    // both variants' chains in one folder, so that the Partitioned DNN's stage 1 is the baseline's
    const m = model(rounds === 1 ? "extended" : "partitioned"), root = join(dirname(c.root), "lda-mllt");
    return (await runChain(m, c.units, dnn, root, inputs, rounds ?? undefined)).at(-1)!;
  },
});

const gain = (rows: AblationRow[], system: string, initial: string) =>
  rows.find((r) => r.name === initial)!.test.mean - rows.find((r) => r.name === system)!.test.mean;

export default {
  name: "input-features",
  title: "Speaker-independent input",
  question:
    "The paper explains its small gains by fMLLR having removed most speaker mismatch already (sec. 4). " +
    "Here the initial DNN, the i-vector baseline and the Partitioned DNN are trained on the LDA+MLLT features " +
    "tri3 was built on, without fMLLR (same alignments, same i-vectors): if the explanation holds, the i-vector " +
    "systems gain more over their initial DNN there than on fMLLR.",
  prepare: siDnn,
  variants: [
    {
      folder: "initial-fmllr",
      title: "initial DNN, fMLLR (Table 1's)",
      run: ({ x }) => Promise.resolve(x.dnn),
    },
    baselineVariant("baseline-fmllr", "i-vector baseline, fMLLR (Table 1's)"),
    { folder: "initial-si", title: "initial DNN, LDA+MLLT", run: async (c) => (await siDnn(c)).dnn },
    onSi("baseline-si", "i-vector baseline, LDA+MLLT", 1),
    onSi("partitioned-si", "Partitioned DNN, LDA+MLLT", null),
  ],
  conclude: (rows) => {
    const g = (system: string, initial: string) => gain(rows, system, initial).toFixed(2);
    return `Test-PER gain over the initial DNN of the same input (mean over seeds): Partitioned DNN ${
      g(PARTITIONED.title, "initial DNN, fMLLR (Table 1's)")
    } on fMLLR, ${g("Partitioned DNN, LDA+MLLT", "initial DNN, LDA+MLLT")} on LDA+MLLT; i-vector baseline ${
      g("i-vector baseline, fMLLR (Table 1's)", "initial DNN, fMLLR (Table 1's)")
    } on fMLLR, ${g("i-vector baseline, LDA+MLLT", "initial DNN, LDA+MLLT")} on LDA+MLLT.`;
  },
} satisfies Ablation;
