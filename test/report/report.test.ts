// Results files and the SVG line chart: round ticks, points placed inside the axes, metadata in the JSON.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { lineChart, ticks } from "../../src/report/svg.ts";
import { relativeGain, runMetadata, writeResultFile } from "../../src/report/results.ts";
import { join } from "node:path";

test("ticks are round steps that cover the range", () => {
  assert.equal(ticks(0, 7, 8), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(ticks(14.2, 15.9, 5), [14, 14.5, 15, 15.5, 16]);
});

test("a chart has a polyline per series, with every point inside the plot area, and a legend", () => {
  const svg = lineChart({
    title: "t <1>",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "a", points: [[0, 15], [1, 14.5], [2, 14.2]] }, {
      name: "b",
      points: [[0, 15], [1, 14.9]],
    }],
    xTicks: [0, 1, 2],
  });
  assert.ok(svg.startsWith("<svg") && svg.includes("t &lt;1&gt;"));
  const paths = [...svg.matchAll(/<path d="(M[\d. L]+)" fill="none" stroke="#/g)].map((m) => m[1]);
  assert.is(paths.length, 2);
  for (const d of paths) {
    for (const [, x, y] of d.matchAll(/[ML]([\d.]+) ([\d.]+)/g)) {
      assert.ok(+x >= 64 && +x <= 470 && +y >= 40 && +y <= 364, `${x},${y}`);
    }
  }
  assert.throws(() => lineChart({ title: "e", xLabel: "", yLabel: "", series: [] }), /nothing to plot/);
});

test("error bars span y ± spread inside the plot, and widen the axis to hold them", () => {
  const svg = lineChart({
    title: "bars",
    xLabel: "x",
    yLabel: "y",
    series: [{ name: "a", points: [[0, 15], [1, 14]], spread: [0, 2] }],
  });
  const bars = [...svg.matchAll(/<path d="M([\d.]+) ([\d.]+)V([\d.]+)M/g)];
  assert.is(bars.length, 1, "no bar for a spread of 0");
  const [, , low, high] = bars[0].map(Number); // y - spread is drawn lower, at a larger SVG y
  assert.ok(high >= 40 && low <= 364 && low > high, `${high}..${low}`);
  assert.ok(svg.includes(">12<") && svg.includes(">16<"), "ticks reach 14 - 2 and 14 + 2");
});

test("relative gains and run metadata", () => {
  const c = (errs: number) => ({ ref: 100, sub: errs, del: 0, ins: 0 });
  assert.ok(Math.abs(relativeGain(c(18), c(20)) - 10) < 1e-9);
  const m = runMetadata();
  assert.is(m.packages["@tensorflow/tfjs-core"], "4.22.0");
  assert.ok(m.deno.length > 0);
});

test("a results file written again takes away the temporaries a killed write of it left, and only those", () => {
  const dir = Deno.makeTempDirSync({ prefix: "phl-results-" });
  for (const f of ["table1.md.tmp-123-456", "table1.md.tmp", "table2.md.tmp-123-456"]) {
    Deno.writeTextFileSync(join(dir, f), "half");
  }
  writeResultFile(join(dir, "table1.md"), "whole\n");
  assert.equal([...Deno.readDirSync(dir)].map((e) => e.name).sort(), ["table1.md", "table2.md.tmp-123-456"]);
  assert.is(Deno.readTextFileSync(join(dir, "table1.md")), "whole\n");
  Deno.removeSync(dir, { recursive: true });
});

test.run();
