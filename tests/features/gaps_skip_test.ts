/**
 * Export on weekly/monthly data and on gappy daily data (trial 5 findings 1, 4, 6): bar times
 * from the period's last session close, `gaps: "skip"` against pandas (tests/reference/
 * gaps_skip_gold.py, fixture provenance beside it), the spec's frequency check and the refusal
 * that names each feature's window against the bars the data has.
 */
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";

function assertMatch(s: string, re: RegExp): void {
  assert(re.test(s), `${JSON.stringify(s)} does not match ${re}`);
}
import pl from "nodejs-polars";
import {
  barTimes,
  buildDailyFeaturePanel,
  exportLoadedBars,
  ExportSpecError,
  type LoadedDailyBars,
  sessionClock,
  specFrequencyBlocker,
  type SymbolDailyBars,
  type TrainingExportSpec,
} from "../../lib/features/mod.ts";
import { panelLabels } from "../../lib/labels/mod.ts";

const RTOL = 1e-12;
const FIX = new URL("../fixtures/", import.meta.url);

function bars(symbol: string, dates: string[], close: number[]): SymbolDailyBars {
  const nan = () => new Float64Array(dates.length).fill(NaN);
  return {
    symbol,
    dates,
    open: nan(),
    high: nan(),
    low: nan(),
    close: Float64Array.from(close),
    volume: nan(),
  };
}

function loaded(b: SymbolDailyBars[], calendar: string, frequency: string): LoadedDailyBars {
  const meta = { calendar, frequency, currency: "USD" };
  return {
    bars: b,
    inputs: [],
    news: [],
    dataset: {
      name: "user/test",
      manifest: "curated/user/test#0",
      meta: meta as unknown as NonNullable<LoadedDailyBars["dataset"]>["meta"],
      periodsPerYear: 52,
      sessionBounds: barTimes(meta),
      missingBetween: sessionClock(meta),
      clock: "periods",
    },
  };
}

Deno.test("barTimes: a week is known at its last session's close, a month at its last session's", () => {
  const w = barTimes({ calendar: "nyse", frequency: "week" });
  // 1990-01-01 is New Year's Day (no session); the week closes Friday 16:00 EST = 21:00 UTC
  assertEquals(w("1990-01-01").close.toISOString(), "1990-01-05T21:00:00.000Z");
  // week of Presidents' Day 1990-02-19
  assertEquals(w("1990-02-19").close.toISOString(), "1990-02-23T21:00:00.000Z");
  const m = barTimes({ calendar: "nyse", frequency: "month" });
  // March 1990 ends on Saturday 31: last session Friday 30, EST (DST began 1 April 1990)
  assertEquals(m("1990-03-01").close.toISOString(), "1990-03-30T21:00:00.000Z");
  // daily data: a weekday session as the calendar says; a Saturday row ends at midnight UTC
  const d = barTimes({ calendar: "weekdays", frequency: "day" });
  assertEquals(d("1985-01-04").close.toISOString(), "1985-01-05T00:00:00.000Z");
  assertEquals(d("1985-01-05").close.toISOString(), "1985-01-06T00:00:00.000Z");
});

Deno.test("weekly export: rows, decision times at Friday closes, label ends over a holiday week", async () => {
  // 12 Mondays 1990-01-01..1990-03-19, close 100, 101, ..., 111
  const dates: string[] = [];
  for (let i = 0; i < 12; i++) {
    dates.push(new Date(Date.UTC(1990, 0, 1 + 7 * i)).toISOString().slice(0, 10));
  }
  const close = dates.map((_, i) => 100 + i);
  const out = await Deno.makeTempDir();
  try {
    const spec: TrainingExportSpec = {
      name: "w",
      features: ["roc_5"],
      label: { kind: "forward_return", horizon: 1 },
      trainEnd: "1990-03-01",
      cpcv: { groups: 2, testGroups: 1 },
    };
    const m = await exportLoadedBars(loaded([bars("X", dates, close)], "nyse", "week"), spec, {
      outDir: out,
    });
    // roc_5 needs 5 earlier weeks, the label the next week: 12 - 5 - 1 = 6 rows
    assertEquals(m.rows, 6);
    const df = pl.readParquet(`${out}/rows.parquet`);
    const d = df.getColumn("date").toArray() as string[];
    const t0 = df.getColumn("t0_ms").toArray() as number[];
    const t1 = df.getColumn("t1_ms").toArray() as number[];
    const lab = df.getColumn("label").toArray() as number[];
    assertEquals(d[0], "1990-02-05");
    assertEquals(new Date(t0[0]!).toISOString(), "1990-02-09T21:00:00.000Z");
    assertEquals(d[1], "1990-02-12"); // its label ends in the week of Presidents' Day
    assertEquals(new Date(t1[1]!).toISOString(), "1990-02-23T21:00:00.000Z");
    assertAlmostEquals(lab[1]!, Math.log(107 / 106), RTOL);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("spec frequency is a check of the dataset's; overnight needs daily bars", () => {
  assertEquals(specFrequencyBlocker({ label: { kind: "forward_return" } }, "month"), null);
  assertEquals(
    specFrequencyBlocker({ frequency: "1d", label: { kind: "forward_return" } }, "session"),
    null,
  );
  assertMatch(
    specFrequencyBlocker(
      { frequency: "1d", label: { kind: "forward_return" } },
      "month",
      "user/p",
    )!,
    /spec frequency "1d" but user\/p is month data.*"frequency": "month"/,
  );
  assertMatch(
    specFrequencyBlocker({ label: { kind: "overnight" } }, "week")!,
    /overnight .*needs daily bars/,
  );
});

Deno.test("monthly data too short for mom_12_1: refusal names the window and the bars (exit-2 error)", async () => {
  const dates: string[] = [];
  for (let i = 0; i < 60; i++) {
    dates.push(new Date(Date.UTC(1997, i, 1)).toISOString().slice(0, 10));
  }
  const b = [0, 1].map((s) => bars(`S${s}`, dates, dates.map((_, i) => 100 + i + s)));
  const spec: TrainingExportSpec = {
    name: "m",
    features: ["mom_12_1", "roc_5"],
    label: { kind: "forward_return" },
    trainEnd: "2000-01-01",
  };
  const e = await assertRejects(
    () => exportLoadedBars(loaded(b, "nyse", "month"), spec, { outDir: "/nonexistent/never" }),
    ExportSpecError,
  );
  assertMatch(e.message, /mom_12_1 looks back 252 bars; the longest symbol has 60 month bars/);
  assertMatch(e.message, /mom_12_1 spans 252 months/);
  assert(!/roc_5 looks back/.test(e.message)); // roc_5 has values: not named
});

Deno.test("gaps skip: gold with 34 NA days matches pandas dropna().rolling()", async () => {
  const inp = (await Deno.readTextFile(new URL("gaps_skip_gold_input.csv", FIX))).trim().split("\n")
    .slice(1).map((l) => l.split(","));
  const obs = inp.filter(([, v]) => v !== "");
  assertEquals(inp.length, 1108);
  assertEquals(obs.length, 1074);
  const exp = (await Deno.readTextFile(new URL("gaps_skip_gold_expected.csv", FIX))).trim()
    .split("\n").slice(1).map((l) =>
      l.split(",").map((x, j) => (j === 0 ? x : x === "" ? NaN : +x))
    );
  const g = bars("GOLD", obs.map((r) => r[0]!), obs.map((r) => +r[1]!));
  const clock = sessionClock({ calendar: "weekdays", frequency: "day" });
  const features = ["roc_5", "vol_63_raw", "reversal_21_raw"];
  const skip = buildDailyFeaturePanel([g], { features, missingBetween: clock, gaps: "skip" });
  const brk = buildDailyFeaturePanel([g], { features, missingBetween: clock });
  assertEquals(skip.dates.length, 1074); // missing days are no panel dates
  assertEquals(skip.gaps!.missing.length, 34); // each NA weekday is a missing session, listed
  const lab = panelLabels(skip, { kind: "forward_return", horizon: 5 }, {
    sessionBounds: barTimes({ calendar: "weekdays", frequency: "day" }),
  });
  let complete = 0, completeBreak = 0;
  const labB = panelLabels(brk, { kind: "forward_return", horizon: 5 });
  const iB = new Map(brk.dates.map((d, i) => [d, i]));
  exp.forEach((row, t) => {
    assertEquals(skip.dates[t], row[0]);
    const [, , roc, vol, rev, fwd] = row as [string, number, number, number, number, number];
    const got = [
      skip.features.roc_5![t]!,
      skip.features.vol_63_raw![t]!,
      skip.features.reversal_21_raw![t]!,
      lab.label[t]!,
    ];
    [roc, vol, rev, fwd].forEach((e, j) => {
      if (Number.isNaN(e)) assert(Number.isNaN(got[j]!), `${row[0]} col ${j}: ${got[j]} not NaN`);
      else assertAlmostEquals(got[j]!, e, 1e-9 * Math.max(1, Math.abs(e)), `${row[0]} col ${j}`);
    });
    if (got.every(Number.isFinite)) complete++;
    const k = iB.get(row[0] as string)!;
    if (
      [
        brk.features.roc_5![k]!,
        brk.features.vol_63_raw![k]!,
        brk.features.reversal_21_raw![k]!,
        labB.label[k]!,
      ].every(Number.isFinite)
    ) completeBreak++;
  });
  assertEquals(complete, 1006); // pandas: rows with every value over the observed bars
  assert(completeBreak < complete - 300, `break keeps ${completeBreak}`); // the default loses far more
});
