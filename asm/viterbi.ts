// Viterbi search over a weighted graph of emitting states (arcs stored by source), token passing with a beam.

// loglik: frames x numPdfs; graph: statePdf[s], outgoing arcs arcStart[s]..arcStart[s+1] of (arcDst, arcWeight),
// initial[s] and final[s] log weights. Only states within `beam` of the frame's best pass tokens on, and only they
// are visited: `active` and `next` hold the surviving and the reached states, `stamp` marks a state reached in this
// frame (all three numStates ints). back (frames x numStates) receives the best predecessor of each reached state.
// Returns the best state to end in (a final one if any survived), or -1 if no state survives to the last frame.
export function viterbi(
  loglik: usize, frames: i32, numPdfs: i32, numStates: i32,
  statePdf: usize, arcStart: usize, arcDst: usize, arcWeight: usize, initial: usize, final: usize,
  acousticScale: f32, beam: f32, scoreA: usize, scoreB: usize, back: usize,
  active: usize, next: usize, stamp: usize,
): i32 {
  let prev = scoreA, cur = scoreB;
  let best: f32 = -Infinity;
  let numActive = 0;
  for (let s = 0; s < numStates; s++) {
    store<i32>(stamp + (<usize>s << 2), -1);
    const pdf = load<i32>(statePdf + (<usize>s << 2));
    const v = load<f32>(initial + (<usize>s << 2)) + acousticScale * load<f32>(loglik + (<usize>pdf << 2));
    store<f32>(prev + (<usize>s << 2), v);
    store<i32>(back + (<usize>s << 2), -1);
    if (v > best) best = v;
  }
  for (let s = 0; s < numStates; s++) {
    if (load<f32>(prev + (<usize>s << 2)) >= best - beam) {
      store<i32>(active + (<usize>numActive << 2), s);
      numActive++;
    }
  }
  for (let t = 1; t < frames; t++) {
    const row = loglik + ((<usize>t * <usize>numPdfs) << 2);
    const backRow = back + ((<usize>t * <usize>numStates) << 2);
    let numNext = 0;
    for (let i = 0; i < numActive; i++) {
      const s = load<i32>(active + (<usize>i << 2));
      const p = load<f32>(prev + (<usize>s << 2));
      const end = load<i32>(arcStart + (<usize>(s + 1) << 2));
      for (let a = load<i32>(arcStart + (<usize>s << 2)); a < end; a++) {
        const d = load<i32>(arcDst + (<usize>a << 2));
        const v = p + load<f32>(arcWeight + (<usize>a << 2));
        const at = cur + (<usize>d << 2);
        if (load<i32>(stamp + (<usize>d << 2)) != t) {
          store<i32>(stamp + (<usize>d << 2), t);
          store<i32>(next + (<usize>numNext << 2), d);
          numNext++;
          store<f32>(at, v);
          store<i32>(backRow + (<usize>d << 2), s);
        } else if (v > load<f32>(at)) {
          store<f32>(at, v);
          store<i32>(backRow + (<usize>d << 2), s);
        }
      }
    }
    best = -Infinity;
    for (let i = 0; i < numNext; i++) {
      const d = load<i32>(next + (<usize>i << 2));
      const at = cur + (<usize>d << 2);
      const pdf = load<i32>(statePdf + (<usize>d << 2));
      const w = load<f32>(at) + acousticScale * load<f32>(row + (<usize>pdf << 2));
      store<f32>(at, w);
      if (w > best) best = w;
    }
    const threshold = best - beam;
    numActive = 0;
    for (let i = 0; i < numNext; i++) {
      const d = load<i32>(next + (<usize>i << 2));
      if (load<f32>(cur + (<usize>d << 2)) >= threshold) {
        store<i32>(active + (<usize>numActive << 2), d);
        numActive++;
      }
    }
    const swap = prev;
    prev = cur;
    cur = swap;
  }
  let bestEnd = -1;
  let bestScore: f32 = -Infinity;
  let bestAny = -1;
  let bestAnyScore: f32 = -Infinity;
  for (let i = 0; i < numActive; i++) {
    const s = load<i32>(active + (<usize>i << 2));
    const p = load<f32>(prev + (<usize>s << 2));
    const v = p + load<f32>(final + (<usize>s << 2));
    if (v > bestScore || (v == bestScore && s < bestEnd)) {
      bestScore = v;
      bestEnd = s;
    }
    if (p > bestAnyScore || (p == bestAnyScore && s < bestAny)) {
      bestAnyScore = p;
      bestAny = s;
    }
  }
  // no final state survived the beam: end in the best state anyway (a partial path, as Kaldi's --allow-partial)
  if (bestEnd < 0 || bestScore == -Infinity) {
    bestEnd = bestAny;
    bestScore = bestAnyScore;
  }
  store<f32>(scoreA, bestScore);
  return bestEnd;
}
