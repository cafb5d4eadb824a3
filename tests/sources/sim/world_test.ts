import { assert, assertAlmostEquals, assertEquals, assertNotEquals } from "../../_assert.ts";
import {
  aggregateBars,
  type CboeTerm,
  cboeVix,
  generateWorld,
  resolveWorldConfig,
  SPX_PER_SPY,
  ssviParams,
  totalVariance,
  transformedReleases,
  valueAsOf,
} from "../../../lib/sources/sim/mod.ts";
import { stepTrades } from "../../../lib/sources/sim/_intraday.ts";

const RTOL_AGG = 1e-9;
/** Relative gap allowed between I:VIX and the CBOE formula on the finite, tick-rounded chain. */
const VIX_RTOL = 0.1;
const TOL_PRICE = 1e-9;
const CFG = { seed: 11, start: "2024-02-01", end: "2024-03-28", equityCount: 30 };
const world = generateWorld(CFG);
const DAY = "2024-03-15";

Deno.test("config: defaults and bad values", () => {
  const c = resolveWorldConfig({});
  assertEquals(c.equityCount, 100);
  let threw = 0;
  for (
    const bad of [{ start: "2024-03-01", end: "2024-01-01" }, { seed: NaN }, { equityCount: -1 }, {
      effects: { overnight: 2 },
    }, { start: "2024/01/01" }]
  ) {
    try {
      resolveWorldConfig(bad);
    } catch (e) {
      assert(e instanceof RangeError);
      threw++;
    }
  }
  assertEquals(threw, 5);
  try {
    generateWorld({ start: "2024-01-06", end: "2024-01-07" });
    throw new Error("expected RangeError for a weekend-only range");
  } catch (e) {
    assert(e instanceof RangeError);
  }
});

Deno.test("config: worlds at the calendar's edges and a one-session world", () => {
  for (
    const cfg of [
      { start: "2001-01-02", end: "2001-01-31" },
      { start: "2035-11-01", end: "2035-12-31" },
      { start: "2024-03-28", end: "2024-03-28" },
    ]
  ) {
    const w = generateWorld({ ...cfg, equityCount: 5 });
    assert(w.days.length >= 1);
    assertEquals(w.spyMinuteBars(w.today)!.length > 0, true);
    assert(w.options.listed(w.today).length > 0);
    assert(w.fredVintages("DGS10")!.dates.length > 0);
  }
});

Deno.test("same seed -> identical bars; different seed -> different world", () => {
  const again = generateWorld(CFG);
  assertEquals(again.spyMinuteBars(DAY)!.c, world.spyMinuteBars(DAY)!.c);
  assertEquals(
    again.equityDaily(again.equityInfo[0]!.ticker).c,
    world.equityDaily(world.equityInfo[0]!.ticker).c,
  );
  const other = generateWorld({ ...CFG, seed: 12 });
  assertNotEquals(other.spyMinuteBars(DAY)!.c, world.spyMinuteBars(DAY)!.c);
});

Deno.test("SPY bars: minute and day bars are exact aggregations of second bars", () => {
  const s = world.spySecondBars(DAY)!;
  assertEquals(s.length, 23400);
  const m = world.spyMinuteBars(DAY)!;
  assertEquals(m.length, 390);
  for (let k = 0; k < m.length; k++) {
    const from = k * 60, to = from + 60;
    assertEquals(m.o[k], s.o[from]);
    assertEquals(m.c[k], s.c[to - 1]);
    let h = -Infinity, l = Infinity, v = 0, pv = 0;
    for (let i = from; i < to; i++) {
      h = Math.max(h, s.h[i]!);
      l = Math.min(l, s.l[i]!);
      v += s.v[i]!;
      pv += s.vw[i]! * s.v[i]!;
    }
    assertEquals(m.h[k], h);
    assertEquals(m.l[k], l);
    assertEquals(m.v[k], v);
    assertAlmostEquals(m.vw[k]!, pv / v, 0, undefined, RTOL_AGG);
  }
  const d = world.spyDailyBars();
  const i = d.dates.indexOf(DAY);
  const agg = aggregateBars(m, Number.MAX_SAFE_INTEGER, 0);
  for (const key of ["o", "h", "l", "c", "v"] as const) assertEquals(d[key][i], agg[key][0]);
  // Stamped at ET midnight (EDT on 2024-03-15: 04:00Z).
  assertEquals(new Date(d.t[i]!).toISOString(), "2024-03-15T04:00:00.000Z");
  // Early close: 2023-11-24 has 210 minutes.
  const w2 = generateWorld({ seed: 1, start: "2023-11-20", end: "2023-11-28", equityCount: 0 });
  assertEquals(w2.spyMinuteBars("2023-11-24")!.length, 210);
});

Deno.test("SPY bars: OHLC sane and trades reproduce every second bar", () => {
  const s = world.spySecondBars(DAY)!;
  for (let k = 0; k < s.length; k += 97) {
    assert(s.l[k]! <= Math.min(s.o[k]!, s.c[k]!) && s.h[k]! >= Math.max(s.o[k]!, s.c[k]!));
    const { prices, sizes } = stepTrades(s.o[k]!, s.h[k]!, s.l[k]!, s.c[k]!, s.v[k]!, s.n[k]!);
    assertEquals(prices.length, s.n[k]);
    assertEquals(prices[0], s.o[k]);
    assertEquals(prices[prices.length - 1], s.c[k]);
    assertEquals(Math.max(...prices), s.h[k]);
    assertEquals(Math.min(...prices), s.l[k]);
    assertEquals(sizes.reduce((a, b) => a + b, 0), s.v[k]);
    const vw = prices.reduce((a, p, i) => a + p * sizes[i]!, 0) / s.v[k]!;
    assertAlmostEquals(vw, s.vw[k]!, 0, undefined, RTOL_AGG);
  }
});

Deno.test("option surface: no butterfly or calendar arbitrage; parity of mids within the spread", () => {
  for (const sigma of [0.08, 0.16, 0.45]) {
    const p = ssviParams(sigma);
    for (let k = -0.5; k <= 0.5; k += 0.01) {
      let prev = 0;
      for (const t of [1 / 365, 7 / 365, 30 / 365, 0.25, 0.5, 1, 2]) {
        const w = totalVariance(p, k, t);
        assert(w >= prev - 1e-15, `calendar arbitrage at k=${k} t=${t}`);
        prev = w;
      }
    }
  }
  const chain = world.options.listed(DAY);
  assert(chain.length > 1000);
  const byExp = new Map<string, typeof chain>();
  for (const c of chain) {
    (byExp.get(c.expiration) ?? byExp.set(c.expiration, []).get(c.expiration)!).push(c);
  }
  for (const [, cs] of byExp) {
    const calls = cs.filter((c) => c.type === "call");
    const q = calls.map((c) => world.options.quote(c, DAY));
    for (let i = 1; i + 1 < calls.length; i++) {
      const k0 = calls[i - 1]!.strike, k1 = calls[i]!.strike, k2 = calls[i + 1]!.strike;
      const interp = q[i - 1]!.theo + (q[i + 1]!.theo - q[i - 1]!.theo) * (k1 - k0) / (k2 - k0);
      assert(q[i]!.theo <= interp + TOL_PRICE, `butterfly arbitrage at ${calls[i]!.ticker}`);
      assert(q[i]!.theo <= q[i - 1]!.theo + TOL_PRICE, "call prices must fall with strike");
    }
    for (const c of calls) {
      const put = cs.find((x) => x.type === "put" && x.strike === c.strike)!;
      const qc = world.options.quote(c, DAY), qp = world.options.quote(put, DAY);
      assert(qc.bid <= qc.theo + TOL_PRICE && qc.theo <= qc.ask + TOL_PRICE);
      const parity = qc.spot * Math.exp(-0.013 * qc.t) -
        c.strike * Math.exp(-world.options.rateOn(DAY) * qc.t);
      const gap = Math.abs((qc.bid + qc.ask) / 2 - (qp.bid + qp.ask) / 2 - parity);
      assert(
        gap <= (qc.ask - qc.bid) / 2 + (qp.ask - qp.bid) / 2 + TOL_PRICE,
        `parity broken at ${c.ticker}`,
      );
    }
  }
});

Deno.test("OCC tickers and I:VIX close to the chain's 30-day variance", () => {
  const c = world.options.listed(DAY)[0]!;
  assert(/^O:SPY\d{6}[CP]\d{8}$/.test(c.ticker));
  const vix = world.vixDayBar(DAY)!;
  assert(vix.c[0]! > 5 && vix.c[0]! < 100);
  // I:VIX ~ 100 * ATM 30-day implied vol (smile adds a few points).
  const i = world.dayIndex(DAY)!;
  const s = world.spyDaily.close[i]!;
  const p = world.options.surfaceOn(DAY, s);
  const atm = 100 * Math.sqrt(totalVariance(p, 0, 30 / 365) / (30 / 365));
  assert(vix.c[0]! > atm * 0.95 && vix.c[0]! < atm * 1.4, `VIX ${vix.c[0]} vs ATM ${atm}`);
});

Deno.test("corporate actions: splits move raw prices by the ratio; adjusted prices are continuous", () => {
  const splits = world.corporateActions().filter((a) => a.kind === "split");
  assert(splits.length > 0);
  for (const a of splits) {
    if (a.kind !== "split") continue;
    const raw = world.equityDaily(a.ticker);
    const adj = world.equityDailyAdjusted(a.ticker, "split");
    const j = raw.dates.indexOf(a.date);
    if (j < 1) continue;
    const rawJump = raw.o[j]! / raw.c[j - 1]!;
    const adjJump = adj.o[j]! / adj.c[j - 1]!;
    const ratio = a.to / a.from;
    assert(Math.abs(Math.log(rawJump * ratio)) < 0.25, `raw jump ${rawJump} vs 1/${ratio}`);
    assert(Math.abs(Math.log(adjJump)) < 0.25, `adjusted jump ${adjJump}`);
  }
  const delist = world.corporateActions().filter((a) => a.kind === "delisting");
  for (const a of delist) {
    if (a.kind !== "delisting") continue;
    const raw = world.equityDaily(a.ticker);
    assertEquals(raw.dates[raw.dates.length - 1], a.date);
  }
});

Deno.test("FRED: strings by vintage; an earlier world's vintages are a prefix of a later one's", () => {
  const short = generateWorld({ ...CFG, end: "2024-03-01" });
  for (const id of ["PAYEMS", "INDPRO", "DGS10", "ICSA", "UMCSENT"]) {
    for (const units of ["lin", "pch"] as const) {
      const a0 = short.fredVintages(id)!, b0 = world.fredVintages(id)!;
      const a = { ...a0, releases: transformedReleases(a0, units) };
      const b = { ...b0, releases: transformedReleases(b0, units) };
      assert(a.vintageDates.every((v) => v <= short.today));
      for (let i = 0; i < a.dates.length; i++) {
        const j = b.dates.indexOf(a.dates[i]!);
        assert(j >= 0);
        for (const v of a.vintageDates) {
          const x = valueAsOf(a, i, v), y = valueAsOf(b, j, v);
          assertEquals(x?.value, y?.value, `${id} ${units} ${a.dates[i]} as of ${v}`);
        }
      }
    }
  }
  const payems = world.fredVintages("PAYEMS")!;
  assert(payems.releases.some((r) => r.length > 1), "PAYEMS must have revisions");
});

Deno.test("I:VIX agrees with the CBOE formula applied to the listed chain", () => {
  const day = "2024-03-28";
  const chain = world.options.listed(day);
  const minutes = world.spyMinuteBars(day)!;
  const closeMs = minutes.t[minutes.length - 1]! + 60_000;
  // Near and next terms: the listed expiries bracketing 30 days (CBOE uses 23-37 days).
  const exps = [...new Set(chain.map((c) => c.expiration))].sort();
  const days = (e: string) => (Date.parse(e) - Date.parse(day)) / 86_400_000;
  const near = exps.filter((e) => days(e) < 30).at(-1)!;
  const next = exps.find((e) => days(e) > 30)!;
  const term = (e: string): CboeTerm => {
    const cs = chain.filter((c) => c.expiration === e);
    const ks = [...new Set(cs.map((c) => c.strike))].sort((a, b) => a - b);
    const out: CboeTerm = { t: 0, strikes: ks, callBid: [], callAsk: [], putBid: [], putAsk: [] };
    for (const k of ks) {
      const qc = world.options.quote(cs.find((c) => c.strike === k && c.type === "call")!, day);
      const qp = world.options.quote(cs.find((c) => c.strike === k && c.type === "put")!, day);
      out.t = qc.t;
      out.callBid.push(qc.bid);
      out.callAsk.push(qc.ask);
      out.putBid.push(qp.bid);
      out.putAsk.push(qp.ask);
    }
    return out;
  };
  const r = world.options.rateOn(day);
  const vix = cboeVix(term(near), term(next), r);
  const index = world.vixMinuteBars(day)!.c.at(-1)!;
  assert(closeMs > 0);
  // Finite strike ranges and tick-rounded quotes make the chain estimate a little lower.
  assert(Math.abs(vix - index) / index < VIX_RTOL, `CBOE ${vix} vs I:VIX ${index}`);
});

Deno.test("corporate actions: bankruptcies end in a large loss, acquisitions jump at announcement", () => {
  const w = generateWorld({ seed: 7, start: "2023-01-03", end: "2023-12-29", equityCount: 60 });
  const acts = w.corporateActions();
  const bk = acts.filter((a) => a.kind === "delisting" && a.reason === "bankruptcy");
  const aq = w.equityInfo.filter((x) => x.delistReason === "acquisition");
  assert(bk.length > 0 && aq.length > 0);
  for (const a of bk) {
    if (a.kind !== "delisting") continue;
    const t = w.equityTruth(a.ticker)!;
    const i = t.dates.indexOf(a.date);
    assert(Math.log(t.close[i]! / t.close[i - 1]!) < -0.9, `${a.ticker} final loss`);
    assert(Number.isNaN(t.close[i + 1] ?? NaN), "no prices after delisting");
  }
  const listed = new Set(w.listings().map((l) => l.ticker));
  for (const x of aq) {
    assert(listed.has(x.ticker), "delisted names stay in the listing history");
    const t = w.equityTruth(x.ticker)!;
    const i = x.announceIndex! - w.burnInSessions;
    if (i < 1 || i >= t.dates.length) continue;
    const jump = Math.log(t.open[i]! / t.close[i - 1]!);
    assert(jump > Math.log(1.15), `${x.ticker} acquisition premium ${jump}`);
  }
  // Dividends: the raw open drops by the dividend relative to the overnight move.
  assert(acts.some((a) => a.kind === "dividend" && a.ticker !== "SPY"));
});

Deno.test("SPY intraday: U-shaped volume and volatility, overnight gaps present", () => {
  let volEdge = 0, volMid = 0, absEdge = 0, absMid = 0;
  for (const d of world.days.slice(-10)) {
    const m = world.spyMinuteBars(d)!;
    if (m.length !== 390) continue;
    for (let k = 1; k < m.length; k++) {
      const edge = k < 30 || k >= 360;
      const mid = k >= 165 && k < 225;
      const r = Math.abs(Math.log(m.c[k]! / m.c[k - 1]!));
      if (edge) {
        volEdge += m.v[k]!;
        absEdge += r;
      }
      if (mid) {
        volMid += m.v[k]!;
        absMid += r;
      }
    }
  }
  // Per-minute averages: 59 edge minutes vs 60 midday minutes per session.
  assert(volEdge / 59 > 1.5 * (volMid / 60), "volume U-shape");
  assert(absEdge / 59 > 1.2 * (absMid / 60), "volatility U-shape");
  const gaps = world.spyDaily.retOvernight.slice(1);
  assert(gaps.some((g) => Math.abs(g) > 0.002), "overnight gaps");
});

Deno.test("indices: I:SPX tracks SPY, FRED SP500 and VIXCLS equal the index closes", () => {
  const day = "2024-03-27";
  const spx = world.indexMinuteBars("I:SPX", day)!;
  const spy = world.spyMinuteBars(day)!;
  for (let k = 0; k < spx.length; k += 37) {
    assertAlmostEquals(spx.c[k]!, Math.round(spy.c[k]! * SPX_PER_SPY * 100) / 100, 1e-9);
  }
  assertEquals(world.indexMinuteBars("I:NOPE", day), undefined);
  const sp500 = world.fredVintages("SP500")!, vix = world.fredVintages("VIXCLS")!;
  for (const [series, ticker] of [[sp500, "I:SPX"], [vix, "I:VIX"]] as const) {
    const i = series.dates.indexOf(day);
    const fred = series.releases[i]!.at(-1)!.value;
    assertAlmostEquals(fred, world.indexDayBar(ticker, day)!.c[0]!, 1e-9, `${ticker} close`);
  }
});
