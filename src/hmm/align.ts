// Forced alignment of an utterance to its left-to-right chain of HMM states (Viterbi, beam, retry), and equal alignment.

export interface Chain {
  /** pdf of each state in the chain. */
  pdf: Int32Array;
  /** log P(stay) and log P(move on) per chain state. */
  selfLog: Float64Array;
  leaveLog: Float64Array;
}

/** Kaldi's align-equal: the frames shared out evenly over the chain's states. */
export function equalAlignment(frames: number, states: number): Int32Array | null {
  if (frames < states) return null;
  return Int32Array.from({ length: frames }, (_, t) => Math.floor((t * states) / frames));
}

/**
 * The best state sequence through the chain (start in state 0, end in the last) given per-frame pdf
 * log-likelihoods (frames x numPdfs), scaled by `acousticScale`; states further than `beam` below the best at a
 * frame are pruned. Returns the chain state per frame, or null if the last state cannot be reached.
 */
export function viterbiAlign(
  loglik: Float32Array,
  numPdfs: number,
  frames: number,
  chain: Chain,
  acousticScale: number,
  beam: number,
): Int32Array | null {
  const S = chain.pdf.length;
  if (frames < S || S === 0) return null;
  let prev = new Float64Array(S).fill(-Infinity), cur = new Float64Array(S);
  const back = new Uint8Array(frames * S);
  prev[0] = acousticScale * loglik[chain.pdf[0]];
  for (let t = 1; t < frames; t++) {
    let best = -Infinity;
    for (let s = 0; s < S; s++) {
      const stay = prev[s] + chain.selfLog[s];
      const move = s > 0 ? prev[s - 1] + chain.leaveLog[s - 1] : -Infinity;
      const v = stay >= move ? stay : move;
      back[t * S + s] = stay >= move ? 0 : 1;
      cur[s] = v === -Infinity ? v : v + acousticScale * loglik[t * numPdfs + chain.pdf[s]];
      if (cur[s] > best) best = cur[s];
    }
    for (let s = 0; s < S; s++) if (cur[s] < best - beam) cur[s] = -Infinity;
    [prev, cur] = [cur, prev];
  }
  if (prev[S - 1] === -Infinity) return null;
  const path = new Int32Array(frames);
  for (let t = frames - 1, s = S - 1; t >= 0; t--) {
    path[t] = s;
    if (t > 0) s -= back[t * S + s];
  }
  return path;
}

/** Aligns with `beam`, then once more with `retryBeam` (Kaldi's --beam 10 --retry-beam 40); null if both fail. */
export function alignWithRetry(
  loglik: Float32Array,
  numPdfs: number,
  frames: number,
  chain: Chain,
  acousticScale = 0.1,
  beam = 10,
  retryBeam = 40,
): { path: Int32Array; retried: boolean } | null {
  const first = viterbiAlign(loglik, numPdfs, frames, chain, acousticScale, beam);
  if (first) return { path: first, retried: false };
  const second = viterbiAlign(loglik, numPdfs, frames, chain, acousticScale, retryBeam);
  return second ? { path: second, retried: true } : null;
}
