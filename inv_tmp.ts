import { Espeak } from "./src/corpus/synth/espeak.ts";
import { brownSentences } from "./src/corpus/synth/sentences.ts";
import { REGION_ACCENTS } from "./src/corpus/synth/voices.ts";
const es = await Espeak.create();
const all = brownSentences();
const part = Number(Deno.args[0]);
const counts = new Map<string, number>();
for (let i = part; i < all.length; i += 16) {
  const acc = REGION_ACCENTS[i % 8];
  const r = es.synthesize(all[i], acc, "language variant\nname phl\n");
  for (const e of r.events) {
    if (e.type === "phoneme") {
      const k = e.id.replace(/[ˈˌ]/g, "");
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
  }
}
console.log(JSON.stringify([...counts]));
