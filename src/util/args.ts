// Command-line options: --key value or --key=value against a typed spec with defaults; unknown keys are errors.

type Kind = "string" | "int" | "number" | "boolean";
type Value<K extends Kind> = K extends "string" ? string : K extends "boolean" ? boolean : number;
export interface OptionSpec<K extends Kind = Kind> {
  kind: K;
  default?: Value<K>;
  help: string;
}
type Parsed<S extends Record<string, OptionSpec>> = { [K in keyof S]: Value<S[K]["kind"]> } & { _: string[] };

export class UsageError extends Error {}

export function usage(spec: Record<string, OptionSpec>): string {
  return Object.entries(spec)
    .map(([k, s]) =>
      `  --${k}${s.kind === "boolean" ? "" : ` <${s.kind}>`}  ${s.help}${
        s.default !== undefined ? ` (default ${s.default})` : ""
      }`
    )
    .join("\n");
}

export function parseArgs<S extends Record<string, OptionSpec>>(argv: string[], spec: S): Parsed<S> {
  const out: Record<string, unknown> = { _: [] };
  for (const [k, s] of Object.entries(spec)) if (s.default !== undefined) out[k] = s.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      (out._ as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    const s = spec[key];
    if (!s) throw new UsageError(`unknown option --${key}\noptions:\n${usage(spec)}`);
    let raw: string;
    if (eq >= 0) raw = arg.slice(eq + 1);
    else if (s.kind === "boolean") raw = "true";
    else if (i + 1 < argv.length) raw = argv[++i];
    else throw new UsageError(`--${key} needs a value`);
    out[key] = convert(key, s.kind, raw);
  }
  for (const [k, s] of Object.entries(spec)) {
    if (out[k] === undefined && s.kind !== "boolean") throw new UsageError(`--${k} is required: ${s.help}`);
    if (out[k] === undefined) out[k] = false;
  }
  return out as Parsed<S>;
}

function convert(key: string, kind: Kind, raw: string): unknown {
  switch (kind) {
    case "string":
      return raw;
    case "boolean":
      if (raw === "true" || raw === "false") return raw === "true";
      throw new UsageError(`--${key} must be true or false, got '${raw}'`);
    case "int": {
      const n = Number(raw);
      if (!Number.isInteger(n)) throw new UsageError(`--${key} must be an integer, got '${raw}'`);
      return n;
    }
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) {
        throw new UsageError(`--${key} must be a number, got '${raw}'`);
      }
      return n;
    }
  }
}

/** Runs a command-line main: usage and input errors print one clear line and exit 2 or 1, without a stack. */
export async function runMain(main: () => Promise<void> | void) {
  try {
    await main();
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`error: ${e.message}`);
      Deno.exit(2);
    }
    console.error(`error: ${(e as Error).message}`);
    if (Deno.env.get("PHL_DEBUG")) console.error((e as Error).stack);
    Deno.exit(1);
  }
}

/** Separates `--key=value` arguments whose key is not an option of `spec`: they are config overrides. */
export function splitOverrides(argv: string[], spec: Record<string, OptionSpec>) {
  const options: string[] = [], overrides: [string, string][] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([^=]+)=(.*)$/.exec(argv[i]);
    if (m && !(m[1] in spec)) overrides.push([m[1], m[2]]);
    else options.push(argv[i]);
  }
  return { options, overrides };
}

/**
 * A copy of a config object with `key=value` overrides applied; keys may be dotted (rbm.passes), must exist, and
 * values must have the type of the value they replace (numbers, booleans, strings; `null` clears an object).
 */
export function applyOverrides<T extends object>(base: T, overrides: [string, string][]): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [key, raw] of overrides) {
    const path = key.split(".");
    let node = out;
    for (const p of path.slice(0, -1)) {
      if (typeof node[p] !== "object" || node[p] === null) {
        throw new UsageError(`--${key}: no such config field`);
      }
      node = node[p] as Record<string, unknown>;
    }
    const last = path[path.length - 1], old = node[last];
    if (!(last in node)) throw new UsageError(`--${key}: no such config field`);
    if (raw === "null" && typeof old === "object") node[last] = null;
    else if (typeof old === "number") node[last] = convert(key, "number", raw);
    else if (typeof old === "boolean") node[last] = convert(key, "boolean", raw);
    else if (typeof old === "string") node[last] = raw;
    else throw new UsageError(`--${key}: this field cannot be set from the command line`);
  }
  return out as T;
}
