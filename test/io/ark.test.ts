// Kaldi ark/scp: round trips like copy-feats, Kaldi's exact byte layouts, compressed matrices, clear errors.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { ArkError, ArkWriter, readArk, readScp, ScpReader } from "../../src/io/ark.ts";
import { featureMatrix } from "../../src/linalg/feature_matrix.ts";

const dir = Deno.makeTempDirSync({ prefix: "phl-ark-" });
const m1 = featureMatrix(2, 3, Float32Array.from([1, 2.5, -3, 4, 5e-7, 6]));
const m2 = featureMatrix(1, 3, Float32Array.from([0.1, 0.2, 0.3]));
const int = (x: number) => [4, x & 255, (x >> 8) & 255, (x >> 16) & 255, (x >>> 24) & 255];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

for (const binary of [true, false]) {
  test(`${binary ? "binary" : "text"} round trip of matrices, vectors and int vectors, with scp`, () => {
    const ark = join(dir, `m${binary}.ark`), scp = join(dir, `m${binary}.scp`);
    const w = new ArkWriter(ark, "matrix", { scp, binary });
    w.write("utt1", m1);
    w.write("utt2", m2);
    w.close();
    assert.equal([...readArk(ark, "matrix")], [["utt1", m1], ["utt2", m2]]);
    const r = new ScpReader(scp, "matrix");
    assert.equal(r.get("utt2"), m2);
    assert.equal(r.get("utt1"), m1);
    const vark = join(dir, `v${binary}.ark`);
    const vw = new ArkWriter(vark, "vector", { binary });
    vw.write("spk", Float32Array.from([1, -2, 0.5]));
    vw.close();
    assert.equal([...readArk(vark, "vector")], [["spk", Float32Array.from([1, -2, 0.5])]]);
    const iark = join(dir, `i${binary}.ark`);
    const iw = new ArkWriter(iark, "ints", { binary });
    iw.write("ali1", Int32Array.from([3, 3, 4, -1]));
    iw.write("ali2", new Int32Array(0));
    iw.close();
    assert.equal([...readArk(iark, "ints")], [["ali1", Int32Array.from([3, 3, 4, -1])], [
      "ali2",
      new Int32Array(0),
    ]]);
  });
}

test("byte layouts are Kaldi's: '\\0B' 'FM ' sized ints; int vectors as size + sized elements", () => {
  const ark = join(dir, "layout.ark");
  const w = new ArkWriter(ark, "matrix");
  w.write("a", featureMatrix(1, 1, Float32Array.from([1])));
  w.close();
  assert.equal([...Deno.readFileSync(ark)], [
    ...ascii("a "),
    0,
    66,
    ...ascii("FM "),
    ...int(1),
    ...int(1),
    0,
    0,
    128,
    63,
  ]);
  const iark = join(dir, "layout-ints.ark");
  const iw = new ArkWriter(iark, "ints");
  iw.write("b", Int32Array.from([7]));
  iw.close();
  assert.equal([...Deno.readFileSync(iark)], [...ascii("b "), 0, 66, ...int(1), ...int(7)]);
  const tark = join(dir, "layout.txt.ark");
  const tw = new ArkWriter(tark, "matrix", { binary: false });
  tw.write("c", m1);
  tw.close();
  assert.is(Deno.readTextFileSync(tark), "c  [\n  1 2.5 -3 \n  4 5e-7 6 ]\n");
  assert.equal(readScp(join(dir, "mtrue.scp")).map((e) => [e.key, e.offset]), [["utt1", 5], ["utt2", 49]]);
});

test("reads double matrices and vectors (DM, DV)", () => {
  const f64 = (x: number[]) => [...new Uint8Array(Float64Array.from(x).buffer)];
  const bytes = [...ascii("d "), 0, 66, ...ascii("DM "), ...int(1), ...int(2), ...f64([0.5, -1.25])];
  Deno.writeFileSync(join(dir, "d.ark"), Uint8Array.from(bytes));
  assert.equal([...readArk(join(dir, "d.ark"), "matrix")], [[
    "d",
    featureMatrix(1, 2, Float32Array.from([0.5, -1.25])),
  ]]);
  const vbytes = [...ascii("v "), 0, 66, ...ascii("DV "), ...int(2), ...f64([2, 3])];
  Deno.writeFileSync(join(dir, "dv.ark"), Uint8Array.from(vbytes));
  assert.equal([...readArk(join(dir, "dv.ark"), "vector")], [["v", Float32Array.from([2, 3])]]);
});

test("reads compressed matrices (CM2, CM3, CM with column percentiles)", () => {
  const f32 = (x: number) => [...new Uint8Array(Float32Array.from([x]).buffer)];
  const u32 = (x: number) => [x & 255, (x >> 8) & 255, 0, 0];
  const u16 = (x: number) => [x & 255, x >> 8];
  const header = (
    min: number,
    range: number,
    rows: number,
    cols: number,
  ) => [...f32(min), ...f32(range), ...u32(rows), ...u32(cols)];
  const cm2 = [...ascii("x "), 0, 66, ...ascii("CM2 "), ...header(-1, 2, 1, 2), ...u16(0), ...u16(65535)];
  const cm3 = [...ascii("y "), 0, 66, ...ascii("CM3 "), ...header(0, 255, 2, 1), 10, 20];
  // one column, percentiles 0, 16, 48, 80 (uint16 16384 -> 16 with min 0 and range 65535/1024*...) via range 65.535
  const cm = [
    ...ascii("z "),
    0,
    66,
    ...ascii("CM "),
    ...header(0, 65.535, 3, 1),
    ...u16(0),
    ...u16(16000),
    ...u16(48000),
    ...u16(64000),
    32,
    128,
    255,
  ];
  Deno.writeFileSync(join(dir, "c.ark"), Uint8Array.from([...cm2, ...cm3, ...cm]));
  const [[, a], [, b], [, c]] = [...readArk(join(dir, "c.ark"), "matrix")];
  assert.equal([...a.data], [-1, 1]);
  assert.equal([...b.data], [10, 20]);
  const near = (x: number, y: number) => Math.abs(x - y) < 1e-4;
  assert.ok(near(c.data[0], 8) && near(c.data[1], 32) && near(c.data[2], 64), `${[...c.data]}`);
});

test("malformed archives: the error names the file, key and byte offset", () => {
  const bad = (name: string, bytes: number[], kind: "matrix" | "ints", pattern: RegExp) => {
    const p = join(dir, name);
    Deno.writeFileSync(p, Uint8Array.from(bytes));
    assert.throws(
      () => [...readArk(p, kind)],
      (e: Error) => e instanceof ArkError && pattern.test(e.message),
    );
  };
  bad(
    "token.ark",
    [...ascii("k1 "), 0, 66, ...ascii("XY "), ...int(1)],
    "matrix",
    /key 'k1', byte 5: expected FM or DM/,
  );
  bad(
    "trunc.ark",
    [...ascii("k2 "), 0, 66, ...ascii("FM "), ...int(2), ...int(2), 0, 0, 128, 63],
    "matrix",
    /key 'k2', byte 18: truncated float data \(4 values\): needs 16 bytes, 4 left/,
  );
  bad(
    "size.ark",
    [...ascii("k3 "), 0, 66, ...ascii("FM "), 8, 1, 0, 0, 0],
    "matrix",
    /key 'k3', byte 8: expected a 4-byte integer, size byte is 8/,
  );
  bad(
    "text.ark",
    ascii("k4 [ 1 2\n 3 ]\n"),
    "matrix",
    /key 'k4', byte 3: text matrix row 1 has 1 values, row 0 has 2/,
  );
  bad("ints.ark", ascii("k5 1 2 x\n"), "ints", /key 'k5', byte 3: 'x' is not an integer/);
  Deno.writeTextFileSync(join(dir, "bad.scp"), "utt1 /x.ark\n");
  assert.throws(() => readScp(join(dir, "bad.scp")), /bad.scp:1: expected 'key file.ark:offset'/);
});

test("NaN and Inf are errors naming the file, key and position, in binary and text, through ark and scp", () => {
  const withBad = (value: number) => featureMatrix(2, 3, Float32Array.from([1, 2, 3, 4, value, 6]));
  for (const binary of [true, false]) {
    const ark = join(dir, `nan${binary}.ark`), scp = join(dir, `nan${binary}.scp`);
    const w = new ArkWriter(ark, "matrix", { scp, binary });
    w.write("good", m1);
    w.write("utt_nan", withBad(NaN));
    w.write("utt_inf", withBad(-Infinity));
    w.close();
    const r = new ScpReader(scp, "matrix");
    assert.equal(r.get("good"), m1);
    for (const [key, what] of [["utt_nan", "NaN"], ["utt_inf", "-Inf"]]) {
      const offset = readScp(scp).find((e) => e.key === key)!.offset;
      assert.throws(
        () => r.get(key),
        (e: Error) => e.message === `${ark}: key '${key}', byte ${offset}: ${what} at row 1, column 1`,
      );
    }
    assert.throws(() => [...readArk(ark, "matrix")], /key 'utt_nan', byte \d+: NaN at row 1, column 1/);
  }
  const v = join(dir, "ivec.ark");
  Deno.writeTextFileSync(v, "spk1 [ 0.5 1 ]\nspk2 [ 1 inf ]\n");
  assert.throws(() => [...readArk(v, "vector")], /ivec.ark: key 'spk2', byte 20: \+Inf at element 1$/);
});

test("duplicate keys in an ark or scp, and differing dimensions where one is expected, are errors", () => {
  const ark = join(dir, "dims.ark"), scp = join(dir, "dims.scp");
  const w = new ArkWriter(ark, "matrix", { scp });
  w.write("utt1", m1);
  w.write("utt2", featureMatrix(1, 4));
  w.close();
  assert.is([...readArk(ark, "matrix")].length, 2);
  const offset = readScp(scp)[1].offset;
  assert.throws(
    () => [...readArk(ark, "matrix", { sameDim: true })],
    (e: Error) =>
      e.message === `${ark}: key 'utt2', byte ${offset}: 4 columns, but 'utt1' in this archive has 3`,
  );
  const r = new ScpReader(scp, "matrix", { sameDim: true });
  r.get("utt2");
  assert.throws(
    () => r.get("utt1"),
    /dims.ark: key 'utt1', byte 5: 3 columns, but 'utt2' \(also in .*dims.scp\) has 4/,
  );
  const vectors = join(dir, "dimsv.ark");
  Deno.writeTextFileSync(vectors, "a [ 1 2 ]\nb [ 1 2 3 ]\n");
  assert.throws(
    () => [...readArk(vectors, "vector", { sameDim: true })],
    /key 'b', byte 12: 3 values, but 'a'/,
  );
  const dup = join(dir, "dup.ark");
  Deno.writeTextFileSync(dup, "a [ 1 ]\nb [ 2 ]\na [ 3 ]\n");
  assert.throws(
    () => [...readArk(dup, "vector")],
    /dup.ark: key 'a', byte 16: duplicate key \(first at byte 0\)/,
  );
  Deno.writeTextFileSync(join(dir, "dup.scp"), `a ${ark}:5\nb ${ark}:60\na ${ark}:5\n`);
  assert.throws(() => readScp(join(dir, "dup.scp")), /dup.scp:3: duplicate key 'a' \(first on line 1\)/);
});

test("nothing is left half-written: the archive appears only on close", () => {
  const p = join(dir, "late.ark");
  const w = new ArkWriter(p, "vector");
  w.write("a", Float32Array.from([1]));
  assert.not.ok([...Deno.readDirSync(dir)].some((e) => e.name === "late.ark"));
  w.close();
  assert.ok([...Deno.readDirSync(dir)].some((e) => e.name === "late.ark"));
});

test.after(() => Deno.removeSync(dir, { recursive: true }));

test.run();
