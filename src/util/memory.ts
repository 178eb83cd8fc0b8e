// What a process holds: resident memory and the counters other layers register (tfjs tensors, the wasm heaps).

/** Extra counters by name, registered by the modules that own them (the DNN backend registers tensors and heaps). */
export const memoryProbes = new Map<string, () => number>();

/** Resident memory (MB) and every registered counter, now. */
export function memoryNow(): Record<string, number> {
  const out: Record<string, number> = { rssMB: Math.round(Deno.memoryUsage().rss / 2 ** 20) };
  for (const [name, probe] of memoryProbes) out[name] = probe();
  return out;
}
