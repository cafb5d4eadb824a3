/**
 * Honest results on any instrument, hand-worked: unfilled orders counted by reason, close-only
 * bars filled at the close (and counted), cost models that need volume refused on a panel
 * without it while a spread-only model trades, annualisation from the panel's frequency, the
 * built-in strategies' schemas and fills, and the lake panel's sessions and corporate actions.
 */
import assert from "node:assert/strict";
import pl from "nodejs-polars";
import {
  annualisationOf,
  BUILTIN_STRATEGIES,
  loadStrategy,
  makePanel,
  panelFromDataset,
  parseBacktestSpec,
  runBacktest,
  SpecError,
  sweepVectorized,
  validateGrid,
} from "../../lib/backtest/mod.ts";
import type { BacktestResult, BarPanel } from "../../lib/backtest/mod.ts";
import type { LoadedDataset } from "../../lib/dataset/mod.ts";
import { summarizeBacktest } from "../../lib/report/mod.ts";

const TOL = 1e-12;
const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);

function flatPanel(n: number, volume: number[], px = 10): BarPanel {
  return makePanel({
    symbols: ["A"],
    tsMs: Array.from({ length: n }, (_, t) => T0 + t * DAY),
    open: [Array(n).fill(px)],
    high: [Array(n).fill(px + 0.5)],
    low: [Array(n).fill(px - 0.5)],
    close: [Array(n).fill(px)],
    volume: [volume],
  });
}

Deno.test("unfilled orders are counted by reason (hand-worked)", () => {
  // ADV after day 0 is 1000 shares; a 10% cap allows 100 a day.
  const p = flatPanel(4, [1000, 1000, 1000, 1000]);
  const res = runBacktest(p, {
    onBar(ctx) {
      if (ctx.t === 0) {
        ctx.submit({ symbol: 0, qty: 1000 }); // 100 on each of bars 1..3, 700 left
        ctx.submit({ symbol: 0, qty: 100, type: "limit", limitPrice: 5 }); // low is 9.5: never
      }
      if (ctx.t === 3) ctx.submit({ symbol: 0, qty: 10 }); // eligible after the last bar
    },
  }, { costs: { participationCap: 0.1 } });
  assert.deepEqual(res.fills.map((f) => [f.bar, f.qty]), [[1, 100], [2, 100], [3, 100]]);
  assert.equal(res.orders.submitted, 3);
  assert.equal(res.orders.unfilled, 3);
  assert.deepEqual(res.orders.unfilledByReason, {
    participation_cap: 1,
    price_not_reached: 1,
    not_eligible_before_end: 1,
  });
  const s = summarizeBacktest(res);
  assert.equal(s.ordersUnfilled, 3);
  assert.equal(s.ordersSubmitted, 3);

  // Day 0's volume is unknown: at bar 1 no ADV is known yet; the strategy cancels at bar 1.
  const q = flatPanel(3, [NaN, 1000, 1000]);
  const r2 = runBacktest(q, {
    onBar(ctx) {
      if (ctx.t === 0) ctx.submit({ symbol: 0, qty: 50 });
      if (ctx.t === 1) ctx.cancelAll();
    },
  }, { costs: { participationCap: 0.1 } });
  assert.equal(r2.fills.length, 0);
  assert.deepEqual(r2.orders.unfilledByReason, { no_volume_history: 1 });
});

function closeOnlyPanel(): BarPanel {
  return makePanel({
    symbols: ["EUR_CHF"],
    tsMs: [T0, T0 + DAY, T0 + 2 * DAY],
    open: [[NaN, NaN, NaN]],
    high: [[NaN, NaN, NaN]],
    low: [[NaN, NaN, NaN]],
    close: [[10, 11, 12]],
    volume: [[NaN, NaN, NaN]],
  });
}

Deno.test("close-only bars: refused under a volume-based cost model, filled at the close under spread only", () => {
  const p = closeOnlyPanel();
  const buy = {
    onBar: (ctx: { t: number; submit: (o: { symbol: number; qty: number }) => number }) => {
      if (ctx.t === 0) ctx.submit({ symbol: 0, qty: 10 });
    },
  };
  assert.throws(
    () => runBacktest(p, buy, { costs: { participationCap: 0.1 } }),
    /EUR_CHF has no volume.*participation cap \(costs\.participationCap = 0\.1\).*"model": "spread_only"/,
  );
  assert.throws(
    () => runBacktest(p, buy, { costs: { participationCap: Infinity, impactCoef: 0.5 } }),
    /no volume.*square-root impact \(costs\.impactCoef = 0\.5\)/,
  );
  // a feed that records 0 for FX volume is refused the same way (a cap of 10% of 0 never fills)
  assert.throws(() => runBacktest(flatPanel(3, [0, 0, 0]), buy), /A has no volume/);
  // spread only: 2 bps half-spread on 10 x 11 = 0.022
  const res = runBacktest(p, buy, {
    initialCash: 1000,
    costs: { participationCap: Infinity, halfSpreadBps: 2 },
  });
  assert.deepEqual(res.fills.map((f) => [f.bar, f.qty, f.price]), [[1, 10, 11]]);
  assert.equal(res.orders.closeFillsForMissingOpen, 1);
  assert.ok(Math.abs(res.equity[2]! - (1000 - 110 - 0.022 + 120)) < TOL * 1000);
  // the vectorised engine fills at the open: it refuses close-only bars instead of never filling
  assert.throws(
    () =>
      sweepVectorized(p, 1, (_c, out) => out.fill(10), {
        costs: { participationCap: Infinity },
      }),
    /3 bars have a close but no open/,
  );
});

function handResult(equity: number[]): BacktestResult {
  const n = equity.length;
  const z = () => new Float64Array(n);
  return {
    symbols: ["A"],
    tsMs: Float64Array.from({ length: n }, (_, t) => T0 + t * 7 * DAY),
    initialCash: equity[0]!,
    equity: Float64Array.from(equity),
    cash: Float64Array.from(equity),
    gross: z(),
    net: z(),
    positions: new Float64Array(0),
    costs: { commission: z(), fees: z(), spread: z(), impact: z(), borrow: z(), traded: z() },
    totals: { commission: 0, fees: 0, spread: 0, impact: 0, borrow: 0, traded: 0 },
    dividends: z(),
    fills: [],
    rejected: [],
    unfilled: [],
    orders: { submitted: 0, unfilled: 0, unfilledByReason: {}, closeFillsForMissingOpen: 0 },
  };
}

Deno.test("annualisation follows the data's periods per year (hand-worked weekly vs daily)", () => {
  // returns 0.01 and 0.03: mean 0.02, sd (ddof 1) sqrt(2e-4); per-period Sharpe sqrt(2)
  const res = handResult([100, 101, 104.03]);
  const w = summarizeBacktest(res, 52);
  assert.ok(Math.abs(w.sharpe - Math.sqrt(104)) < 1e-9); // sqrt(2) * sqrt(52)
  assert.ok(Math.abs(w.annualVol - Math.sqrt(2e-4 * 52)) < 1e-12);
  // CAGR over the calendar span of the bars (14 days), not 52 / (3 - 1) periods a year
  assert.ok(Math.abs(w.cagr - (1.0403 ** (365.25 / 14) - 1)) < 1e-12);
  assert.equal(w.periodsPerYear, 52);
  const d = summarizeBacktest(res, 252);
  assert.ok(Math.abs(d.sharpe - Math.sqrt(504)) < 1e-9);

  const weekly: BarPanel = { ...flatPanel(3, [1, 1, 1]), frequency: "week", periodsPerYear: 52 };
  assert.deepEqual(annualisationOf(weekly), {
    periodsPerYear: 52,
    note: "52 periods a year: week bars on calendar nyse",
  });
  const fx30: BarPanel = {
    ...flatPanel(3, [1, 1, 1]),
    day: Int32Array.from([0, 0, 1]),
    calendar: "fx",
    frequency: "30m",
    periodsPerYear: 12_480,
    sessionsPerYear: 260,
  };
  assert.deepEqual(annualisationOf(fx30), {
    periodsPerYear: 260,
    note: "260 periods a year: sessions of calendar fx (30m bars resampled to sessions)",
  });
});

Deno.test("built-in strategies: grid values validated against their schemas, by name", async () => {
  const base = { question: "q", data: { source: "synthetic" } };
  assert.throws(
    () => parseBacktestSpec({ ...base, strategy: "momentum", grid: { lookback: [126, 1] } }),
    (e) => e instanceof SpecError && /grid\.lookback = 1 \(configuration/.test(e.message),
  );
  assert.throws(
    () => parseBacktestSpec({ ...base, strategy: "ma_cross", grid: { fast: [50], slow: [20] } }),
    /grid\.fast = 50 .*fast must be < slow/,
  );
  assert.throws(
    () => parseBacktestSpec({ ...base, strategy: "mean_reversion", grid: { lookbak: [5] } }),
    /grid\.lookbak: unknown option for mean_reversion \(did you mean "lookback"\?\)/,
  );
  assert.throws(() => parseBacktestSpec({ ...base, strategy: "magic" }), /strategy/);
  assert.throws(
    () =>
      parseBacktestSpec({
        ...base,
        strategy: "momentum",
        costs: { model: "spread_only", impactCoef: 1 },
      }),
    (e) =>
      (e as { issues?: { path: PropertyKey[] }[] }).issues?.[0]?.path.join(".") ===
        "costs.impactCoef",
  );
  const ex = await loadStrategy("strategies/rsi_reversal.ts", {
    baseDir: new URL("../../tasks/specs/", import.meta.url).pathname,
  });
  assert.match(ex.source, /^module:.*rsi_reversal\.ts$/);
  assert.deepEqual(validateGrid("rsi", ex, [{ period: 7 }]), [
    { period: 7, entryBelow: 30, exitAbove: 50, weight: 1 },
  ]);
  assert.throws(
    () => validateGrid("rsi", ex, [{ entryBelow: 60, exitAbove: 50 }]),
    /grid\.entryBelow = 60 .*entryBelow must be < exitAbove/,
  );
  await assert.rejects(() => loadStrategy("nope/missing.ts"), /not found/);
});

Deno.test("buy_and_hold and ma_cross fills (hand-worked)", () => {
  const input = (p: BarPanel) => ({ panel: p, adjustedClose: p.close });
  // A: closes 10, 10, 12; B: 20, 20, 20; weight 1/2 each of 1000 at the first close:
  // 50 A and 25 B bought at the next open (10 and 20); end 1000 - 1000 + 600 + 500 = 1100.
  const two = makePanel({
    symbols: ["A", "B"],
    tsMs: [T0, T0 + DAY, T0 + 2 * DAY],
    open: [[10, 10, 12], [20, 20, 20]],
    close: [[10, 10, 12], [20, 20, 20]],
  });
  const bh = BUILTIN_STRATEGIES.buy_and_hold;
  const r = runBacktest(two, bh.createStrategy(input(two), bh.params.parse({}) as never), {
    initialCash: 1000,
    costs: { participationCap: Infinity },
  });
  assert.deepEqual(r.fills.map((f) => [f.symbol, f.bar, f.qty, f.price]), [
    ["A", 1, 50, 10],
    ["B", 1, 25, 20],
  ]);
  assert.ok(Math.abs(r.equity[2]! - 1100) < TOL * 1100);

  // closes 1, 2, 3, 2, 1; SMA(1) = close; SMA(2) = 1.5, 2.5, 2.5, 1.5 from t = 1:
  // long from the close of t = 1 (2 > 1.5), flat from t = 3 (2 < 2.5): buy floor(1000 / 3) =
  // 333 at the open of t = 2 (3), sized at that fill price, sell at the open of t = 4 (1).
  // (Until the ma_cross sizing moved to the fill price this bought 1000 / 2 = 500 sized on the
  // decision close 2 and paid 1500 with 1000 of cash: unfinanced leverage.)
  const one = makePanel({
    symbols: ["A"],
    tsMs: Array.from({ length: 5 }, (_, t) => T0 + t * DAY),
    open: [[1, 2, 3, 2, 1]],
    close: [[1, 2, 3, 2, 1]],
  });
  const ma = BUILTIN_STRATEGIES.ma_cross;
  const m = runBacktest(
    one,
    ma.createStrategy(input(one), ma.params.parse({ fast: 1, slow: 2 }) as never),
    { initialCash: 1000, costs: { participationCap: Infinity } },
  );
  assert.deepEqual(m.fills.map((f) => [f.bar, f.qty, f.price]), [[2, 333, 3], [4, -333, 1]]);
  assert.ok(Math.min(...m.cash) >= 0);
});

Deno.test("ma_cross: averages equal as numbers are a tie (the state is kept), whatever their rounding", () => {
  // closes (cents) 900 900 900 901 905 896: SMA(2) = SMA(4) = 9.005 at t = 5 (905 + 896 =
  // 900 + 901 + 905 + 896 - 1801), computed 9.004999999999999 and 9.005. Long from the close of
  // t = 3 (SMA2 9.005 > SMA4 9.0025), still long at t = 4 (9.03 > 9.015); the tie at t = 5
  // keeps it: one buy at the open of t = 4, no sale at t = 6 (rounding alone sold there).
  const c = [9, 9, 9, 9.01, 9.05, 8.96, 8.96];
  const p = makePanel({
    symbols: ["A"],
    tsMs: c.map((_, t) => T0 + t * DAY),
    open: [c],
    close: [c],
  });
  const ma = BUILTIN_STRATEGIES.ma_cross;
  const r = runBacktest(
    p,
    ma.createStrategy(
      { panel: p, adjustedClose: p.close },
      ma.params.parse({ fast: 2, slow: 4 }) as never,
    ),
    { initialCash: 1000, costs: { participationCap: Infinity } },
  );
  assert.deepEqual(r.fills.map((f) => [f.bar, f.qty, f.price]), [[4, 110, 9.05]]);
});

Deno.test("mean_reversion fills (hand-worked)", () => {
  // lookback 3, entryZ 1, exitZ 0; closes 10 10 10 7 10 13 10:
  // t=2 sd 0 (no signal); t=3 mean 9, sd sqrt(3): z = -2/sqrt(3) = -1.15 < -1 -> long;
  // t=4 window 10 7 10: z = 1/sqrt(3) >= 0 -> exit; t=5 window 7 10 13: z = 3/3 = 1, not > 1.
  // Buy floor(1000 / 10) = 100 at the open of t=4 (10), sized at that fill price, sell at the
  // open of t=5 (13). (Sized on the decision close 7 it bought 142 for 1420 with 1000 of cash.)
  const c = [10, 10, 10, 7, 10, 13, 10];
  const p = makePanel({
    symbols: ["A"],
    tsMs: c.map((_, t) => T0 + t * DAY),
    open: [c],
    close: [c],
  });
  const mr = BUILTIN_STRATEGIES.mean_reversion;
  const r = runBacktest(
    p,
    mr.createStrategy(
      { panel: p, adjustedClose: p.close },
      mr.params.parse({ lookback: 3, entryZ: 1, exitZ: 0 }) as never,
    ),
    { initialCash: 1000, costs: { participationCap: Infinity } },
  );
  assert.deepEqual(r.fills.map((f) => [f.bar, f.qty, f.price]), [[4, 100, 10], [5, -100, 13]]);
  assert.ok(Math.abs(r.equity.at(-1)! - (1000 + 100 * 3)) < TOL * 2000);
});

Deno.test("every backtest spec (a JSON with a strategy) in tasks/specs parses and names a loadable strategy", async () => {
  const dir = new URL("../../tasks/specs/", import.meta.url).pathname;
  let n = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".json")) continue;
    const json = JSON.parse(Deno.readTextFileSync(dir + e.name));
    if (!("strategy" in json)) continue; // other tasks' specs (export-training, train) live here too
    const spec = parseBacktestSpec(json);
    const mod = await loadStrategy(spec.strategy, { baseDir: dir });
    assert.ok(mod.description, `${e.name}: strategy has a description`);
    n++;
  }
  assert.ok(n >= 8, `${n} specs`);
});

function loaded(frame: pl.DataFrame, over: Partial<LoadedDataset>): LoadedDataset {
  return {
    ref: { source: "lake", dataset: "user/x", adjust: "raw" },
    name: "curated/user/x",
    frame,
    timeColumn: "date",
    meta: { kind: "bars", calendar: "nyse", currency: "USD", frequency: "session" },
    periodsPerYear: 252,
    files: [],
    manifest: "curated/user/x#test",
    corporateActions: [],
    notes: [],
    ...over,
  } as LoadedDataset;
}

Deno.test("lake panel: sessions from the dataset's calendar, close-only kept, meta attached", () => {
  // fx sessions end at 17:00 New York (21:00 UTC in June): 20:30Z is Tuesday's session,
  // 21:00Z and the next morning are Wednesday's.
  const ts = ["1997-06-03T20:30:00Z", "1997-06-03T21:00:00Z", "1997-06-04T13:00:00Z"];
  const frame = pl.DataFrame([
    pl.Series("symbol", ["USD_THB", "USD_THB", "USD_THB"]),
    pl.Series("ts", ts.map((s) => Date.parse(s)), pl.Float64).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
    pl.Series("open", [null, null, null], pl.Float64),
    pl.Series("close", [24.9, 24.95, 25.0], pl.Float64),
    pl.Series("volume", [null, null, null], pl.Float64),
  ]);
  const lp = panelFromDataset(loaded(frame, {
    timeColumn: "ts",
    meta: { kind: "bars", calendar: "fx", currency: "THB", frequency: "30m" },
    periodsPerYear: 12_480,
  }));
  assert.deepEqual(Array.from(lp.panel.day!), [0, 1, 1]);
  assert.ok(lp.panel.open.every(Number.isNaN) && lp.panel.volume.every(Number.isNaN));
  assert.deepEqual(Array.from(lp.panel.close), [24.9, 24.95, 25.0]);
  assert.equal(lp.panel.currency, "THB");
  assert.equal(lp.panel.calendar, "fx");
  assert.equal(lp.panel.periodsPerYear, 12_480);
  assert.equal(lp.panel.sessionsPerYear, 260);
  assert.equal(lp.manifest, "curated/user/x#test");
});

Deno.test("lake panel: corporate actions by adjustment mode (raw: both; split: dividends per adjusted share; total return: none)", () => {
  const dates = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"];
  const frame = pl.DataFrame([
    pl.Series("symbol", dates.map(() => "ABC")),
    pl.Series("date", dates).str.strptime(pl.Date, "%Y-%m-%d"),
    pl.Series("open", [10, 10, 5, 5], pl.Float64),
    pl.Series("high", [10, 10, 5, 5], pl.Float64),
    pl.Series("low", [10, 10, 5, 5], pl.Float64),
    pl.Series("close", [10, 10, 5, 5], pl.Float64),
    pl.Series("volume", [1, 1, 2, 2], pl.Float64),
  ]);
  const corporateActions = [
    { symbol: "ABC", exDate: "2023-12-29", cashDividend: 0.3 }, // before the first bar: nothing held
    { symbol: "ABC", exDate: "2024-01-03", cashDividend: 0.5 },
    { symbol: "ABC", exDate: "2024-01-04", splitRatio: 2 },
  ];
  const mk = (adjust: "raw" | "split" | "total_return") =>
    panelFromDataset(loaded(frame, {
      ref: { source: "lake", dataset: "user/x", adjust },
      corporateActions,
    })).corporateActions;
  assert.deepEqual(mk("raw"), [
    { type: "dividend", symbol: "ABC", bar: 1, amount: 0.5 },
    { type: "split", symbol: "ABC", bar: 2, ratio: 2 },
  ]);
  assert.deepEqual(mk("split"), [{ type: "dividend", symbol: "ABC", bar: 1, amount: 0.25 }]);
  assert.deepEqual(mk("total_return"), []);
});
