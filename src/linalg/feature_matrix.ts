// The feature matrix every stage passes around: frames x dims, row-major float32 (Kaldi's Matrix<BaseFloat>).

export interface FeatureMatrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

export function featureMatrix(
  rows: number,
  cols: number,
  data: Float32Array = new Float32Array(rows * cols),
): FeatureMatrix {
  if (data.length !== rows * cols) {
    throw new Error(`${data.length} values cannot be a ${rows} x ${cols} matrix`);
  }
  return { rows, cols, data };
}
