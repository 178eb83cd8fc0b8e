// Network parameters as a Kaldi binary ark (one float matrix per named parameter, rows = inputs; biases 1 x n), written atomically.
import * as tf from "@tensorflow/tfjs-core";
import { featureMatrix } from "../linalg/feature_matrix.ts";
import { ArkWriter, readArk } from "../io/ark.ts";
import { type Affine, assignFrom } from "./ops.ts";

/** Parameters with their names in the ark, e.g. "affine3.weight", "affine3.bias". */
export type NamedParameters = [string, tf.Variable][];

/** The names of a stack of affine layers: layer l (from 1) gives affine<l>.weight and affine<l>.bias. */
export const affineParameters = (layers: Affine[]): NamedParameters =>
  layers.flatMap((a, i) => [[`affine${i + 1}.weight`, a.w], [`affine${i + 1}.bias`, a.b]]);

export async function saveParameters(path: string, params: NamedParameters) {
  const ark = new ArkWriter(path, "matrix");
  for (const [name, p] of params) {
    const data = (await p.data()) as Float32Array;
    const [rows, cols] = p.shape.length === 2 ? p.shape : [1, p.shape[0]];
    ark.write(name, featureMatrix(rows, cols, Float32Array.from(data)));
  }
  ark.close();
}

/**
 * Loads the parameters of `params` from an ark written by saveParameters (shapes must match). Every parameter must
 * be there unless `partial`; then the names loaded are returned and the others are left as they are.
 */
export function loadParameters(path: string, params: NamedParameters, partial = false): Set<string> {
  const stored = new Map(readArk(path, "matrix")), loaded = new Set<string>();
  for (const [name, p] of params) {
    const m = stored.get(name);
    if (!m && partial) continue;
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!m || m.rows * m.cols !== size) {
      throw new Error(`${path}: '${name}' is missing or not of shape ${p.shape.join(" x ")}`);
    }
    assignFrom(p, tf.tensor(m.data, p.shape));
    loaded.add(name);
  }
  return loaded;
}
