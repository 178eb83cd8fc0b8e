// deno task stage:code [--bump KIND ...] [--accept [KIND ...]] — each stage kind's code version, and whether its sources changed since (--accept alone: all).
import { sourcesHash, STAGE_MODULES, type StageCode } from "../src/pipeline/stage_code.ts";
import { runMain, UsageError } from "../src/util/args.ts";
import { writeFileAtomic } from "../src/util/fs.ts";

const FILE = new URL("../src/pipeline/stage_code.json", import.meta.url).pathname;

await runMain(() => {
  const bump = new Set<string>(), accept = new Set<string>();
  let into: Set<string> | null = null;
  for (const arg of Deno.args) {
    if (arg === "--bump") into = bump;
    else if (arg === "--accept") into = accept;
    else if (into && arg in STAGE_MODULES) into.add(arg);
    else {throw new UsageError(
        `usage: stage:code [--bump KIND ...] [--accept [KIND ...]]; kinds: ${
          Object.keys(STAGE_MODULES).join(", ")
        }`,
      );}
  }
  if (Deno.args.at(-1) === "--accept" || (Deno.args.includes("--accept") && !accept.size)) {
    for (const k of Object.keys(STAGE_MODULES)) if (!bump.has(k)) accept.add(k);
  }
  const code: StageCode = JSON.parse(Deno.readTextFileSync(FILE));
  for (const kind of Object.keys(STAGE_MODULES)) {
    const now = sourcesHash(kind), entry = code[kind] ?? { version: 0, sources: "" };
    if (bump.has(kind)) code[kind] = { version: entry.version + 1, sources: now };
    else if (accept.has(kind) || !code[kind]) {
      code[kind] = { version: Math.max(1, entry.version), sources: now };
    }
    const state = code[kind].sources === now
      ? "up to date"
      : "CHANGED: --bump if what it computes changed, else --accept";
    console.log(`${kind.padEnd(12)} version ${code[kind].version}  ${state}`);
  }
  writeFileAtomic(FILE, JSON.stringify(code, null, 2) + "\n");
});
