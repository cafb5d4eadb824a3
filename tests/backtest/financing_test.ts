/**
 * Financing, data end, stale marks and fill delays of the event engine (lib/backtest/engine.ts):
 * hand-worked cases, and the two-symbol buy-and-hold and ma_cross runs against the independent
 * pandas replication in tests/fixtures/backtest/financed_reference.json
 * (tests/reference/backtest_financed.py, provenance beside the fixture).
 */
import assert from "node:assert/strict";
import {
  type BarPanel,
  BUILTIN_STRATEGIES,
  makePanel,
  parseBacktestSpec,
  runBacktest,
  runNotes,
  specCostModel,
  symbolCoverage,
} from "../../lib/backtest/mod.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);
const TOL = 1e-9;
const days = (n: number) => Array.from({ length: n }, (_, t) => T0 + t * DAY);
const noCap = { participationCap: Infinity, halfSpreadBps: 0, borrowRateAnnual: 0 };

Deno.test("leverage limit: a 2x order is cut to the cash (limit 1), borrows without a limit", () => {
  // one symbol at 10; a target of 200 shares (2000) with 1000 of cash:
  // limit 1 -> floor(1000 / 10) = 100 shares, cash 0, the rest cancelled (scaled, not carried)
  const p = makePanel({
    symbols: ["A"],
    tsMs: days(4),
    open: [[10, 10, 10, 10]],
    close: [[10, 10, 10, 10]],
  });
  const strat = {
    onBar: (ctx: { t: number; orderTarget: (s: number, n: number) => number }) => {
      if (ctx.t === 0) ctx.orderTarget(0, 200);
    },
  };
  const lim = runBacktest(p, strat as never, {
    initialCash: 1000,
    costs: noCap,
    maxGrossLeverage: 1,
  });
  assert.deepEqual(lim.fills.map((f) => [f.bar, f.qty, f.price]), [[1, 100, 10]]);
  assert.equal(lim.orders.leverageScaled, 1);
  assert.equal(lim.orders.leverageRejected, 0);
  assert.equal(lim.orders.unfilledByReason.leverage_limit, 1);
  assert.ok(Math.min(...lim.cash) >= 0);
  assert.ok(Math.abs(lim.leverage!.peakGross - 1) < TOL);
  // limit 1.5: gross <= 1.5 x 1000 -> 150 shares, cash -500
  const l15 = runBacktest(p, strat as never, {
    initialCash: 1000,
    costs: noCap,
    maxGrossLeverage: 1.5,
  });
  assert.deepEqual(l15.fills.map((f) => f.qty), [150]);
  assert.ok(Math.abs(l15.cash.at(-1)! + 500) < TOL);
  // no limit: 200 shares, cash -1000, peak gross 2000 / 1000 = 2, and the notes say "may borrow"
  const free = runBacktest(p, strat as never, { initialCash: 1000, costs: noCap });
  assert.deepEqual(free.fills.map((f) => f.qty), [200]);
  assert.ok(Math.abs(free.leverage!.peakGross - 2) < TOL);
  assert.match(runNotes(free).leverage, /no limit.*peak gross leverage 2\.000/);
  assert.match(runNotes(lim).leverage, /limit 1x.*1 order scaled down to it, 0 rejected/);
});

Deno.test("leverage limit: costs count, sales fund purchases, a full book rejects a buy", () => {
  // 10 bps half-spread on 1000 cash at 10: n x 10 x 1.001 <= 1000 -> n = 99 (100 costs 1001)
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: days(4),
    open: [[10, 10, 10, 10], [20, 20, 20, 20]],
    close: [[10, 10, 10, 10], [20, 20, 20, 20]],
  });
  const costs = { participationCap: Infinity, halfSpreadBps: 10, borrowRateAnnual: 0 };
  const one = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(0, 100);
    },
  }, { initialCash: 1000, costs, maxGrossLeverage: 1 });
  assert.deepEqual(one.fills.map((f) => f.qty), [99]);
  // all cash in A (100 shares); at t=1 sell A and buy 50 B: the sale is submitted first -> both fill
  const sw = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(0, 100);
      if (ctx.t === 1) {
        ctx.orderTarget(0, 0);
        ctx.orderTarget(1, 50);
      }
    },
  }, { initialCash: 1000, costs: noCap, maxGrossLeverage: 1 });
  assert.deepEqual(sw.fills.map((f) => [f.symbol, f.qty]), [["A", 100], ["A", -100], ["B", 50]]);
  // the buy first: nothing fits (cash 0, the book at the limit) -> rejected, then the sale fills
  const bs = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(0, 100);
      if (ctx.t === 1) {
        ctx.orderTarget(1, 50);
        ctx.orderTarget(0, 0);
      }
    },
  }, { initialCash: 1000, costs: noCap, maxGrossLeverage: 1 });
  assert.deepEqual(bs.fills.map((f) => [f.symbol, f.qty]), [["A", 100], ["A", -100]]);
  assert.equal(bs.orders.leverageRejected, 1);
  // a short of 1000 with 1000 equity is gross 1: allowed; a further short is cut to nothing
  const sh = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(0, -100);
      if (ctx.t === 1) ctx.orderTarget(0, -150);
    },
  }, { initialCash: 1000, costs: noCap, maxGrossLeverage: 1 });
  assert.deepEqual(sh.fills.map((f) => f.qty), [-100]);
  assert.equal(sh.orders.leverageRejected, 1);
});

Deno.test("data end: a symbol whose bars end early is closed at its last close, orders after are refused", () => {
  // A trades 4 bars; B only bars 0..1 (close 20 then 25). B bought 10 at the open of bar 1 (20),
  // closed at bar 1's close 25 (data_end): cash 1000 - 200 + 250 = 1050 from then on.
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: days(4),
    open: [[10, 10, 10, 10], [20, 20, NaN, NaN]],
    close: [[10, 10, 10, 10], [20, 25, NaN, NaN]],
  });
  const r = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(1, 10);
      if (ctx.t === 2) assert.equal(ctx.orderTarget(1, 5), -1);
    },
  }, { initialCash: 1000, costs: noCap, maxGrossLeverage: 1 });
  assert.deepEqual(r.fills.map((f) => [f.symbol, f.bar, f.qty, f.price, f.kind, f.tag]), [
    ["B", 1, 10, 20, "trade", ""],
    ["B", 1, -10, 25, "data_end", "data ended"],
  ]);
  assert.deepEqual(Array.from(r.equity), [1000, 1050, 1050, 1050]);
  assert.deepEqual(r.dataEnded, [{ symbol: "B", bar: 1, closed: true }]);
  assert.deepEqual(r.heldWithoutBar, {});
  assert.match(runNotes(r).dataEnded, /B data ended 2024-01-03: position closed/);
  // coverage: B has 2 bars, 0 before, 2 after, 0 inside
  const cov = symbolCoverage(p);
  assert.deepEqual(cov[1], {
    symbol: "B",
    first: "2024-01-02",
    last: "2024-01-03",
    bars: 2,
    before: 0,
    after: 2,
    inside: 0,
  });
  assert.deepEqual(cov[0]!.after + cov[0]!.before + cov[0]!.inside, 0);
});

Deno.test("holes inside a symbol's data: marked at the last close and counted per symbol", () => {
  // B has no bar at 2 and 3 (a hole), trades again at 4: held 2 bars without a bar of its own
  const p = makePanel({
    symbols: ["A", "B"],
    tsMs: days(5),
    open: [[10, 10, 10, 10, 10], [20, 20, NaN, NaN, 20]],
    close: [[10, 10, 10, 10, 10], [20, 20, NaN, NaN, 30]],
  });
  const r = runBacktest(p, {
    onBar: (ctx) => {
      if (ctx.t === 0) ctx.orderTarget(1, 10);
    },
  }, { initialCash: 1000, costs: noCap, maxGrossLeverage: 1 });
  assert.deepEqual(r.heldWithoutBar, { B: 2 });
  assert.deepEqual(r.dataEnded, []);
  assert.deepEqual(symbolCoverage(p)[1]!.inside, 2);
  assert.match(runNotes(r).heldWithoutBar, /B held 2 bars without a bar of its own/);
});

/** The long-format CSV as a panel on the union of its dates (volume kept). */
function csvPanel(text: string, symbolOf?: string): BarPanel {
  const lines = text.trim().split("\n");
  const head = lines[0]!.replaceAll('"', "").split(",");
  const col = (n: string) => head.indexOf(n);
  const rows = lines.slice(1).map((l) => l.replaceAll('"', "").split(","));
  const sym = (r: string[]) => symbolOf ?? r[col("Symbol")]!;
  const symbols = [...new Set(rows.map(sym))].sort();
  const dates = [...new Set(rows.map((r) => r[col("Date")]!))].sort();
  const di = new Map(dates.map((d, i) => [d, i]));
  const mk = () => symbols.map(() => new Array(dates.length).fill(NaN));
  const o = mk(), h = mk(), l = mk(), c = mk(), v = mk();
  for (const r of rows) {
    const s = symbols.indexOf(sym(r)), t = di.get(r[col("Date")]!)!;
    o[s]![t] = +r[col("Open")]!;
    h[s]![t] = +r[col("High")]!;
    l[s]![t] = +r[col("Low")]!;
    c[s]![t] = +r[col("Close")]!;
    v[s]![t] = +r[col("Volume")]!;
  }
  return makePanel({
    symbols,
    tsMs: dates.map((d) => Date.parse(d)),
    open: o,
    high: h,
    low: l,
    close: c,
    volume: v,
  });
}

const REF = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/backtest/financed_reference.json", import.meta.url)),
);
const fixture = (p: string) => Deno.readTextFileSync(new URL(`../fixtures/${p}`, import.meta.url));
const maxDd = (e: Float64Array) => {
  let peak = -Infinity, dd = 0;
  for (const x of e) {
    peak = Math.max(peak, x);
    dd = Math.max(dd, 1 - x / peak);
  }
  return dd;
};

Deno.test("buy and hold of TTRC (1985-2006) and MSFT (2000-09-27..2001-09-27) = pandas, no borrowing", () => {
  const p = csvPanel(fixture("backtest/long_bars.csv"));
  const bh = BUILTIN_STRATEGIES.buy_and_hold;
  const spec = parseBacktestSpec({
    question: "q",
    strategy: "buy_and_hold",
    data: { source: "synthetic" },
  });
  assert.equal(spec.maxGrossLeverage, 1); // the spec default
  const r = runBacktest(
    p,
    bh.createStrategy({ panel: p, adjustedClose: p.close }, bh.params.parse({}) as never),
    {
      initialCash: 1e6,
      costs: noCap,
      maxGrossLeverage: spec.maxGrossLeverage!,
    },
  );
  const ref = REF.long_bh;
  assert.equal(r.equity.length, ref.rows);
  const day = (b: number) => new Date(p.tsMs[b]!).toISOString().slice(0, 10);
  const got = r.fills.map((f) => [day(f.bar), f.symbol, f.qty, f.price]).sort();
  const want = ref.fills.map((
    f: { date: string; symbol: string; qty: number; price: number },
  ) => [f.date, f.symbol, f.qty, f.price]).sort();
  assert.deepEqual(got, want);
  assert.ok(Math.abs(r.equity.at(-1)! / ref.final_equity - 1) < TOL);
  assert.ok(Math.abs(maxDd(r.equity) - ref.max_drawdown) < 1e-12);
  assert.ok(Math.min(...r.cash) >= 0, "cash never below zero");
  assert.ok(r.leverage!.peakGross <= 1 + 1e-12);
  assert.equal(r.orders.leverageScaled, 1); // MSFT: half the 2000 equity wanted, the cash left spent
  assert.deepEqual(r.dataEnded, [{
    symbol: "MSFT",
    bar: p.tsMs.indexOf(Date.parse("2001-09-27")),
    closed: true,
  }]);
  assert.deepEqual(r.heldWithoutBar, {});
  const msft = symbolCoverage(p).find((c) => c.symbol === "MSFT")!;
  assert.equal(msft.bars, 249);
  assert.equal(msft.before + msft.bars + msft.after, ref.rows);
  // without the limit the old behaviour comes back: MSFT bought with borrowed cash
  const free = runBacktest(
    p,
    bh.createStrategy({ panel: p, adjustedClose: p.close }, bh.params.parse({}) as never),
    {
      initialCash: 1e6,
      costs: noCap,
    },
  );
  assert.ok(Math.min(...free.cash) < -2e6);
  assert.ok(free.leverage!.peakGross > 1.3);
});

Deno.test("ma_cross 10/50 on TTRC = pandas (signal at the close, all cash at the next open, whole shares)", () => {
  const p = csvPanel(fixture("user_files/ttrc_daily.csv"), "TTRC");
  const ma = BUILTIN_STRATEGIES.ma_cross;
  const r = runBacktest(
    p,
    ma.createStrategy(
      { panel: p, adjustedClose: p.close },
      ma.params.parse({ fast: 10, slow: 50 }) as never,
    ),
    {
      initialCash: 1e6,
      costs: noCap,
      maxGrossLeverage: 1,
    },
  );
  const ref = REF.ttrc_ma_10_50;
  assert.equal(r.fills.length, ref.fills);
  assert.ok(Math.abs(r.equity.at(-1)! / ref.final_equity - 1) < TOL);
  assert.ok(Math.abs(maxDd(r.equity) - ref.max_drawdown) < 1e-12);
  assert.equal(r.orders.leverageScaled, 0);
  assert.ok(Math.min(...r.cash) >= 0);
});

Deno.test("standard costs on TTRC: the entry's delays are counted by reason", () => {
  // impact needs two daily returns before the fill's session: none is known on 1985-01-03 and
  // one on 01-04, so the order waits 2 bars; on 01-07 the 10% participation cap of ADV
  // (the 3 sessions before) cuts it and the rest fills on 01-08
  const p = csvPanel(fixture("user_files/ttrc_daily.csv"), "TTRC");
  // the trial's ttrc_bh_cost.json costs: standard model (IBKR fees, impact 0.5, cap 10% ADV)
  const spec = parseBacktestSpec({
    question: "q",
    strategy: "buy_and_hold",
    data: { source: "synthetic" },
    costs: { model: "standard", halfSpreadBps: 5 },
  });
  const bh = BUILTIN_STRATEGIES.buy_and_hold;
  const r = runBacktest(
    p,
    bh.createStrategy({ panel: p, adjustedClose: p.close }, bh.params.parse({}) as never),
    {
      initialCash: 1e6,
      costs: specCostModel(spec.costs),
      maxGrossLeverage: 1,
    },
  );
  const day = (b: number) => new Date(p.tsMs[b]!).toISOString().slice(0, 10);
  assert.deepEqual(r.fills.map((f) => day(f.bar)), ["1985-01-07", "1985-01-08"]);
  assert.deepEqual(r.orders.delayedBars, { no_volatility_estimate: 2, participation_cap: 1 });
  assert.match(
    runNotes(r).delayed,
    /2 bars waiting for a volatility estimate.*1 bar cut by the participation cap/,
  );
  assert.ok(Math.min(...r.cash) >= 0);
});
