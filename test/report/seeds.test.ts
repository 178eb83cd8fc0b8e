// Summaries over seeds: Student t against SciPy's values, and a mean and interval worked by hand.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  incompleteBeta,
  meanInterval,
  meanSd,
  overSeeds,
  studentTCdf,
  studentTQuantile,
} from "../../src/report/seeds.ts";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("t quantiles and CDF agree with SciPy 1.17 (scipy.stats.t.ppf(0.975, df), t.cdf, beta.cdf)", () => {
  const ppf975: [number, number][] = [
    [1, 12.706204736174694],
    [2, 4.302652729749462],
    [3, 3.1824463052837078],
    [5, 2.5705818356363146],
    [10, 2.228138851986274],
    [30, 2.0422724563012378],
  ];
  for (const [df, t] of ppf975) close(studentTQuantile(0.975, df), t, 1e-9 * t, `t(0.975, ${df})`);
  close(studentTCdf(-1.3, 4), 0.13172579823561206, 1e-12, "t.cdf(-1.3, 4)");
  close(incompleteBeta(2.5, 0.5, 0.3), 0.018927124071945658, 1e-12, "beta.cdf(0.3, 2.5, 0.5)");
  close(studentTQuantile(0.5, 7), 0, 1e-9, "median");
});

test("three seeds 1, 2, 3: mean 2, sd 1, interval 2 ± 4.3027/sqrt(3); one seed has no spread", () => {
  const s = overSeeds([1, 2, 3]);
  assert.is(s.n, 3);
  close(s.mean, 2, 1e-12, "mean");
  close(s.sd!, 1, 1e-12, "sd");
  close(s.interval![0], 2 - 4.302652729749462 / Math.sqrt(3), 1e-9, "low");
  close(s.interval![1], 2 + 4.302652729749462 / Math.sqrt(3), 1e-9, "high");
  assert.is(meanSd(s), "2.00 ± 1.00");
  assert.is(meanInterval(s), "2.00 [-0.48, 4.48]");
  const one = overSeeds([15.62]);
  assert.equal([one.sd, one.interval], [null, null]);
  assert.is(meanSd(one), "15.62");
  assert.throws(() => overSeeds([]), /no values/);
});

test.run();
