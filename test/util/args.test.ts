// Command-line options: defaults, both spellings, validation with clear messages.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseArgs } from "../../src/util/args.ts";

const spec = {
  out: { kind: "string", default: "data/x", help: "where" },
  seed: { kind: "int", default: 1, help: "seed" },
  snr: { kind: "number", help: "snr" },
  force: { kind: "boolean", help: "force" },
} as const;

test("defaults, --key value, --key=value, flags and positionals", () => {
  const a = parseArgs(["--seed", "7", "--snr=12.5", "DIR", "--force"], spec);
  assert.equal({ ...a }, { out: "data/x", seed: 7, snr: 12.5, force: true, _: ["DIR"] });
});

test("bad input is named", () => {
  assert.throws(() => parseArgs(["--snr", "1", "--sede", "3"], spec), /unknown option --sede/);
  assert.throws(
    () => parseArgs(["--snr", "1", "--seed", "1.5"], spec),
    /--seed must be an integer, got '1.5'/,
  );
  assert.throws(() => parseArgs(["--snr", "loud"], spec), /--snr must be a number, got 'loud'/);
  assert.throws(() => parseArgs([], spec), /--snr is required/);
  assert.throws(() => parseArgs(["--snr"], spec), /--snr needs a value/);
});

test.run();
