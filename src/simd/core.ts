// Loads the AssemblyScript SIMD core (asm/build/core.wasm) and manages its memory as a bump arena.

export interface CoreExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  splice(input: number, frames: number, dim: number, context: number, output: number): void;
}

const PAGE = 65536;

/** A bump allocator over the core's linear memory; views must be re-made after any alloc (memory may grow). */
export class Arena {
  private top: number;
  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    this.top = base;
  }

  alloc(bytes: number): number {
    const ptr = (this.top + 15) & ~15;
    const end = ptr + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) this.memory.grow(Math.ceil((end - have) / PAGE));
    this.top = end;
    return ptr;
  }

  allocF32(length: number): number {
    return this.alloc(length * 4);
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** Runs `body` and frees everything it allocated. */
  scoped<T>(body: (arena: Arena) => T): T {
    const saved = this.top;
    try {
      return body(this);
    } finally {
      this.top = saved;
    }
  }
}

export interface SimdCore {
  exports: CoreExports;
  arena: Arena;
}

let loaded: SimdCore | undefined;

export function simdCore(): SimdCore {
  if (loaded) return loaded;
  const url = new URL("../../asm/build/core.wasm", import.meta.url);
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(url);
  } catch {
    throw new Error(
      `${url.pathname} is missing: run 'deno task build:asm' (every task that needs it runs setup first)`,
    );
  }
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
    env: {
      abort(_msg: number, _file: number, line: number, col: number) {
        throw new Error(`SIMD core aborted at ${line}:${col}`);
      },
    },
  });
  const exports = instance.exports as unknown as CoreExports;
  loaded = { exports, arena: new Arena(exports.memory, exports.heapBase()) };
  return loaded;
}
