// Generator signal processing against hand-checkable answers.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  convolve,
  design,
  filter,
  gainAt,
  meanSquare,
  resample,
  roomImpulse,
} from "../../../src/corpus/synth/dsp.ts";
import { Rng } from "../../../src/util/rng.ts";

test("resampling 22050 -> 16000 keeps a tone's frequency and level and adds no delay", () => {
  const f = 440, x = Float32Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * f * i) / 22050));
  const y = resample(x, 22050, 16000);
  assert.is(y.length, 16000);
  let err = 0;
  for (let n = 100; n < 15900; n++) {
    err = Math.max(err, Math.abs(y[n] - Math.sin((2 * Math.PI * f * n) / 16000)));
  }
  assert.ok(err < 2e-3, `max error ${err}`);
  const impulse = new Float32Array(2205);
  impulse[1323] = 1; // 60 ms
  const moved = resample(impulse, 22050, 16000);
  assert.is(moved.indexOf(Math.max(...moved)), 960);
});

test("resampling removes content above the new Nyquist frequency", () => {
  const x = Float32Array.from({ length: 22050 }, (_, i) => Math.sin((2 * Math.PI * 10000 * i) / 22050));
  assert.ok(meanSquare(resample(x, 22050, 16000), 100, 15900) < 1e-4);
});

test("FFT convolution equals direct convolution", () => {
  const rng = new Rng("conv");
  const x = Float32Array.from({ length: 3001 }, () => rng.normal());
  const h = Float32Array.from({ length: 257 }, () => rng.normal());
  const y = convolve(x, h);
  for (const n of [0, 1, 256, 257, 1000, 2047, 2048, 3000]) {
    let want = 0;
    for (let k = 0; k < h.length && k <= n; k++) want += h[k] * x[n - k];
    assert.ok(Math.abs(y[n] - want) < 1e-3, `y[${n}] = ${y[n]}, want ${want}`);
  }
});

test("biquads: -3 dB at the corner, the asked peak and shelf gains", () => {
  const fs = 16000;
  const db = (g: number) => 20 * Math.log10(g);
  assert.ok(Math.abs(db(gainAt(design.lowpass(4000, fs), 4000, fs)) + 3.01) < 0.01);
  assert.ok(Math.abs(db(gainAt(design.highpass(200, fs), 200, fs)) + 3.01) < 0.01);
  assert.ok(Math.abs(db(gainAt(design.peaking(1000, fs, 6, 1), 1000, fs)) - 6) < 1e-6);
  assert.ok(Math.abs(db(gainAt(design.highShelf(1000, fs, -4), 7900, fs)) + 4) < 0.1);
  const tone = Float32Array.from({ length: 16000 }, (_, i) => Math.sin((2 * Math.PI * 4000 * i) / fs));
  filter(tone, design.lowpass(4000, fs));
  assert.ok(Math.abs(db(Math.sqrt(2 * meanSquare(tone, 1000))) + 3.01) < 0.05);
});

test("room impulse: unit direct path, asked direct-to-reverberant ratio", () => {
  const h = roomImpulse(new Rng("room"), 0.4, 6, 16000);
  assert.is(h.length, 6400);
  assert.is(h[0], 1);
  let tail = 0;
  for (let i = 1; i < h.length; i++) tail += h[i] * h[i];
  assert.ok(Math.abs(10 * Math.log10(1 / tail) - 6) < 1e-3);
});

test.run();
