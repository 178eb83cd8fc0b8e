// Phone bigram language model with Witten-Bell smoothing (bigram -> unigram -> uniform), sentence start and end.

export const SENTENCE_START = "<s>", SENTENCE_END = "</s>";

/**
 * P(w | v) = (c(v,w) + T(v) P_uni(w)) / (c(v) + T(v)), T(v) = number of distinct successors of v (Witten-Bell);
 * P_uni(w) = (c(w) + V_seen P_uniform) / (N + V_seen) likewise over the vocabulary plus </s>.
 */
export class BigramLm {
  readonly vocabulary: readonly string[];
  private readonly index: Map<string, number>;
  /** logProb[v * (V + 1) + w]: v over vocabulary + <s> (last), w over vocabulary + </s> (last). */
  private readonly logProb: Float64Array;

  constructor(vocabulary: readonly string[], sentences: readonly (readonly string[])[]) {
    this.vocabulary = [...vocabulary];
    this.index = new Map(this.vocabulary.map((p, i) => [p, i]));
    const V = vocabulary.length, from = V + 1, to = V + 1;
    const bigram = new Float64Array(from * to), unigram = new Float64Array(to);
    for (const [n, s] of sentences.entries()) {
      let prev = V;
      for (const p of [...s, SENTENCE_END]) {
        const w = p === SENTENCE_END ? V : this.index.get(p);
        if (w === undefined) throw new Error(`lm: sentence ${n} has '${p}', not in the vocabulary`);
        bigram[prev * to + w]++;
        unigram[w]++;
        prev = w;
      }
    }
    const total = unigram.reduce((a, b) => a + b, 0);
    const seen = unigram.filter((c) => c > 0).length;
    const uni = unigram.map((c) => (c + seen / to) / (total + seen));
    this.logProb = new Float64Array(from * to);
    for (let v = 0; v < from; v++) {
      let count = 0, types = 0;
      for (let w = 0; w < to; w++) (count += bigram[v * to + w]), (types += bigram[v * to + w] > 0 ? 1 : 0);
      for (let w = 0; w < to; w++) {
        const p = count > 0 ? (bigram[v * to + w] + types * uni[w]) / (count + types) : uni[w];
        this.logProb[v * to + w] = Math.log(p);
      }
    }
  }

  /** log P(next | prev); prev may be <s>, next may be </s>. */
  logP(prev: string, next: string): number {
    const V = this.vocabulary.length;
    const v = prev === SENTENCE_START ? V : this.index.get(prev);
    const w = next === SENTENCE_END ? V : this.index.get(next);
    if (v === undefined || w === undefined) throw new Error(`lm: unknown phone in P(${next} | ${prev})`);
    return this.logProb[v * (V + 1) + w];
  }

  /** Perplexity over the sentences, </s> included as a token (as SRILM's ppl). */
  perplexity(sentences: readonly (readonly string[])[]): number {
    let logSum = 0, tokens = 0;
    for (const s of sentences) {
      let prev = SENTENCE_START;
      for (const p of [...s, SENTENCE_END]) (logSum += this.logP(prev, p)), tokens++, (prev = p);
    }
    return Math.exp(-logSum / tokens);
  }
}
