// Runs every test/**/*.test.ts with uvu under Deno and ends with the line "N passed, N failed".
type Outcome = [errors: string | true, ran: number, skipped: number, total: number];
type Group = [string | null, ...(() => Promise<Outcome>)[]];
const g = globalThis as unknown as { UVU_DEFER: number; UVU_QUEUE: Group[]; UVU_INDEX: number };

const root = new URL("./", import.meta.url);
const only = Deno.args;

function* testFiles(dir: URL, prefix = ""): Generator<string> {
  const entries = [...Deno.readDirSync(dir)].sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.isDirectory && e.name !== "fixtures") {
      yield* testFiles(new URL(`${e.name}/`, dir), `${prefix}${e.name}/`);
    } else if (e.isFile && e.name.endsWith(".test.ts")) yield `${prefix}${e.name}`;
  }
}

g.UVU_DEFER = 1; // must be set before uvu loads, or each file's test.run() starts its own run
g.UVU_QUEUE = [];
const { exec } = await import("uvu");
const files = [...testFiles(root)].filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
for (const [i, file] of files.entries()) {
  g.UVU_INDEX = i;
  g.UVU_QUEUE.push([file]);
  await import(new URL(file, root).href);
}

let passed = 0, failed = 0, skipped = 0;
for (const group of g.UVU_QUEUE) {
  for (let i = 1; i < group.length; i++) {
    const run = group[i] as () => Promise<Outcome>;
    group[i] = async () => {
      const outcome = await run();
      passed += outcome[1];
      failed += outcome[3] - outcome[1];
      skipped += outcome[2];
      return outcome;
    };
  }
}
await exec(false);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
Deno.exit(failed > 0 || passed === 0 ? 1 : 0);
