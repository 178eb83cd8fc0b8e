// Viterbi search over a weighted graph of emitting states (arcs stored by source), token passing with a beam.

// loglik: frames x numPdfs; graph: statePdf[s], outgoing arcs arcStart[s]..arcStart[s+1] of (arcDst, arcWeight),
// initial[s] and final[s] log weights. Only states within `beam` of the frame's best pass tokens on.
// back (frames x numStates) receives the best predecessor of each state.
// Returns the best state to end in (a final one if any survived), or -1 if no state survives to the last frame.
export function viterbi(
  loglik: usize, frames: i32, numPdfs: i32, numStates: i32,
  statePdf: usize, arcStart: usize, arcDst: usize, arcWeight: usize, initial: usize, final: usize,
  acousticScale: f32, beam: f32, scoreA: usize, scoreB: usize, back: usize,
): i32 {
  let prev = scoreA, cur = scoreB;
  let best: f32 = -Infinity;
  for (let s = 0; s < numStates; s++) {
    const pdf = load<i32>(statePdf + (<usize>s << 2));
    const v = load<f32>(initial + (<usize>s << 2)) + acousticScale * load<f32>(loglik + (<usize>pdf << 2));
    store<f32>(prev + (<usize>s << 2), v);
    store<i32>(back + (<usize>s << 2), -1);
    if (v > best) best = v;
  }
  prune(prev, numStates, best - beam);
  for (let t = 1; t < frames; t++) {
    const row = loglik + ((<usize>t * <usize>numPdfs) << 2);
    const backRow = back + ((<usize>t * <usize>numStates) << 2);
    fill(cur, numStates, -Infinity);
    for (let s = 0; s < numStates; s++) {
      const p = load<f32>(prev + (<usize>s << 2));
      if (p == -Infinity) continue;
      const end = load<i32>(arcStart + (<usize>(s + 1) << 2));
      for (let a = load<i32>(arcStart + (<usize>s << 2)); a < end; a++) {
        const d = load<i32>(arcDst + (<usize>a << 2));
        const v = p + load<f32>(arcWeight + (<usize>a << 2));
        const at = cur + (<usize>d << 2);
        if (v > load<f32>(at)) {
          store<f32>(at, v);
          store<i32>(backRow + (<usize>d << 2), s);
        }
      }
    }
    best = -Infinity;
    for (let s = 0; s < numStates; s++) {
      const at = cur + (<usize>s << 2);
      const v = load<f32>(at);
      if (v == -Infinity) continue;
      const pdf = load<i32>(statePdf + (<usize>s << 2));
      const w = v + acousticScale * load<f32>(row + (<usize>pdf << 2));
      store<f32>(at, w);
      if (w > best) best = w;
    }
    prune(cur, numStates, best - beam);
    const swap = prev;
    prev = cur;
    cur = swap;
  }
  let bestEnd = -1;
  let bestScore: f32 = -Infinity;
  let bestAny = -1;
  let bestAnyScore: f32 = -Infinity;
  for (let s = 0; s < numStates; s++) {
    const p = load<f32>(prev + (<usize>s << 2));
    const v = p + load<f32>(final + (<usize>s << 2));
    if (v > bestScore) {
      bestScore = v;
      bestEnd = s;
    }
    if (p > bestAnyScore) {
      bestAnyScore = p;
      bestAny = s;
    }
  }
  // no final state survived the beam: end in the best state anyway (a partial path, as Kaldi's --allow-partial)
  if (bestEnd < 0) {
    bestEnd = bestAny;
    bestScore = bestAnyScore;
  }
  store<f32>(scoreA, bestScore);
  return bestEnd;
}

// Sets scores below the threshold to -infinity, four at a time.
function prune(scores: usize, n: i32, threshold: f32): void {
  let s = 0;
  if (ASC_FEATURE_SIMD) {
    const thr = f32x4.splat(threshold), ninf = f32x4.splat(-Infinity);
    for (; s + 4 <= n; s += 4) {
      const p = scores + (<usize>s << 2);
      const v = v128.load(p);
      v128.store(p, v128.bitselect(v, ninf, f32x4.ge(v, thr)));
    }
  }
  for (; s < n; s++) {
    const p = scores + (<usize>s << 2);
    if (load<f32>(p) < threshold) store<f32>(p, -Infinity);
  }
}

// Sets n floats to `value`, four at a time.
function fill(scores: usize, n: i32, value: f32): void {
  let s = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; s + 4 <= n; s += 4) v128.store(scores + (<usize>s << 2), v);
  }
  for (; s < n; s++) store<f32>(scores + (<usize>s << 2), value);
}
