import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import pl from "nodejs-polars";
import { CONSOLIDATED_SCHEMA, consolidateOptionMinutes } from "../../lib/frames/consolidate.ts";
import { rsi } from "../../lib/features/technical.ts";
import { simConsolidationInput } from "../../lib/frames/consolidate_sources.ts";
import { generateWorld } from "../../lib/sources/sim/world.ts";
import { bsPrice, emptyOptionColumns, impliedVol, toOptionColumns } from "../../lib/options/mod.ts";
import { sessionBounds } from "../../lib/time/mod.ts";

const RTOL_IV = 1e-9;
const DATE = "2024-03-01";
const sb = sessionBounds(DATE)!;
const OPEN = sb.open.getTime();
const N_MIN = 390;
const RATE = 0.05, DIV = 0.01, VOL = 0.2;
const EXPIRY = "2024-03-15";
const T_EXP = sessionBounds(EXPIRY)!.close.getTime();
const YEAR = 365 * 86_400_000;

const dtSeries = (name: string, xs: number[]) =>
  pl.Series(name, xs).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));

function makeInput(spyClose: number[]) {
  const ts = spyClose.map((_, m) => OPEN + m * 60_000);
  const underlying = pl.DataFrame([
    pl.Series("ticker", ts.map(() => "SPY")),
    dtSeries("ts", ts),
    pl.Series("open", spyClose),
    pl.Series("high", spyClose.map((c) => c + 0.1)),
    pl.Series("low", spyClose.map((c) => c - 0.1)),
    pl.Series("close", spyClose),
    pl.Series("volume", ts.map(() => 1000)),
    pl.Series("vwap", spyClose),
  ]);
  const vix = pl.DataFrame([
    dtSeries("ts", ts),
    pl.Series("open", ts.map((_, m) => 15 + m / 1000)),
    pl.Series("high", ts.map((_, m) => 15 + m / 1000)),
    pl.Series("low", ts.map((_, m) => 15 + m / 1000)),
    pl.Series("close", ts.map((_, m) => 15 + m / 1000)),
  ]);
  // call K=500 trades on even minutes, put K=495 on minutes divisible by 3; priced at VOL

  const rows: { ticker: string; ts: number; px: number; type: string; strike: number }[] = [];
  for (let m = 0; m < spyClose.length; m++) {
    for (
      const [tk, type, strike, every] of [["O:SPY240315C00500000", "call", 500, 2], [
        "O:SPY240315P00495000",
        "put",
        495,
        3,
      ]] as const
    ) {
      if (m % every !== 0) continue;
      const t = (T_EXP - (ts[m]! + 60_000)) / YEAR;
      const px = bsPrice(
        toOptionColumns([{
          spot: spyClose[m]!,
          strike,
          t,
          rate: RATE,
          div: DIV,
          isCall: type === "call",
        }]),
        Float64Array.of(VOL),
      )[0]!;
      rows.push({ ticker: tk, ts: ts[m]!, px, type, strike });
    }
  }
  const options = pl.DataFrame([
    pl.Series("ticker", rows.map((r) => r.ticker)),
    dtSeries("ts", rows.map((r) => r.ts)),
    pl.Series("open", rows.map((r) => r.px)),
    pl.Series("high", rows.map((r) => r.px)),
    pl.Series("low", rows.map((r) => r.px)),
    pl.Series("close", rows.map((r) => r.px)),
    pl.Series("volume", rows.map(() => 5)),
    pl.Series("vwap", rows.map((r) => r.px)),
    pl.Series("expiration_date", rows.map(() => EXPIRY)),
    pl.Series("contract_type", rows.map((r) => r.type)),
    pl.Series("strike", rows.map((r) => r.strike)),
  ]);
  const news = pl.DataFrame([
    dtSeries("known_at", [OPEN + 100.5 * 60_000, OPEN + 200 * 60_000]),
    pl.Series("sentiment", [1, -1]),
  ]);
  return { date: DATE, underlying, vix, options, news };
}

const spy = Array.from({ length: N_MIN }, (_, m) => 500 + 2 * Math.sin(m / 17) + m * 0.002);
const df = consolidateOptionMinutes(makeInput(spy), { rate: RATE, div: DIV }).sort([
  "ts",
  "ticker",
]);
const col = (name: string) => df.getColumn(name).toArray() as (number | null)[];

Deno.test("grid: one row per contract per session minute, known at the minute's close", () => {
  assertEquals(df.height, 2 * N_MIN);
  const ts = df.getColumn("ts").cast(pl.Float64).toArray() as number[];
  const ka = df.getColumn("known_at").cast(pl.Float64).toArray() as number[];
  assertEquals(ts[0], OPEN);
  assertEquals(ts[df.height - 1], OPEN + 389 * 60_000);
  ts.forEach((t, i) => assertEquals(ka[i], t + 60_000));
  assertEquals(new Set(df.getColumn("underlying").toArray()).size, 1);
});

Deno.test("option fields only where the contract traded; iv recovers the pricing vol", () => {
  const tick = df.getColumn("ticker").toArray() as string[];
  const close = col("opt_close"), iv = col("iv"), delta = col("delta");
  for (let r = 0; r < df.height; r++) {
    const m = Math.floor(r / 2);
    const traded = tick[r]!.includes("C005") ? m % 2 === 0 : m % 3 === 0;
    assertEquals(close[r] !== null, traded, `row ${r}`);
    if (traded) {
      assertAlmostEquals(iv[r]!, VOL, RTOL_IV);
      assert(tick[r]!.includes("C005") ? delta[r]! > 0 : delta[r]! < 0);
    } else {
      assertEquals(iv[r], null);
    }
  }
});

Deno.test("indicators equal lib/features on the underlying closes; VIX and news as of the minute", () => {
  const expected = rsi(Float64Array.from(spy), 14);
  const got = col("rsi_14");
  for (let m = 0; m < N_MIN; m++) {
    const e = expected[m]!;
    if (Number.isNaN(e)) assertEquals(got[2 * m], null);
    else assertAlmostEquals(got[2 * m]!, e, 1e-12);
  }
  assertAlmostEquals(col("vix_close")[2 * 50]!, 15.05, 1e-12);
  const s = col("news_sentiment");
  assertEquals(s[2 * 98], null); // minute 98 closes at 99:00 < 100:30
  assertEquals(s[2 * 99], null); // minute 99 closes at 100:00
  assertEquals(s[2 * 100], 1); // minute 100 closes at 101:00 >= 100:30
  assertEquals(s[2 * 199], -1); // known exactly at the close of minute 199
  assertAlmostEquals(col("news_age_min")[2 * 100]!, 0.5, 1e-12);
  assertAlmostEquals(col("roc_5")[2 * 10]!, spy[10]! / spy[5]! - 1, 1e-12);
  assertAlmostEquals(col("price_change")[2 * 10]!, spy[10]! - spy[9]!, 1e-12);
});

Deno.test("point in time: changing the underlying after minute t changes no row at or before t", () => {
  const t = 200;
  const bumped = spy.map((c, m) => (m > t ? c * 1.03 : c));
  const other = consolidateOptionMinutes(makeInput(bumped), { rate: RATE, div: DIV }).sort([
    "ts",
    "ticker",
  ]);
  for (
    const name of [
      "spy_close",
      "rsi_14",
      "macd",
      "macd_signal",
      "bb_upper",
      "roc_60",
      "iv",
      "delta",
    ]
  ) {
    const a = col(name);
    const b = other.getColumn(name).toArray() as (number | null)[];
    for (let r = 0; r < 2 * (t + 1); r++) assertEquals(b[r], a[r], `${name}[${r}]`);
    assert(
      a.some((v, r) => r >= 2 * (t + 1) && v !== null && v !== b[r]),
      `${name} should change after t`,
    );
  }
});

Deno.test("errors: not a trading day, missing column, no underlying bars", () => {
  const input = makeInput(spy.slice(0, 10));
  assertThrows(
    () => consolidateOptionMinutes({ ...input, date: "2024-03-02" }),
    RangeError,
    "not a trading day",
  );
  assertThrows(
    () => consolidateOptionMinutes({ ...input, options: input.options.drop("vwap") }),
    Error,
    "vwap",
  );
  assertThrows(
    () => consolidateOptionMinutes({ ...input, underlying: input.underlying.head(0) }),
    RangeError,
    "no underlying bars",
  );
});

Deno.test("two bars of one contract-minute: the later in input order wins; bars outside the session are not on the grid", () => {
  const input = makeInput(spy);
  const extra = (ts: number, px: number) =>
    pl.DataFrame([
      pl.Series("ticker", ["O:SPY240315C00500000"]),
      dtSeries("ts", [ts]),
      pl.Series("open", [px]),
      pl.Series("high", [px]),
      pl.Series("low", [px]),
      pl.Series("close", [px]),
      pl.Series("volume", [7]),
      pl.Series("vwap", [px]),
      pl.Series("expiration_date", [EXPIRY]),
      pl.Series("contract_type", ["call"]),
      pl.Series("strike", [500]),
    ]);
  // minute 4 already has a call bar (even minute); a later duplicate priced at 12.5 replaces it;
  // a bar one minute before the open and one at the close are outside the grid
  const options = pl.concat([
    input.options,
    extra(OPEN + 4 * 60_000, 12.5),
    extra(OPEN - 60_000, 99),
    extra(OPEN + N_MIN * 60_000, 98),
  ]);
  const out = consolidateOptionMinutes({ ...input, options }, { rate: RATE, div: DIV });
  assertEquals(out.height, 2 * N_MIN);
  const call = out.filter(pl.col("ticker").eq(pl.lit("O:SPY240315C00500000")));
  const close = call.getColumn("opt_close").toArray() as (number | null)[];
  const vol = call.getColumn("opt_volume").toArray() as (number | null)[];
  assertEquals(close[4], 12.5);
  assertEquals(vol[4], 7);
  assertEquals(close.filter((x) => x === 99 || x === 98).length, 0);
  // the iv of minute 4 is the one of the 12.5 bar: its repricing gives 12.5 back
  const iv4 = call.getColumn("iv").get(4) as number;
  const t = (T_EXP - (OPEN + 5 * 60_000)) / YEAR;
  const px = bsPrice(
    toOptionColumns([{ spot: spy[4]!, strike: 500, t, rate: RATE, div: DIV, isCall: true }]),
    Float64Array.of(iv4),
  )[0]!;
  assertAlmostEquals(px, 12.5, 1e-9);
});

Deno.test("no option bars: an empty frame with every column of the schema", () => {
  const input = makeInput(spy);
  const out = consolidateOptionMinutes({ ...input, options: input.options.head(0) });
  assertEquals(out.height, 0);
  assertEquals(out.columns, Object.keys(CONSOLIDATED_SCHEMA));
});

Deno.test("warm-started iv equals a cold solve of the same traded rows (simulated chain)", () => {
  // the consolidation starts each contract's solve from its previous traded minute's vol; the
  // roots must be the cold solver's (to 1e-13 relative), on the benchmark's kind of chain
  const date = "2024-02-01";
  const world = generateWorld({ seed: 1, start: "2024-01-22", end: date });
  const sim = simConsolidationInput(world, date, { strikeBand: 0.1, maxContracts: 60 });
  const out = consolidateOptionMinutes(sim.input, { rate: sim.rate, div: sim.div });
  const traded = out.filter(pl.col("opt_close").isNotNull());
  const f64 = (c: string) =>
    traded.select(pl.col(c).cast(pl.Float64).fillNull(NaN)).getColumn(c)
      .toTypedArray() as Float64Array;
  const o = emptyOptionColumns(traded.height);
  o.spot.set(f64("spy_close"));
  o.strike.set(f64("strike"));
  o.t.set(f64("t_years").map((t) => (t > 0 ? t : NaN)));
  o.rate.fill(sim.rate);
  o.div.fill(sim.div);
  (traded.getColumn("contract_type").toArray() as string[])
    .forEach((c, i) => (o.isCall[i] = c === "call" ? 1 : 0));
  const cold = impliedVol(o, f64("opt_close"), { logSummary: false });
  const got = f64("iv");
  let solved = 0;
  for (let i = 0; i < cold.length; i++) {
    assertEquals(Number.isNaN(got[i]!), Number.isNaN(cold[i]!), `row ${i}`);
    if (Number.isNaN(cold[i]!)) continue;
    solved++;
    assertAlmostEquals(got[i]!, cold[i]!, 0, `row ${i}`, 1e-13);
  }
  assert(solved > 5000, `${solved}`);
});
