// Network parameters as a Kaldi binary ark (one float matrix per parameter, rows = inputs; biases 1 x n), written atomically.
import * as tf from "@tensorflow/tfjs-core";
import { featureMatrix } from "../features/matrix.ts";
import { ArkWriter, readArk } from "../io/ark.ts";

/** Parameter names in the ark: layer index and role, e.g. "affine3.weight", "affine3.bias". */
export const parameterName = (i: number) =>
  `affine${Math.floor(i / 2) + 1}.${i % 2 === 0 ? "weight" : "bias"}`;

export async function saveParameters(path: string, params: tf.Variable[]) {
  const ark = new ArkWriter(path, "matrix");
  for (const [i, p] of params.entries()) {
    const data = (await p.data()) as Float32Array;
    const [rows, cols] = p.shape.length === 2 ? p.shape : [1, p.shape[0]];
    ark.write(parameterName(i), featureMatrix(rows, cols, Float32Array.from(data)));
  }
  ark.close();
}

/** Loads parameters saved by saveParameters into `params` (names and shapes must match). */
export function loadParameters(path: string, params: tf.Variable[]) {
  const stored = new Map(readArk(path, "matrix"));
  params.forEach((p, i) => {
    const m = stored.get(parameterName(i));
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (!m || m.rows * m.cols !== size) {
      throw new Error(`${path}: '${parameterName(i)}' is missing or not of shape ${p.shape.join(" x ")}`);
    }
    p.assign(tf.tensor(m.data, p.shape));
  });
}
