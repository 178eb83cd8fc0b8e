// How well i-vectors tell speakers apart: identification accuracy against per-speaker means, and verification EER.

const normalize = (v: Float32Array) => {
  const n = Math.hypot(...v) || 1;
  return Float64Array.from(v, (x) => x / n);
};
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, x, i) => s + x * b[i], 0);

/**
 * Speaker identification: each utterance's i-vector (length-normalized, after removing the global mean) is scored
 * by cosine against every speaker's mean i-vector, its own speaker's mean made without it.
 */
export function identificationAccuracy(
  ivectors: Map<string, Float32Array>,
  utt2spk: Map<string, string>,
): number {
  const keys = [...ivectors.keys()], dim = ivectors.get(keys[0])!.length;
  const mean = new Float64Array(dim);
  for (const v of ivectors.values()) v.forEach((x, i) => (mean[i] += x / keys.length));
  const vec = new Map(
    keys.map((k) => [k, normalize(Float32Array.from(ivectors.get(k)!, (x, i) => x - mean[i]))]),
  );
  const sums = new Map<string, { sum: Float64Array; n: number }>();
  for (const k of keys) {
    const s = sums.get(utt2spk.get(k)!) ?? { sum: new Float64Array(dim), n: 0 };
    vec.get(k)!.forEach((x, i) => (s.sum[i] += x));
    s.n++;
    sums.set(utt2spk.get(k)!, s);
  }
  let correct = 0;
  for (const k of keys) {
    const own = utt2spk.get(k)!, v = vec.get(k)!;
    let best = "", bestScore = -Infinity;
    for (const [spk, { sum, n }] of sums) {
      const centroid = spk === own ? sum.map((x, i) => x - v[i]) : sum;
      if (spk === own && n === 1) continue;
      const score = dot(v, centroid) / (Math.hypot(...centroid) || 1);
      if (score > bestScore) (bestScore = score), (best = spk);
    }
    if (best === own) correct++;
  }
  return correct / keys.length;
}

/** Equal error rate of cosine scores over all pairs of utterances (same speaker = target trial). */
export function equalErrorRate(ivectors: Map<string, Float32Array>, utt2spk: Map<string, string>): number {
  const keys = [...ivectors.keys()], dim = ivectors.get(keys[0])!.length;
  const mean = new Float64Array(dim);
  for (const v of ivectors.values()) v.forEach((x, i) => (mean[i] += x / keys.length));
  const vec = keys.map((k) => normalize(Float32Array.from(ivectors.get(k)!, (x, i) => x - mean[i])));
  const trials: { score: number; target: boolean }[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      trials.push({ score: dot(vec[i], vec[j]), target: utt2spk.get(keys[i]) === utt2spk.get(keys[j]) });
    }
  }
  trials.sort((a, b) => b.score - a.score);
  const targets = trials.filter((t) => t.target).length, nonTargets = trials.length - targets;
  const accepted = { t: 0, n: 0 };
  let eer = 1;
  for (const t of trials) {
    if (t.target) accepted.t++;
    else accepted.n++;
    const miss = 1 - accepted.t / targets, fa = accepted.n / nonTargets;
    if (fa >= miss) {
      eer = (fa + miss) / 2;
      break;
    }
  }
  return eer;
}
