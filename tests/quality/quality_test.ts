import pl from "nodejs-polars";
import {
  crossedQuotes,
  datasetQuality,
  fxGaps,
  logReturns,
  ohlcViolations,
  qualityReport,
  returnOutliers,
  robustZ,
  sessionGaps,
  staleRuns,
} from "../../lib/quality/mod.ts";
import { curatedBarSpec, writeDataset } from "../../lib/lake/mod.ts";
import { tradingDays } from "../../lib/time/mod.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";

const RTOL_Z = 1e-12;

Deno.test("robustZ: hand-worked case, MAD 0, NaN, empty, one value, inputs unchanged", () => {
  const x = [1, 2, 3, 4, 100];
  const z = robustZ(x);
  // median 3, |x - 3| = 2,1,0,1,97 -> MAD 1; M = 0.6745 (x - 3).
  [-1.349, -0.6745, 0, 0.6745, 65.4265].forEach((e, i) => assertAlmostEquals(z[i]!, e, RTOL_Z));
  assertEquals(x, [1, 2, 3, 4, 100]);
  assert(robustZ([5, 5, 5, 9]).every(Number.isNaN), "MAD 0 gives NaN, not Infinity");
  assertEquals(robustZ([]).length, 0);
  assert(Number.isNaN(robustZ([1])[0]!), "one value: MAD 0");
  const withNaN = robustZ([1, NaN, 2, 3, 4, 100]);
  assert(Number.isNaN(withNaN[1]!), "NaN in, NaN out");
  assertAlmostEquals(withNaN[5]!, 65.4265, RTOL_Z);
  assert(robustZ([NaN, NaN]).every(Number.isNaN), "all NaN");
});

Deno.test("robustZ: matches scipy's median_abs_deviation reference", () => {
  const text = Deno.readTextFileSync(new URL("../fixtures/quality/robust_z.csv", import.meta.url));
  const rows = text.split("\n").filter((l) => l && !l.startsWith("#") && !l.startsWith("x,"));
  const x = rows.map((r) => Number(r.split(",")[0]));
  const m = rows.map((r) => Number(r.split(",")[1]));
  const z = robustZ(x);
  for (let i = 0; i < x.length; i++) assertAlmostEquals(z[i]!, m[i]!, 1e-12, `row ${i}`, 1e-12);
});

Deno.test("returnOutliers: a planted jump is found; scale invariance; constant series has none", () => {
  const p = Array.from({ length: 100 }, (_, i) => 100 * Math.exp(0.001 * Math.sin(i)));
  p[60] = p[59]! * 1.2;
  for (let i = 61; i < 100; i++) p[i] = p[i]! * 1.2;
  assertEquals(returnOutliers(p, { threshold: 8 }), [60]);
  assertEquals(returnOutliers(p.map((v) => v * 37), { threshold: 8 }), [60]);
  assertEquals(returnOutliers(new Array(10).fill(5)), []);
  assert(Number.isNaN(logReturns([1])[0]!), "one observation: no return");
  assert(Number.isNaN(logReturns([1, -1])[1]!), "bad price gives NaN");
});

Deno.test("ohlcViolations, crossedQuotes and staleRuns: hand-worked cases", () => {
  assertEquals(
    ohlcViolations([10, 10, 10, 10, NaN], [11, 9, 11, 11, 1], [9, 11, 10.5, 9, 1], [
      10.5,
      10,
      10.2,
      12,
      1,
    ]),
    [
      1,
      2,
      3,
      4,
    ],
  );
  assertEquals(ohlcViolations([], [], [], []), []);
  assertEquals(crossedQuotes([10, 10, 9, NaN, 0], [9, 10, 10, 1, 1]), {
    crossed: [0],
    locked: [1],
  });
  assertEquals(staleRuns([1, 1, 1, 2, 2, NaN, NaN, NaN, 3, 3, 3, 3], 3), [{ start: 0, length: 3 }, {
    start: 8,
    length: 4,
  }]);
  assertEquals(staleRuns([], 2), []);
  assertThrows(() => staleRuns([1], 1), RangeError);
});

Deno.test("sessionGaps: missing session, missing minutes, early close respected", () => {
  // 2024-11-29 (day after Thanksgiving) closes at 13:00 New York = 18:00Z; 14:30Z open.
  const open = Date.parse("2024-11-29T14:30:00Z");
  const bars: number[] = [];
  for (let t = open; t < Date.parse("2024-11-29T18:00:00Z"); t += 60_000) bars.push(t);
  bars.splice(10, 2); // two missing minutes
  const g = sessionGaps(bars, { start: "2024-11-27", end: "2024-11-29", barMs: 60_000 });
  // 27th traded (missing), 28th Thanksgiving (closed), 29th early close.
  assertEquals(g.sessions, 2);
  assertEquals(g.missingSessions, ["2024-11-27"]);
  assertEquals(g.missingBars, 2);
  assertEquals(g.earlyCloses, 1);
  assertEquals(g.examples, [open + 10 * 60_000, open + 11 * 60_000]);
  // Daily bars stamped at ET midnight count for their session.
  const d = sessionGaps([Date.parse("2024-11-29T05:00:00Z")], {
    start: "2024-11-29",
    end: "2024-11-29",
    barMs: 0,
  });
  assertEquals([d.missingSessions.length, d.missingBars], [0, 0]);
  assertEquals(
    sessionGaps([], { start: "2024-11-30", end: "2024-12-01", barMs: 60_000 }).sessions,
    0,
  );
});

Deno.test("fxGaps: weekend hours are not expected", () => {
  // Saturday 2024-03-09 is closed all day (UTC); Friday closes 17:00 New York = 22:00Z (EST).
  const g = fxGaps([], { start: "2024-03-08", end: "2024-03-09", barMs: 3_600_000 });
  assertEquals(g.expected, 22);
  assertEquals(g.missingBars, 22);
});

Deno.test("qualityReport: counts per check over several symbols", () => {
  const open = Date.parse("2024-01-02T14:30:00Z");
  const n = 390;
  const ts = Array.from({ length: n }, (_, i) => open + i * 60_000);
  const close = ts.map((_, i) => 100 + 0.01 * Math.sin(i));
  close[200] = 150; // one outlier up and one back down
  const df = pl.DataFrame({
    ticker: ts.map(() => "AAA"),
    ts: pl.Series("ts", ts, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    open: close,
    high: close.map((c, i) => (i === 5 ? c - 1 : c + 0.05)),
    low: close.map((c) => c - 0.05),
    close,
  });
  const r = qualityReport("stock_bars_minute", df, { start: "2024-01-02", end: "2024-01-03" });
  assertEquals(r.counts.ohlc_inconsistent, 1);
  assertEquals(r.counts.return_outliers, 2);
  assertEquals(r.counts.missing_sessions, 1); // 2024-01-03 has no bars
  assertEquals(r.counts.missing_bars, 0);
  const empty = qualityReport("stock_bars_minute", pl.DataFrame({}), {
    start: "2024-01-02",
    end: "2024-01-02",
  });
  assertEquals([empty.rows, Object.keys(empty.counts).length], [0, 0]);
});

Deno.test("datasetQuality: the job's symbols only; unknown symbols mean every row", async () => {
  const root = Deno.makeTempDirSync({ prefix: "quality-" });
  try {
    const spec = curatedBarSpec("test", "stock_bars_day", {
      partitioning: "year",
      extra: { date: "date" },
    });
    // LONG trades every session of January 2024; SHORT listed on 2024-01-22 (shorter history).
    const sessions = tradingDays("2024-01-02", "2024-01-31");
    const rows: { ticker: string; day: string }[] = [];
    for (const d of sessions) {
      rows.push({ ticker: "LONG", day: d });
      if (d >= "2024-01-22") rows.push({ ticker: "SHORT", day: d });
    }
    const ms = rows.map((r) => Date.parse(`${r.day}T05:00:00Z`));
    const df = pl.DataFrame({
      ticker: rows.map((r) => r.ticker),
      ts: pl.Series("ts", ms, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      date: rows.map((r) => r.day),
      open: rows.map(() => 10),
      high: rows.map(() => 11),
      low: rows.map(() => 9),
      close: rows.map(() => 10.5),
      volume: rows.map(() => 1000),
      vwap: rows.map(() => 10.4),
      trades: pl.Series("trades", rows.map(() => 5), pl.Int64),
      known_at: pl.Series("known_at", ms, pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    }).withColumns(pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"));
    await writeDataset(spec, df, { transformId: "test@1", sourceUri: "test://", root });
    const win = { start: "2024-01-02", end: "2024-01-31", root };
    const all = await datasetQuality(spec, win);
    assertEquals(
      all.counts.missing_sessions,
      13,
      "SHORT misses the 13 sessions before its listing",
    );
    const long = await datasetQuality(spec, { ...win, symbols: ["LONG"] });
    assertEquals([long.rows, long.counts.missing_sessions], [sessions.length, 0]);
    const underlying = await datasetQuality(spec, { ...win, symbols: ["SPY"] });
    assertEquals(underlying.rows, rows.length, "no row named SPY: every row is checked");
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
