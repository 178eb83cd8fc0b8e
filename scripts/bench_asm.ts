// deno task bench:asm — each wasm kernel, SIMD vs scalar wasm vs plain TypeScript, timed side by side in one run.
import { type FeatureMatrix, featureMatrix } from "../src/linalg/feature_matrix.ts";
import { spliceInPlace, spliceReference } from "../src/features/splice.ts";
import { type CoreVariant, loadCore } from "../src/simd/core.ts";
import { transformInPlace, transformReference } from "../src/features/transform.ts";
import { type DiagGaussians, diagLoglikReference, DiagScorer } from "../src/gmm/scorer.ts";
import { Rng } from "../src/util/rng.ts";
import { FmllrStats } from "../src/features/fmllr.ts";

const rng = new Rng("bench");
const random = (rows: number, cols: number): FeatureMatrix =>
  featureMatrix(rows, cols, Float32Array.from({ length: rows * cols }, () => rng.normal()));

/** Median time per call of each contender, measured in interleaved rounds so load changes hit all alike. */
function race(contenders: Record<string, () => unknown>, rounds = 15): Record<string, number> {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  for (const f of Object.values(contenders)) f(); // warm up
  for (let r = 0; r < rounds; r++) {
    for (const [name, f] of Object.entries(contenders)) {
      const t0 = performance.now();
      f();
      times[name].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(
    Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[v.length >> 1]]),
  );
}

const gaussians = (dim: number, count: number): DiagGaussians => ({
  dim,
  count,
  means: Float64Array.from({ length: dim * count }, () => rng.normal()),
  vars: Float64Array.from({ length: dim * count }, () => 0.5 + rng.next()),
  logWeights: new Float64Array(count),
});

const frames40 = random(1000, 40), frames91 = random(1000, 91), frames39 = random(500, 39);
const lda = random(40, 91), fmllr = random(40, 41), gmm = gaussians(39, 1024);

/** The inputs uploaded once and an output buffer reused, as a trainer or decoder holds them. */
function resident(variant: CoreVariant) {
  const { heap } = loadCore(variant);
  const b = {
    frames40: heap.copy(frames40.data),
    frames91: heap.copy(frames91.data),
    frames39: heap.copy(frames39.data),
    lda: heap.copy(lda.data),
    fmllr: heap.copy(fmllr.data),
    out: heap.f32(1000 * 11 * 40 + 500 * 1024),
    scorer: new DiagScorer(gmm, variant),
  };
  return {
    splice: () => spliceInPlace(b.frames40, 1000, 40, 5, b.out, variant),
    lda: () => transformInPlace(b.lda, 40, 91, false, b.frames91, 1000, b.out, variant),
    fmllr: () => transformInPlace(b.fmllr, 40, 40, true, b.frames40, 1000, b.out, variant),
    gmm: () => b.scorer.scoreInPlace(b.frames39, 500, b.out),
  };
}
const simd = resident("simd"), scalar = resident("scalar");
const weights = Float32Array.from({ length: 12000 }, () => rng.next());

const cases: [string, Record<string, () => unknown>][] = [
  ["splice 1000 x 40, ±5", {
    simd: simd.splice,
    scalar: scalar.splice,
    ts: () => spliceReference(frames40, 5),
  }],
  ["LDA 91 -> 40, 1000 frames", {
    simd: simd.lda,
    scalar: scalar.lda,
    ts: () => transformReference(lda, frames91),
  }],
  ["fMLLR 40 x 41 affine, 1000 frames", {
    simd: simd.fmllr,
    scalar: scalar.fmllr,
    ts: () => transformReference(fmllr, frames40),
  }],
  ["diag GMM 500 frames x 1024 Gaussians x 39", {
    simd: simd.gmm,
    scalar: scalar.gmm,
    ts: () => diagLoglikReference(gmm, frames39),
  }],
  ["fMLLR statistics, 300 frames x 40 dims", {
    simd: () =>
      new FmllrStats(40).addUtterance(frames40.data.subarray(0, 12000), weights, weights, 300, "simd"),
    scalar: () =>
      new FmllrStats(40).addUtterance(frames40.data.subarray(0, 12000), weights, weights, 300, "scalar"),
    ts: () => {
      const stats = new FmllrStats(40);
      for (let t = 0; t < 300; t++) {
        stats.addWeighted(frames40.data, t * 40, weights.subarray(t * 40), weights.subarray(t * 40), 1);
      }
    },
  }],
];

console.log("kernel                                      simd ms  scalar ms   ts ms   simd/scalar  simd/ts");
for (const [name, contenders] of cases) {
  const t = race(contenders);
  console.log(
    `${name.padEnd(42)} ${t.simd.toFixed(3).padStart(8)} ${t.scalar.toFixed(3).padStart(10)} ${
      t.ts.toFixed(3).padStart(7)
    }` +
      `   ${(t.scalar / t.simd).toFixed(2).padStart(8)}x ${(t.ts / t.simd).toFixed(2).padStart(7)}x`,
  );
}
console.log(
  "(median of 15 interleaved rounds; wasm kernels run on buffers resident in wasm memory, as the trainer and decoder use them)",
);
