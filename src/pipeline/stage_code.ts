// Which code each kind of stage runs: a version per kind (in every stage key) and the hash of its sources it was set for.
import { createHash } from "node:crypto";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import recorded from "./stage_code.json" with { type: "json" };

/** Each kind of stage and the module that runs it; the sources of a kind are that module and all it loads. */
export const STAGE_MODULES: Record<string, string> = {
  features: "features.ts",
  mono: "ladder.ts",
  tri1: "ladder.ts",
  tri2: "ladder.ts",
  tri3: "ladder.ts",
  tri3_ali: "alignments.ts",
  si_feats: "alignments.ts",
  dnn: "dnn.ts",
  ivector: "ivector.ts",
  "speaker-dnn": "speaker_dnn.ts",
  "unsup-adapt": "unsup_adapt.ts",
  probe: "probe.ts",
};

export type StageCode = Record<string, { version: number; sources: string }>;

/** The code version a stage kind's key carries: a changed computation gets a new version, so no stale reuse. */
export function codeVersion(stage: string): number {
  const entry = (recorded as StageCode)[stage];
  if (!entry) throw new Error(`stage kind '${stage}' has no code version in src/pipeline/stage_code.json`);
  return entry.version;
}

const here = dirname(fileURLToPath(import.meta.url));

/** The files a module loads (static imports, re-exports, and workers started from a URL), itself included. */
export function sourceClosure(module: string): string[] {
  const seen = new Set<string>(), todo = [normalize(join(here, module))];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = Deno.readTextFileSync(file);
    const refs = [
      ...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+\.ts)"/gms),
      ...text.matchAll(/new URL\("(\.[^"]+\.ts)", import\.meta\.url\)/g),
    ];
    for (const m of refs) todo.push(normalize(join(dirname(file), m[1])));
  }
  return [...seen].sort();
}

/** A hash of a stage kind's sources (their paths under src/ and their contents). */
export function sourcesHash(stage: string): string {
  const h = createHash("sha256"), src = normalize(join(here, ".."));
  for (const f of sourceClosure(STAGE_MODULES[stage])) {
    h.update(f.slice(src.length)).update(Deno.readFileSync(f));
  }
  return h.digest("hex").slice(0, 16);
}
