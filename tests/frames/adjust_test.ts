import { assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import pl from "nodejs-polars";
import { adjustBars, adjustFrame, adjustmentFactors } from "../../lib/frames/adjust.ts";

const ATOL = 1e-12;
const f = (xs: number[]) => Float64Array.from(xs);
const dates = ["2024-03-01", "2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"];
// 2:1 split effective 2024-03-05; $1 dividend ex 2024-03-07 (raw close before it: 51)
const raw = {
  dates,
  open: f([100, 101, 50.5, 51, 50]),
  high: f([101, 102, 51, 51.5, 50.5]),
  low: f([99, 100, 50, 50.5, 49.5]),
  close: f([100, 102, 51, 51, 50.5]),
  volume: f([1000, 1200, 2400, 2600, 2000]),
};
const actions = [
  { exDate: "2024-03-05", splitRatio: 2 },
  { exDate: "2024-03-07", cashDividend: 1 },
];

Deno.test("a 2:1 split gives a continuous split-adjusted series (prices / 2, volume * 2)", () => {
  const a = adjustBars(raw, actions, { mode: "split" });
  assertEquals(Array.from(a.close), [50, 51, 51, 51, 50.5]);
  assertEquals(Array.from(a.volume), [2000, 2400, 2400, 2600, 2000]);
  // return over the split day is the economic return 51 / 51 - 1 = 0, not -50%
  assertAlmostEquals(a.close[2]! / a.close[1]! - 1, 0, ATOL);
  // raw mode is the identity; the input is not modified
  assertEquals(Array.from(adjustBars(raw, actions, { mode: "raw" }).close), Array.from(raw.close));
  assertEquals(raw.close[0], 100);
});

Deno.test("a dividend gives a continuous total-return series", () => {
  const a = adjustBars(raw, actions, { mode: "total_return" });
  // over the ex-date: 50.5 / (51 - 1) - 1, the move against the dividend-reduced reference
  assertAlmostEquals(a.close[4]! / a.close[3]! - 1, 50.5 / 50 - 1, ATOL);
  // and close to the reinvested return (50.5 + 1) / 51 - 1 (second-order difference)
  assertAlmostEquals(a.close[4]! / a.close[3]! - 1, 51.5 / 51 - 1, 2.5e-4);
  // no jump on the ex-date the way the raw series drops: raw return is 50.5 / 51 - 1 < 0
  assertEquals(a.close[4]! > a.close[3]!, true);
  // earlier bars carry both factors: / 2 and * (1 - 1/51)
  assertAlmostEquals(a.close[0]!, (100 / 2) * (1 - 1 / 51), ATOL);
  assertAlmostEquals(a.volume[0]!, 2000, ATOL); // dividends leave volume alone
  assertEquals(a.close[4], 50.5); // the latest bar is unchanged
});

Deno.test("only actions known at asOf are applied; bad actions are rejected", () => {
  const known = [{
    exDate: "2024-03-05",
    splitRatio: 2,
    knownAt: Date.parse("2024-02-20T00:00:00Z"),
  }];
  const before = adjustmentFactors(raw, known, {
    asOf: Date.parse("2024-02-01T00:00:00Z"),
  });
  assertEquals(Array.from(before.price), [1, 1, 1, 1, 1]);
  const after = adjustmentFactors(raw, known, {
    asOf: Date.parse("2024-03-01T00:00:00Z"),
  });
  assertEquals(Array.from(after.price), [0.5, 0.5, 1, 1, 1]);
  assertThrows(
    () => adjustmentFactors(raw, [{ exDate: "2024-03-05", splitRatio: 0 }]),
    RangeError,
    "split ratio 0",
  );
  assertThrows(
    () =>
      adjustmentFactors(raw, [{ exDate: "2024-03-05", cashDividend: 500 }], {
        mode: "total_return",
      }),
    RangeError,
    "not below",
  );
  assertThrows(() => adjustmentFactors({ dates, close: f([1]) }, []), RangeError, "5 dates");
  assertEquals(adjustmentFactors({ dates: [], close: f([]) }, actions).price.length, 0);
});

Deno.test("adjustFrame: per-symbol adjustment of a lake-style frame, other symbols untouched", () => {
  const df = pl.DataFrame({
    ticker: ["B", "A", "A", "A", "B"],
    date: ["2024-03-04", "2024-03-04", "2024-03-05", "2024-03-01", "2024-03-05"],
    close: [10, 102, 51, 100, 11],
    open: [10, 101, 50.5, 100, 11],
    volume: [5, 1200, 2400, 1000, 6],
  });
  const out = adjustFrame(df, [{ symbol: "A", exDate: "2024-03-05", splitRatio: 2 }], {
    mode: "split",
  });
  assertEquals(out.getColumn("ticker").toArray(), ["A", "A", "A", "B", "B"]);
  assertEquals(out.getColumn("close").toArray(), [50, 51, 51, 10, 11]);
  assertEquals(out.getColumn("open").toArray(), [50, 50.5, 50.5, 10, 11]);
  assertEquals(out.getColumn("volume").toArray(), [2000, 2400, 2400, 5, 6]);
  assertThrows(() => adjustFrame(df.drop("date"), []), TypeError, "no column date");
});

Deno.test("split and dividend adjustment agrees with the simulated market's own adjusted bars", async () => {
  const { generateWorld } = await import("../../lib/sources/sim/world.ts");
  const w = generateWorld({ seed: 1, start: "2024-01-02", end: "2024-06-28", equityCount: 40 });
  const acts = w.corporateActions();
  const toOurs = (ticker: string) => {
    const out: { exDate: string; splitRatio?: number; cashDividend?: number }[] = [];
    for (const a of acts) {
      if (a.ticker !== ticker) continue;
      if (a.kind === "split") out.push({ exDate: a.date, splitRatio: a.to / a.from });
      if (a.kind === "dividend") out.push({ exDate: a.exDate, cashDividend: a.amount });
    }
    return out;
  };
  // YT: a 1-for-10 reverse split; HQO: a cash dividend
  for (const ticker of ["YT", "HQO"]) {
    const raw = w.equityDaily(ticker);
    const bars = {
      dates: raw.dates,
      open: raw.o,
      high: raw.h,
      low: raw.l,
      close: raw.c,
      volume: raw.v,
    };
    const ours = adjustBars(bars, toOurs(ticker), { mode: "total_return" });
    const sim = w.equityDailyAdjusted(ticker, "all");
    for (let i = 0; i < raw.length; i++) {
      // the simulator's dividend factor uses its unrounded path close; bars are rounded to cents
      assertAlmostEquals(ours.close[i]!, sim.c[i]!, 1e-4 * sim.c[i]!);
      assertAlmostEquals(ours.volume[i]!, sim.v[i]!, 1);
    }
  }
});
