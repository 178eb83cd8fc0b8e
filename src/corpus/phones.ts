// TIMIT's phone sets and the standard 61 -> 48 -> 39 maps (q deleted): train on 48, score on 39.

const mapText = Deno.readTextFileSync(new URL("./timit/phones.60-48-39.map", import.meta.url));

const to48 = new Map<string, string | null>();
const to39 = new Map<string, string>();
for (const [n, line] of mapText.split("\n").entries()) {
  const fields = line.trim().split(/\s+/).filter(Boolean);
  if (fields.length === 0) continue;
  if (fields.length === 1) to48.set(fields[0], null);
  else if (fields.length === 3) {
    to48.set(fields[0], fields[1]);
    to39.set(fields[1], fields[2]);
  } else throw new Error(`phones.60-48-39.map line ${n + 1}: expected 1 or 3 fields, got '${line}'`);
}

/** The 61 TIMIT label symbols (q included). */
export const PHONES_61: readonly string[] = [...to48.keys()].sort();
/** The 48 training phones. */
export const PHONES_48: readonly string[] = [...new Set(to39.keys())].sort();
/** The 39 scoring classes. */
export const PHONES_39: readonly string[] = [...new Set(to39.values())].sort();

export function isTimitPhone(symbol: string): boolean {
  return to48.has(symbol);
}

/** Maps TIMIT 61-phone labels to the 48 training phones, deleting q. */
export function map61to48(phones: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of phones) {
    const m = to48.get(p);
    if (m === undefined) throw new Error(`unknown TIMIT phone '${p}'`);
    if (m !== null) out.push(m);
  }
  return out;
}

/** Maps 48 training phones to the 39 scoring classes. */
export function map48to39(phones: readonly string[]): string[] {
  return phones.map((p) => {
    const m = to39.get(p);
    if (m === undefined) throw new Error(`'${p}' is not one of the 48 training phones`);
    return m;
  });
}
