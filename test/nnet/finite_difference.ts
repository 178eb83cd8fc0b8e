// Shared by the network tests: a parameter's analytic gradient against central differences of the loss.
import * as assert from "uvu/assert";
import * as tf from "@tensorflow/tfjs-core";

/** Checks `gradient` of `p` at its first, middle and last entries against (loss(p + eps) - loss(p - eps)) / 2 eps. */
export function assertGradientMatches(p: tf.Variable, gradient: tf.Tensor, loss: () => number, what: string) {
  const eps = 1e-2, g = gradient.dataSync(), base = p.dataSync().slice();
  for (const i of [0, Math.floor(base.length / 2), base.length - 1]) {
    const at = (v: number) => {
      const changed = base.slice();
      changed[i] = v;
      p.assign(tf.tensor(changed, p.shape));
      return loss();
    };
    const numeric = (at(base[i] + eps) - at(base[i] - eps)) / (2 * eps);
    p.assign(tf.tensor(base, p.shape));
    assert.ok(
      Math.abs(numeric - g[i]) < 2e-3 + 1e-2 * Math.abs(numeric),
      `${what}[${i}]: ${g[i]} vs ${numeric}`,
    );
  }
}
