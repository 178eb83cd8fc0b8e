// The layout's rules, checked on the source: imports point down the layers, no import cycles, no unused exports, every file says what it holds.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { dirname, join, normalize, relative } from "node:path";

/** src/'s folders from the bottom up: a file may import from its own folder or from one listed before it. */
const LAYERS = [
  "util",
  "jobs",
  "linalg",
  "simd",
  "corpus",
  "io",
  "features",
  "hmm",
  "utterances",
  "decode",
  "gmm",
  "ivector",
  "nnet",
  "report",
  "pipeline",
];

const root = normalize(join(dirname(new URL(import.meta.url).pathname), ".."));

function* sources(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(join(root, dir))) {
    const path = join(dir, e.name);
    if (e.isDirectory && e.name !== "fixtures") yield* sources(path);
    else if (e.isFile && e.name.endsWith(".ts")) yield path;
  }
}

const code = new Map(
  ["src", "scripts", "experiments", "test"].flatMap((d) => [...sources(d)]).map((f) => [
    f,
    Deno.readTextFileSync(join(root, f)),
  ]),
);
const src = [...code.keys()].filter((f) => f.startsWith("src/"));

/** The files a file imports (static imports and re-exports; a worker's URL is not an import). */
function imports(file: string): string[] {
  const out: string[] = [];
  for (const m of code.get(file)!.matchAll(/^(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/gms)) {
    out.push(normalize(join(dirname(file), m[1])));
  }
  return out;
}

const layerOf = (file: string) => LAYERS.indexOf(file.split("/")[1]);

test("every src/ folder has its place in the layers, and every import points to its own layer or one below", () => {
  const upward: string[] = [];
  for (const f of src) {
    assert.ok(layerOf(f) >= 0, `${f}: src/${f.split("/")[1]} is not in the layer list`);
    for (const t of imports(f)) {
      if (t.startsWith("src/") && layerOf(t) > layerOf(f)) upward.push(`${f} -> ${t}`);
    }
  }
  assert.equal(upward, []);
});

test("no import cycles between files", () => {
  const state = new Map<string, "open" | "done">(), cycles: string[] = [];
  const visit = (f: string, path: string[]) => {
    state.set(f, "open");
    for (const t of imports(f)) {
      if (state.get(t) === "open") cycles.push([...path.slice(path.indexOf(t)), t].join(" -> "));
      else if (!state.has(t) && code.has(t)) visit(t, [...path, t]);
    }
    state.set(f, "done");
  };
  for (const f of src) if (!state.has(f)) visit(f, [f]);
  assert.equal(cycles, []);
});

test("every function, class and constant src/ exports is imported somewhere", () => {
  const unused: string[] = [];
  for (const f of src) {
    for (const m of code.get(f)!.matchAll(/^export (?:async )?(?:function\*?|const|let|class) (\w+)/gm)) {
      const name = m[1], word = new RegExp(`\\b${name}\\b`);
      const used = [...code].some(([g, text]) =>
        g !== f &&
        [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+"([^"]+)"/gms)].some((i) =>
          word.test(i[0]) && normalize(join(dirname(g), i[1])) === f
        )
      );
      if (!used) unused.push(`${f}: ${name}`);
    }
  }
  assert.equal(unused, []);
});

test("every source file opens with a line saying what it holds", () => {
  const silent = [...code].filter(([, text]) => !text.startsWith("// ")).map(([f]) => relative(".", f));
  assert.equal(silent, []);
});

test.run();
