import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import pl from "nodejs-polars";
import {
  alignMacro,
  macroReleaseFeatures,
  macroVintagesFromFrame,
} from "../../lib/features/macro.ts";

const ATOL = 1e-12;
const f = (xs: number[]) => Float64Array.from(xs);
// Release 1 (t=100): Jan = 2.0. Release 2 (t=200): Feb = 2.5 and Jan revised to 2.2.
// Release 3 (t=300): Mar = 2.4.
const vint = {
  period: ["2024-01", "2024-02", "2024-01", "2024-03"],
  value: f([2.0, 2.5, 2.2, 2.4]),
  knownAt: f([100, 200, 200, 300]),
};

Deno.test("macro release features: levels, changes, surprises, revisions by hand", () => {
  const r = macroReleaseFeatures(vint);
  assertEquals(Array.from(r.knownAt), [100, 200, 300]);
  assertEquals(r.period, ["2024-01", "2024-02", "2024-03"]);
  assertEquals(Array.from(r.level), [2.0, 2.5, 2.4]);
  assert(Number.isNaN(r.change[0]!));
  assertAlmostEquals(r.change[1]!, 2.5 - 2.2, ATOL); // vs the revised January
  assertAlmostEquals(r.change[2]!, 2.4 - 2.5, ATOL);
  assert(Number.isNaN(r.surprise[0]!));
  assertAlmostEquals(r.surprise[1]!, 2.5 - 2.0, ATOL);
  assertAlmostEquals(r.revision[1]!, 2.2 - 2.0, ATOL);
  assertAlmostEquals(r.revision[2]!, 0, ATOL); // February unrevised
});

Deno.test("macro features align as of release, never before", () => {
  const r = macroReleaseFeatures(vint);
  const a = alignMacro(r, f([99, 100, 250, 1e9]));
  assert(Number.isNaN(a.level[0]!));
  assertEquals(Array.from(a.level.subarray(1)), [2.0, 2.5, 2.4]);
  // changing the value released at t=300 leaves everything aligned before 300 unchanged
  const times = f(Array.from({ length: 40 }, (_, i) => i * 10));
  const later = macroReleaseFeatures({ ...vint, value: f([2.0, 2.5, 2.2, 9.9]) });
  const b = alignMacro(later, times);
  for (let i = 0; i < 30; i++) assertEquals(b.level[i], alignMacro(r, times).level[i]);
});

Deno.test("macro edge cases: empty, one, bad input", () => {
  assertEquals(macroReleaseFeatures({ period: [], value: f([]), knownAt: f([]) }).level.length, 0);
  const one = macroReleaseFeatures({ period: ["2024-01"], value: f([1]), knownAt: f([5]) });
  assertEquals(one.level[0], 1);
  assertThrows(
    () => macroReleaseFeatures({ period: ["a"], value: f([]), knownAt: f([1]) }),
    RangeError,
    "rows",
  );
  assertThrows(
    () => macroReleaseFeatures({ period: ["a"], value: f([1]), knownAt: f([NaN]) }),
    RangeError,
    "knownAt NaN",
  );
});

Deno.test("vintages from a curated FRED-style frame: one series, nulls skipped", () => {
  const df = pl.DataFrame({
    series_id: ["CPIAUCSL", "CPIAUCSL", "UNRATE", "CPIAUCSL"],
    date: ["2024-01-01", "2024-02-01", "2024-01-01", "2024-03-01"],
    value: [310.3, null, 3.7, 312.2],
    known_at: [1000, 2000, 1500, 3000],
  }).withColumns(
    pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
    pl.col("known_at").cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  );
  const v = macroVintagesFromFrame(df, "CPIAUCSL");
  assertEquals(v.period, ["2024-01-01", "2024-03-01"]);
  assertEquals(Array.from(v.value), [310.3, 312.2]);
  assertEquals(Array.from(v.knownAt), [1000, 3000]);
  assertThrows(() => macroVintagesFromFrame(df.drop("known_at"), "X"), TypeError, "known_at");
});
