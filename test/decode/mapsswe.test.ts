// MAPSSWE and sclite's alignment: hand-checked segmentations, and agreement with NIST's sclite and sc_stats.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { PHONES_39 } from "../../src/corpus/phones.ts";
import { compareDecodes, formatComparison } from "../../src/decode/compare.ts";
import { alignSclite, alignSequences, type Edit } from "../../src/decode/score.ts";
import {
  mapsswe,
  mapssweSegments,
  matchedPairsStatistics,
  normalCdf,
  twoSidedP,
} from "../../src/decode/significance.ts";
import { readTrn, writeTrn } from "../../src/decode/trn.ts";
import { Rng } from "../../src/util/rng.ts";
import { scliteAlignments, scStatsMapsswe, sctkAvailable } from "./sctk.ts";

const edits = (s: string) => [...s] as Edit[];
const segs = (a: string, b: string) => mapssweSegments(edits(a), edits(b)).map((s) => [s.errorsA, s.errorsB]);

test("MAPSSWE segments: insertions anywhere are errors, a segment closes after two tokens both got right", () => {
  // an insertion between tokens both systems got right opens a segment that the next two correct tokens close
  assert.equal(segs("CCICCCC", "CCCCCC"), [[1, 0]]);
  // insertions at the utterance start, at its end, and trailing ones of the second system only
  assert.equal(segs("ICCC", "CCC"), [[1, 0]]);
  assert.equal(segs("CCCI", "CCC"), [[1, 0]]);
  assert.equal(segs("CCC", "CCCI"), [[0, 1]]);
  // a run of two substitutions, then a single one of B's: two segments
  assert.equal(segs("CSSCCCCC", "CCCCCSCC"), [[2, 0], [0, 1]]);
  // errors with one correct token between them fall into one segment
  assert.equal(segs("CSCCCC", "CCCSCC"), [[1, 1]]);
  // an insertion between two correct tokens keeps the segment open: S at 1, I after 2, closed by 3 and 4
  assert.equal(segs("CSCICCC", "CCCCCC"), [[2, 0]]);
  // a run of deletions; an error in the last token ends its segment with the utterance
  assert.equal(segs("CDDCC", "CCCCC"), [[2, 0]]);
  assert.equal(segs("CCCCS", "CCCCC"), [[1, 0]]);
  // all correct: no segment; the same errors in both: a segment with difference 0
  assert.equal(segs("CCCC", "CCCC"), []);
  assert.equal(segs("CCSCC", "CCSCC"), [[1, 1]]);
  // an empty reference: only insertions (A has none here)
  assert.equal(segs("", "II"), [[0, 2]]);
  assert.equal(segs("II", ""), [[2, 0]]);
});

test("MAPSSWE: segment differences, mean, std, Z and p by hand", () => {
  const ref = "a b c d e f g h".split(" ");
  const u = (s: string) => s.split(" ").filter((t) => t);
  const refs = new Map([
    ["s1_u1", ref],
    ["s1_u2", u("a b c d e f")],
    ["s2_u1", u("a b c")],
    ["s2_u2", u("p q r s")],
    ["s3_u1", u("a b c d e f")],
    ["s3_u2", u("a b c d e")],
  ]);
  const hypsA = new Map([
    ["s1_u1", u("a x y d e f g h")], // S S at b c: one segment, 2 errors
    ["s1_u2", u("a b x c d e f")], // x inserted between correct tokens: 1 error
    ["s2_u1", u("a b c")],
    ["s2_u2", u("p q r s")], // all correct in both: no segment
    ["s3_u1", u("a x c d e f")], // sub at b, B's sub at d: one segment, 1 and 1
    ["s3_u2", u("a b z d e")], // the same substitution as B: 1 and 1
  ]);
  const hypsB = new Map([
    ["s1_u1", u("a b c d e z g h")], // S at f: a second segment, A 0 B 1
    ["s1_u2", u("a b c d e f")],
    ["s2_u1", u("a b c w")], // trailing insertion: A 0 B 1
    ["s2_u2", u("p q r s")],
    ["s3_u1", u("a b c y e f")],
    ["s3_u2", u("a b z d e")],
  ]);
  // differences 2, -1, 1, -1, 0, 0: mean 1/6; squares (121 + 49 + 25 + 49 + 1 + 1) / 36 = 41/6, variance 41/30
  const r = mapsswe(refs, hypsA, hypsB);
  assert.is(r.segments, 6);
  assert.ok(Math.abs(r.meanDifference - 1 / 6) < 1e-12);
  assert.ok(Math.abs(r.stdDifference - Math.sqrt(41 / 30)) < 1e-12);
  const z = (1 / 6) / (Math.sqrt(41 / 30) / Math.sqrt(6)); // 0.349215
  assert.ok(Math.abs(r.z - z) < 1e-12 && Math.abs(z - 0.349215) < 1e-6);
  assert.ok(Math.abs(r.pValue - 2 * (1 - normalCdf(z))) < 1e-12);
  // B against A flips the sign
  assert.ok(Math.abs(mapsswe(refs, hypsB, hypsA).z + z) < 1e-12);
  // identical systems: A's four segments, every difference 0, Z 0, p 1
  const same = mapsswe(refs, hypsA, hypsA);
  assert.equal([same.segments, same.z, same.pValue], [4, 0, 1]);
  assert.throws(
    () => mapsswe(refs, hypsA, new Map([...hypsB].slice(1))),
    /'s1_u1' lacks a hypothesis from system B/,
  );
  assert.throws(
    () => mapsswe(refs, new Map([...hypsA, ["s9_u9", []]]), hypsB),
    /'s9_u9', which has no reference/,
  );
});

test("MAPSSWE statistics follow sc_stats: equal differences give Z 0, as do none; p from erfc", () => {
  // 15 segments +1 and 5 segments -1: mean 0.5, std sqrt((15 * 0.25 + 5 * 2.25) / 19)
  const r = matchedPairsStatistics([...Array(15).fill(1), ...Array(5).fill(-1)]);
  const sd = Math.sqrt((15 * 0.25 + 5 * 2.25) / 19);
  assert.ok(Math.abs(r.z - 0.5 / (sd / Math.sqrt(20))) < 1e-12 && r.pValue < 0.05);
  assert.equal(matchedPairsStatistics([1, 1, 1]), {
    segments: 3,
    meanDifference: 1,
    stdDifference: 0,
    z: 0,
    pValue: 1,
  });
  assert.equal(matchedPairsStatistics([]), {
    segments: 0,
    meanDifference: 0,
    stdDifference: 0,
    z: 0,
    pValue: 1,
  });
  // reference values from Python's math.erfc(z / sqrt(2))
  for (
    const [z, p] of [
      [1.959964, 0.04999999819],
      [0.349215, 0.72692790587],
      [3, 0.00269979606],
      [6.42, 1.36274345165e-10],
    ]
  ) {
    assert.ok(Math.abs(twoSidedP(z) / p - 1) < 2e-7, `p(${z}) = ${twoSidedP(z)}, not ${p}`);
  }
  assert.ok(Math.abs(normalCdf(-1.959964) - 0.025) < 1e-8);
});

test("sclite alignment: costs 4/3/3 and its tie-breaking, beside the unit-cost alignment", () => {
  const ed = (r: string, h: string) => alignSclite([...r], [...h]).map((p) => p.edit).join("");
  assert.is(ed("ab", "aab"), "ICC"); // the diagonal wins ties: the first a is the insertion
  assert.is(ed("abcd", "acde"), "CDCCI");
  assert.is(ed("ab", "xy"), "SS"); // 8 < 12 for two deletions and two insertions
  assert.is(ed("", "xy"), "II");
  assert.is(ed("ab", ""), "DD");
  // 5 substitutions (cost 20) lose to 3 deletions + 3 insertions (18): sclite counts 6 errors (checked with
  // sctk sclite), the unit-cost minimum is 5
  assert.is(ed("aaabb", "bbcca"), "DDDCCIII");
  assert.is(alignSequences([..."aaabb"], [..."bbcca"]).map((p) => p.edit).join(""), "SSSSS");
});

/** Reference and two systems' hypotheses over the 39 phones with bursty errors shared by both systems. */
function randomSystems(seed: number, utterances: number) {
  const rng = new Rng(seed, "mapsswe-systems");
  const refs = new Map<string, string[]>(),
    hypsA = new Map<string, string[]>(),
    hypsB = new Map<string, string[]>();
  const phone = () => rng.pick(PHONES_39);
  for (let u = 0; u < utterances; u++) {
    const id = `s${u % 9}_u${u}`, n = 10 + rng.int(40);
    const ref: string[] = [];
    for (let i = 0; i < n; i++) ref.push(i > 0 && rng.chance(0.1) ? ref[i - 1] : phone());
    const hard: boolean[] = [];
    for (let i = 0; i < n; i++) hard.push(rng.chance(i > 0 && hard[i - 1] ? 0.6 : 0.12));
    const system = (rate: number) => {
      if (rng.chance(0.01)) return [];
      const hyp: string[] = [];
      const insert = () => {
        do hyp.push(rng.chance(0.3) && hyp.length ? hyp[hyp.length - 1] : phone()); while (rng.chance(0.3));
      };
      if (rng.chance(0.08)) insert();
      let deleting = 0;
      for (let i = 0; i < n; i++) {
        if (deleting > 0) {
          deleting--;
          continue;
        }
        if (!rng.chance(hard[i] ? 2.5 * rate : 0.6 * rate)) {
          hyp.push(ref[i]);
          continue;
        }
        const kind = rng.next();
        if (kind < 0.5) hyp.push(rng.chance(0.2) && i + 1 < n ? ref[i + 1] : phone());
        else if (kind < 0.75) deleting = rng.chance(0.4) ? 1 + rng.int(3) : 0;
        else (hyp.push(ref[i]), insert());
      }
      if (rng.chance(0.08)) insert();
      return hyp;
    };
    refs.set(id, ref);
    hypsA.set(id, system(0.25));
    hypsB.set(id, system(0.2));
  }
  return { refs, hypsA, hypsB };
}

test("trn files: round trip, atomic write, errors name the file and line", () => {
  const dir = Deno.makeTempDirSync({ prefix: "phl-trn-" });
  try {
    const path = join(dir, "hyp.trn");
    const utts = new Map([["fcjf0_si1027", ["sil", "ae", "n"]], ["mdab0_sx9", []]]);
    writeTrn(path, utts);
    assert.is(Deno.readTextFileSync(path), "sil ae n (fcjf0_si1027)\n(mdab0_sx9)\n");
    assert.equal(readTrn(path), utts);
    assert.equal([...Deno.readDirSync(dir)].map((e) => e.name), ["hyp.trn"]);
    assert.throws(
      () => writeTrn(path, new Map([["nospeaker", ["a"]]])),
      /'nospeaker' is not an sclite spu_id/,
    );
    assert.throws(() => writeTrn(path, new Map([["s_u", ["a(b"]]])), /has the token 'a\(b'/);
    Deno.writeTextFileSync(path, ";; comment\na b (s_u1)\n\na b s_u2\n");
    assert.throws(() => readTrn(path), new RegExp(`${path}:4: expected 'token token ... \\(id\\)'`));
    Deno.writeTextFileSync(path, "a (s_u1)\nb (s_u1)\n");
    assert.throws(() => readTrn(path), /:2: utterance 's_u1' appears twice/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

test("compare: two decode folders' PER and MAPSSWE; different references are an error naming the files", () => {
  const dir = Deno.makeTempDirSync({ prefix: "phl-compare-" });
  try {
    const refs = new Map([["s1_u1", [..."abcdef"]], ["s1_u2", [..."xyz"]], ["s2_u1", [..."pq"]]]);
    const write = (name: string, hyps: Map<string, string[]>, r = refs) => {
      writeTrn(join(dir, name, "ref.trn"), r), writeTrn(join(dir, name, "hyp.trn"), hyps);
      return join(dir, name);
    };
    const a = write("a", new Map([["s1_u1", [..."axcdefg"]], ["s1_u2", [..."xyz"]], ["s2_u1", []]]));
    const b = write("b", new Map([["s1_u1", [..."abcef"]], ["s1_u2", [..."wxyz"]], ["s2_u1", [..."pq"]]]));
    // A's S at b and B's deletion of d share a segment (0); A's trailing g (+1); B's leading w (-1); A deletes
    // s2_u1 (+2): mean 0.5, variance 5/3 (sc_stats on these files: 4 segments, std 1.291, Z 0.775)
    const c = compareDecodes(a, b);
    assert.equal([c.utterances, c.a, c.b], [3, { ref: 11, sub: 1, del: 2, ins: 1 }, {
      ref: 11,
      sub: 0,
      del: 1,
      ins: 1,
    }]);
    assert.is(c.mapsswe.segments, 4);
    assert.ok(Math.abs(c.mapsswe.z - 0.5 / (Math.sqrt(5 / 3) / 2)) < 1e-12);
    assert.match(
      formatComparison(c, a, b),
      /4 segments, .* Z = 0\.775, .*B makes fewer errors, not significant at 5%/,
    );
    const other = write("c", refs, new Map([...refs, ["s2_u1", [..."pr"]]]));
    assert.throws(
      () => compareDecodes(a, other),
      /'s2_u1' has different reference phones in .*a\/ref.trn and .*c\/ref.trn/,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

if (!sctkAvailable()) {
  console.log(
    "  (sctk is not installed: skipping the comparison with NIST sclite/sc_stats; apt-get install sctk)",
  );
} else {
  test("sclite's alignments and sc_stats' MAPSSWE equal phl's on random 39-phone systems", async () => {
    const dir = Deno.makeTempDirSync({ prefix: "phl-mapsswe-" });
    try {
      for (const seed of [1, 2, 3]) {
        const { refs, hypsA, hypsB } = randomSystems(seed, 150);
        const [ref, a, b] = ["ref", "a", "b"].map((n) => join(dir, `${seed}-${n}.trn`));
        writeTrn(ref, refs), writeTrn(a, hypsA), writeTrn(b, hypsB);
        const nist = await scliteAlignments(ref, a);
        assert.is(nist.size, refs.size);
        for (const [utt, r] of refs) {
          assert.is(
            alignSclite(r, hypsA.get(utt)!).map((p) => p.edit).join(""),
            nist.get(utt)!.join(""),
            utt,
          );
        }
        const mine = mapsswe(refs, hypsA, hypsB), theirs = await scStatsMapsswe(ref, a, b);
        const at = `seed ${seed}: phl ${JSON.stringify(mine)}, sc_stats ${JSON.stringify(theirs)}`;
        assert.is(mine.segments, theirs.segments, at);
        assert.ok(mine.segments > 100 && Math.abs(mine.z) > 0.1, at);
        assert.ok(Math.abs(mine.z - theirs.z) < 1e-3, at);
        assert.ok(Math.abs(mine.meanDifference - theirs.mean) < 1e-3, at);
        assert.ok(Math.abs(mine.stdDifference - theirs.stdDev) < 1e-3, at);
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

test.run();
