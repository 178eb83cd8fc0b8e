// Kaldi archives (ark, binary and text) and script files (scp): float matrices and vectors, int32 vectors.
import { dirname, resolve } from "node:path";
import { type FeatureMatrix, featureMatrix } from "../linalg/feature_matrix.ts";

export type KaldiKind = "matrix" | "vector" | "ints";
export type KaldiValue<K extends KaldiKind> = K extends "matrix" ? FeatureMatrix
  : K extends "vector" ? Float32Array
  : Int32Array;

export class ArkError extends Error {
  constructor(readonly file: string, readonly key: string | null, readonly offset: number, detail: string) {
    super(`${file}: ${key === null ? "" : `key '${key}', `}byte ${offset}: ${detail}`);
  }
}

const latin1 = new TextDecoder("latin1");
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x09 || b === 0x0d;

/** A cursor over archive bytes that reports errors with the file, key and byte offset. */
class Cursor {
  pos: number;
  key: string | null = null;
  private readonly view: DataView;
  constructor(readonly bytes: Uint8Array, readonly file: string, start = 0) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fail(detail: string, at = this.pos): never {
    throw new ArkError(this.file, this.key, at, detail);
  }
  need(n: number, what: string) {
    if (this.pos + n > this.bytes.length) {
      this.fail(`truncated ${what}: needs ${n} bytes, ${this.bytes.length - this.pos} left`);
    }
  }
  skipSpace() {
    while (this.pos < this.bytes.length && isSpace(this.bytes[this.pos])) this.pos++;
  }
  /** A whitespace-free word; consumes one following space, as Kaldi's ReadToken does. */
  word(): string {
    this.skipSpace();
    const start = this.pos;
    while (this.pos < this.bytes.length && !isSpace(this.bytes[this.pos])) this.pos++;
    if (start === this.pos) this.fail("expected a token, found the end of the file");
    const w = latin1.decode(this.bytes.subarray(start, this.pos));
    if (this.pos < this.bytes.length) this.pos++;
    return w;
  }
  int32(): number {
    this.need(5, "integer");
    const size = this.bytes[this.pos];
    if (size !== 4) this.fail(`expected a 4-byte integer, size byte is ${size}`);
    const v = this.view.getInt32(this.pos + 1, true);
    this.pos += 5;
    return v;
  }
  floats(n: number, double: boolean): Float32Array {
    const width = double ? 8 : 4;
    this.need(n * width, `${double ? "double" : "float"} data (${n} values)`);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = double
        ? this.view.getFloat64(this.pos + 8 * i, true)
        : this.view.getFloat32(this.pos + 4 * i, true);
    }
    this.pos += n * width;
    return out;
  }
  uint(width: 1 | 2 | 4, at: number): number {
    return width === 1
      ? this.bytes[at]
      : width === 2
      ? this.view.getUint16(at, true)
      : this.view.getUint32(at, true);
  }
  float32At(at: number) {
    return this.view.getFloat32(at, true);
  }
}

function checkDims(c: Cursor, at: number, ...dims: number[]) {
  for (const d of dims) if (d < 0 || d > 1 << 28) c.fail(`bad dimension ${d}`, at);
}

/** Kaldi's compressed matrices (CM, CM2, CM3), decoded as compressed-matrix.cc defines them. */
function readCompressed(c: Cursor, token: string): FeatureMatrix {
  const at = c.pos;
  c.need(16, "compressed-matrix header");
  const min = c.float32At(c.pos), range = c.float32At(c.pos + 4);
  const rows = c.uint(4, c.pos + 8), cols = c.uint(4, c.pos + 12);
  checkDims(c, at, rows, cols);
  c.pos += 16;
  const m = featureMatrix(rows, cols);
  if (token === "CM2" || token === "CM3") {
    const width = token === "CM2" ? 2 : 1, top = token === "CM2" ? 65535 : 255;
    c.need(rows * cols * width, `${token} data`);
    for (let i = 0; i < rows * cols; i++) m.data[i] = min + (range * c.uint(width, c.pos + i * width)) / top;
    c.pos += rows * cols * width;
    return m;
  }
  c.need(cols * 8 + rows * cols, "CM column headers and data");
  const headers = c.pos, data = c.pos + cols * 8;
  for (let j = 0; j < cols; j++) {
    const p = [0, 1, 2, 3].map((k) => min + (range * c.uint(2, headers + j * 8 + 2 * k)) / 65535);
    for (let i = 0; i < rows; i++) {
      const v = c.bytes[data + j * rows + i];
      m.data[i * cols + j] = v <= 64
        ? p[0] + ((p[1] - p[0]) * v) / 64
        : v <= 192
        ? p[1] + ((p[2] - p[1]) * (v - 64)) / 128
        : p[2] + ((p[3] - p[2]) * (v - 192)) / 63;
    }
  }
  c.pos = data + rows * cols;
  return m;
}

function readBinary<K extends KaldiKind>(c: Cursor, kind: K): KaldiValue<K> {
  if (kind === "ints") {
    const at = c.pos;
    const n = c.int32();
    checkDims(c, at, n);
    c.need(5 * n, `int vector (${n} values)`);
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = c.int32();
    return out as KaldiValue<K>;
  }
  const at = c.pos;
  const token = c.word();
  const expect = kind === "matrix" ? ["FM", "DM", "CM", "CM2", "CM3"] : ["FV", "DV"];
  if (!expect.includes(token)) {
    c.fail(`expected ${expect.join(" or ")} for a ${kind}, found '${token.slice(0, 20)}'`, at);
  }
  if (token.startsWith("CM")) return readCompressed(c, token) as KaldiValue<K>;
  const double = token[0] === "D";
  if (kind === "vector") {
    const n = c.int32();
    checkDims(c, at, n);
    return c.floats(n, double) as KaldiValue<K>;
  }
  const rows = c.int32(), cols = c.int32();
  checkDims(c, at, rows, cols);
  return featureMatrix(rows, cols, c.floats(rows * cols, double)) as KaldiValue<K>;
}

/** A number of a text object; Kaldi writes non-finite values as inf, -inf, nan or -nan (checked later). */
function textNumber(c: Cursor): number {
  const at = c.pos;
  const w = c.word();
  if (/^[+-]?inf(inity)?$/i.test(w)) return w[0] === "-" ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(w)) return NaN;
  const v = Number(w);
  if (!Number.isFinite(v)) c.fail(`'${w.slice(0, 20)}' is not a number`, at);
  return v;
}

function readText<K extends KaldiKind>(c: Cursor, kind: K): KaldiValue<K> {
  if (kind === "ints") {
    const end = c.bytes.indexOf(0x0a, c.pos);
    const line = latin1.decode(c.bytes.subarray(c.pos, end < 0 ? undefined : end)).trim();
    const values = line === "" ? [] : line.split(/\s+/).map((w) => {
      if (!/^-?\d+$/.test(w)) c.fail(`'${w.slice(0, 20)}' is not an integer`);
      return Number(w);
    });
    c.pos = end < 0 ? c.bytes.length : end + 1;
    return Int32Array.from(values) as KaldiValue<K>;
  }
  const at = c.pos;
  if (c.word() !== "[") c.fail(`expected '[' to open a text ${kind}`, at);
  const rows: number[][] = [[]];
  for (;;) {
    c.skipSpace();
    if (c.pos >= c.bytes.length) c.fail(`text ${kind} not closed with ']'`);
    if (c.bytes[c.pos] === 0x5d) {
      c.pos++;
      break;
    }
    const lineStart = c.bytes.lastIndexOf(0x0a, c.pos - 1);
    if (kind === "matrix" && lineStart >= at && rows[rows.length - 1].length > 0) {
      const sinceRow = c.bytes.subarray(lineStart, c.pos).every(isSpace);
      if (sinceRow) rows.push([]);
    }
    rows[rows.length - 1].push(textNumber(c));
  }
  if (kind === "vector") return Float32Array.from(rows.flat()) as KaldiValue<K>;
  const kept = rows.filter((r) => r.length > 0);
  const cols = kept[0]?.length ?? 0;
  kept.forEach((r, i) => {
    if (r.length !== cols) c.fail(`text matrix row ${i} has ${r.length} values, row 0 has ${cols}`, at);
  });
  return featureMatrix(kept.length, cols, Float32Array.from(kept.flat())) as KaldiValue<K>;
}

/** Fails on the first NaN or infinity of a float object: no feature, statistic or i-vector may hold one. */
function checkFinite(c: Cursor, at: number, value: FeatureMatrix | Float32Array) {
  const data = value instanceof Float32Array ? value : value.data;
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (x - x === 0) continue;
    const where = value instanceof Float32Array
      ? `element ${i}`
      : `row ${Math.floor(i / value.cols)}, column ${i % value.cols}`;
    c.fail(`${Number.isNaN(x) ? "NaN" : x > 0 ? "+Inf" : "-Inf"} at ${where}`, at);
  }
}

/** Reads one object at the cursor: binary if it starts with "\0B", text otherwise. Floats must be finite. */
function readObject<K extends KaldiKind>(c: Cursor, kind: K): KaldiValue<K> {
  const at = c.pos;
  let value: KaldiValue<K>;
  if (c.bytes[c.pos] === 0 && c.bytes[c.pos + 1] === 0x42) {
    c.pos += 2;
    value = readBinary(c, kind);
  } else value = readText(c, kind);
  if (kind !== "ints") checkFinite(c, at, value as FeatureMatrix | Float32Array);
  return value;
}

export interface ReadOptions {
  /** Every matrix must have the same number of columns (vectors: the same length), as in a feature archive. */
  sameDim?: boolean;
}

/** With ReadOptions.sameDim: the first object's dimension, and a failure for any object that differs. */
class DimCheck {
  private first: { key: string; dim: number } | null = null;
  constructor(private readonly on: boolean, private readonly where: string) {}
  check(c: Cursor, at: number, value: KaldiValue<KaldiKind>) {
    if (!this.on) return;
    const [dim, unit] = value instanceof Float32Array || value instanceof Int32Array
      ? [value.length, "values"]
      : [value.cols, "columns"];
    if (!this.first) this.first = { key: c.key!, dim };
    else if (dim !== this.first.dim) {
      c.fail(`${dim} ${unit}, but '${this.first.key}' ${this.where} has ${this.first.dim}`, at);
    }
  }
}

/** Every (key, value) of an archive, in order; a key seen twice is an error. */
export function* readArk<K extends KaldiKind>(
  path: string,
  kind: K,
  options: ReadOptions = {},
): Generator<[string, KaldiValue<K>]> {
  const c = new Cursor(Deno.readFileSync(path), path);
  const seen = new Map<string, number>(), dims = new DimCheck(options.sameDim ?? false, "in this archive");
  for (;;) {
    c.key = null;
    c.skipSpace();
    if (c.pos >= c.bytes.length) return;
    const keyAt = c.pos, key = c.word();
    c.key = key;
    if (seen.has(key)) c.fail(`duplicate key (first at byte ${seen.get(key)})`, keyAt);
    seen.set(key, keyAt);
    const at = c.pos, value = readObject(c, kind);
    dims.check(c, at, value);
    yield [key, value];
  }
}

export interface ScpEntry {
  key: string;
  file: string;
  offset: number;
}

/** Parses a script file: "key path:offset" per line (paths relative to the scp's folder also work); keys are unique. */
export function readScp(path: string): ScpEntry[] {
  const entries: ScpEntry[] = [], lineOf = new Map<string, number>();
  Deno.readTextFileSync(path).split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    const m = /^(\S+)\s+(.+):(\d+)\s*$/.exec(line.trim());
    if (!m) throw new Error(`${path}:${i + 1}: expected 'key file.ark:offset', got '${line.slice(0, 80)}'`);
    if (lineOf.has(m[1])) {
      throw new Error(`${path}:${i + 1}: duplicate key '${m[1]}' (first on line ${lineOf.get(m[1])})`);
    }
    lineOf.set(m[1], i + 1);
    entries.push({ key: m[1], file: resolve(dirname(path), m[2]), offset: Number(m[3]) });
  });
  return entries;
}

/** Random access to the objects an scp points at; archive files are read once and kept. */
export class ScpReader<K extends KaldiKind> {
  readonly entries: Map<string, ScpEntry>;
  private readonly files = new Map<string, Uint8Array>();
  private readonly dims: DimCheck;

  constructor(readonly path: string, readonly kind: K, options: ReadOptions = {}) {
    this.entries = new Map(readScp(path).map((e) => [e.key, e]));
    this.dims = new DimCheck(options.sameDim ?? false, `(also in ${path})`);
  }

  get(key: string): KaldiValue<K> {
    const e = this.entries.get(key);
    if (!e) throw new Error(`${this.path}: no key '${key}'`);
    let bytes = this.files.get(e.file);
    if (!bytes) this.files.set(e.file, bytes = Deno.readFileSync(e.file));
    if (e.offset >= bytes.length) {
      throw new ArkError(e.file, key, e.offset, "offset past the end of the file");
    }
    const c = new Cursor(bytes, e.file, e.offset);
    c.key = key;
    const value = readObject(c, this.kind);
    this.dims.check(c, e.offset, value);
    return value;
  }
}

function encodeBinary(kind: KaldiKind, value: FeatureMatrix | Float32Array | Int32Array): Uint8Array {
  const int = (v: DataView, at: number, x: number) => (v.setInt8(at, 4), v.setInt32(at + 1, x, true));
  if (kind === "ints") {
    const x = value as Int32Array;
    const out = new Uint8Array(2 + 5 + 5 * x.length), v = new DataView(out.buffer);
    out.set([0, 0x42]);
    int(v, 2, x.length);
    for (let i = 0; i < x.length; i++) int(v, 7 + 5 * i, x[i]);
    return out;
  }
  const isMatrix = kind === "matrix";
  const data = isMatrix ? (value as FeatureMatrix).data : value as Float32Array;
  const head = isMatrix ? 2 + 3 + 10 : 2 + 3 + 5;
  const out = new Uint8Array(head + 4 * data.length), v = new DataView(out.buffer);
  out.set([0, 0x42, 0x46, isMatrix ? 0x4d : 0x56, 0x20]); // \0B "FM " or "FV "
  if (isMatrix) {
    int(v, 5, (value as FeatureMatrix).rows);
    int(v, 10, (value as FeatureMatrix).cols);
  } else int(v, 5, data.length);
  new Uint8Array(out.buffer, head).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return out;
}

/** The shortest decimal that reads back as the same float32. */
function formatFloat32(x: number): string {
  for (let p = 1; p < 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return String(Number(x.toPrecision(9)));
}

function encodeText(kind: KaldiKind, value: FeatureMatrix | Float32Array | Int32Array): string {
  if (kind === "ints") return [...(value as Int32Array)].map((x) => `${x} `).join("") + "\n";
  const floats = (x: Float32Array) => Array.from(x, formatFloat32).join(" ");
  if (kind === "vector") return ` [ ${floats(value as Float32Array)} ]\n`;
  const m = value as FeatureMatrix;
  if (m.rows === 0) return " [ ]\n";
  let s = " [";
  for (let r = 0; r < m.rows; r++) s += "\n  " + floats(m.data.subarray(r * m.cols, (r + 1) * m.cols)) + " ";
  return s + "]\n";
}

/**
 * Writes an archive (and optionally its scp) like Kaldi's "ark,scp:" wspecifier. Everything goes to temporary
 * names renamed into place by close(), so a killed run leaves no half-written archive.
 */
export class ArkWriter<K extends KaldiKind> {
  private readonly file: Deno.FsFile;
  private readonly tmp: string;
  private offset = 0;
  private readonly scp: string[] = [];
  private readonly pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly encoder = new TextEncoder();

  constructor(
    readonly path: string,
    readonly kind: K,
    readonly options: { scp?: string; binary?: boolean } = {},
  ) {
    this.tmp = `${path}.tmp`;
    this.file = Deno.openSync(this.tmp, { write: true, create: true, truncate: true });
  }

  write(key: string, value: KaldiValue<K>) {
    if (!/^\S+$/.test(key)) throw new Error(`${this.path}: key '${key}' is empty or has whitespace`);
    this.push(this.encoder.encode(`${key} `));
    this.scp.push(`${key} ${resolve(this.path)}:${this.offset}`);
    const binary = this.options.binary ?? true;
    this.push(binary ? encodeBinary(this.kind, value) : this.encoder.encode(encodeText(this.kind, value)));
    if (this.pendingBytes > 1 << 22) this.flush();
  }

  private push(bytes: Uint8Array) {
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    this.offset += bytes.length;
  }

  private flush() {
    const all = new Uint8Array(this.pendingBytes);
    let at = 0;
    for (const p of this.pending) (all.set(p, at), (at += p.length));
    let done = 0;
    while (done < all.length) done += this.file.writeSync(all.subarray(done));
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  close() {
    this.flush();
    this.file.close();
    Deno.renameSync(this.tmp, this.path);
    if (this.options.scp) {
      Deno.writeTextFileSync(`${this.options.scp}.tmp`, this.scp.join("\n") + (this.scp.length ? "\n" : ""));
      Deno.renameSync(`${this.options.scp}.tmp`, this.options.scp);
    }
  }
}
