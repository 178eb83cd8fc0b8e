// deno task corpus:stats DIR — hours per split, phone counts per 39-class, noise conditions, speaker separation.
import { join } from "node:path";
import { readAudioHeader } from "../src/corpus/audio.ts";
import { longTermSpectrum, phoneCounts39, speakerSeparation } from "../src/corpus/stats.ts";
import { openTimit, SPLITS, standardSplits } from "../src/corpus/timit.ts";
import { parseArgs, runMain, UsageError } from "../src/util/args.ts";
import { exists } from "../src/util/fs.ts";

await runMain(() => {
  const args = parseArgs(Deno.args, {});
  const root = args._[0];
  if (!root) throw new UsageError("usage: deno task corpus:stats DIR");
  const all = openTimit(root);
  const splits = standardSplits(all);
  const hours = (us: typeof all) =>
    us.reduce((s, u) => s + readAudioHeader(u.wav).sampleCount / 16000, 0) / 3600;
  console.log(`${root}: ${all.length} utterances, ${hours(all).toFixed(2)} h with SA`);
  for (const split of SPLITS) {
    const us = splits[split];
    console.log(
      `  ${split}: ${us.length} utterances, ${new Set(us.map((u) => u.speaker)).size} speakers, ${
        hours(us).toFixed(2)
      } h`,
    );
  }
  const counts = [...phoneCounts39(splits.train)].sort((a, b) => b[1] - a[1]);
  console.log(`phone tokens per 39-class (train): ${counts.map(([p, n]) => `${p} ${n}`).join(", ")}`);
  const manifest = join(root, "speakers.json");
  if (exists(manifest)) {
    type Cond = { noise: string | null; snrDb: number | null };
    const conds: Cond[] = JSON.parse(Deno.readTextFileSync(manifest)).flatMap((
      s: { utterances: Record<string, Cond> },
    ) => Object.values(s.utterances));
    const snrs = conds.filter((c) => c.snrDb !== null).map((c) => c.snrDb!).sort((a, b) => a - b);
    const kinds = Map.groupBy(conds, (c) => c.noise ?? "none");
    console.log(
      `noise: ${[...kinds].map(([k, v]) => `${k} ${v.length}`).join(", ")}` +
        (snrs.length
          ? `; SNR dB min ${snrs[0]} median ${snrs[snrs.length >> 1]} max ${snrs[snrs.length - 1]}`
          : ""),
    );
  }
  for (const split of ["test", "dev"] as const) {
    const sep = speakerSeparation(
      splits[split].map((u) => ({ speaker: u.speaker, vector: longTermSpectrum(u) })),
    );
    console.log(
      `speaker separation (${split}, long-term spectra): identification ${
        (100 * sep.identification).toFixed(1)
      }% ` +
        `of ${sep.utterances} utterances among ${sep.speakers} speakers, F-ratio ${sep.fRatio.toFixed(2)}`,
    );
  }
});
