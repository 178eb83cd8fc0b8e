// HMM topology: every phone a 3-state left-to-right HMM with self-loops; transition probabilities per state.
import { PHONES_48 } from "../corpus/phones.ts";

export const STATES_PER_PHONE = 3;

/**
 * The phone HMMs. States are numbered phone * 3 + state ("hmm states"); transition probabilities are kept per hmm
 * state as log P(self-loop) and log P(leave). All phones, silence included, use 3 states (Kaldi's TIMIT recipe
 * gives silence 5 states; with one phone per word and no optional silence, 3 served as well here).
 */
export class Topology {
  readonly phoneIndex: Map<string, number>;
  readonly selfLog: Float64Array;
  readonly leaveLog: Float64Array;

  constructor(readonly phones: readonly string[] = PHONES_48, selfLoop = 0.75) {
    this.phoneIndex = new Map(phones.map((p, i) => [p, i]));
    this.selfLog = new Float64Array(phones.length * STATES_PER_PHONE).fill(Math.log(selfLoop));
    this.leaveLog = new Float64Array(phones.length * STATES_PER_PHONE).fill(Math.log(1 - selfLoop));
  }

  get numHmmStates() {
    return this.phones.length * STATES_PER_PHONE;
  }

  phoneId(phone: string): number {
    const id = this.phoneIndex.get(phone);
    if (id === undefined) throw new Error(`topology: unknown phone '${phone}'`);
    return id;
  }

  /** Re-estimates transition probabilities from hmm-state alignments (counts of staying and leaving), floored. */
  estimateTransitions(alignments: Iterable<Int32Array>, floor = 0.05) {
    const stay = new Float64Array(this.numHmmStates), leave = new Float64Array(this.numHmmStates);
    for (const ali of alignments) {
      for (let t = 0; t < ali.length; t++) {
        if (t + 1 < ali.length && ali[t + 1] === ali[t]) stay[ali[t]]++;
        else leave[ali[t]]++;
      }
    }
    for (let s = 0; s < this.numHmmStates; s++) {
      if (stay[s] + leave[s] === 0) continue;
      const p = Math.min(1 - floor, Math.max(floor, stay[s] / (stay[s] + leave[s])));
      this.selfLog[s] = Math.log(p);
      this.leaveLog[s] = Math.log(1 - p);
    }
  }

  toJSON() {
    return { phones: this.phones, selfLog: [...this.selfLog], leaveLog: [...this.leaveLog] };
  }

  static fromJSON(j: { phones: string[]; selfLog: number[]; leaveLog: number[] }): Topology {
    const t = new Topology(j.phones);
    t.selfLog.set(j.selfLog);
    t.leaveLog.set(j.leaveLog);
    return t;
  }
}
