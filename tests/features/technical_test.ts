import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  atr,
  bollinger,
  ema,
  macd,
  roc,
  rsi,
  sma,
  stochastic,
} from "../../lib/features/technical.ts";
import { assertColumnsClose, readCsvColumns } from "./_fixtures.ts";

/** R writes 15 significant digits; recursions over 1000 rows add a little rounding. */
const RTOL_TTR = 1e-11;
const ATOL_HAND = 1e-12;

const f = (xs: number[]) => Float64Array.from(xs);
const ttr = readCsvColumns(new URL("../fixtures/features/ttr_ttrc.csv", import.meta.url));
const hlc = { high: ttr.high!, low: ttr.low!, close: ttr.close! };

Deno.test("sma and ema: hand-worked values", () => {
  assertEquals(Array.from(sma(f([1, 2, 3, 4]), 2)), [NaN, 1.5, 2.5, 3.5]);
  // ema(2): a = 2/3, seed mean(1,2) = 1.5; 2/3*3 + 1/3*1.5 = 2.5; 2/3*4 + 1/3*2.5 = 3.5
  const e = ema(f([1, 2, 3, 4]), 2);
  assert(Number.isNaN(e[0]!));
  assertAlmostEquals(e[1]!, 1.5, ATOL_HAND);
  assertAlmostEquals(e[2]!, 2.5, ATOL_HAND);
  assertAlmostEquals(e[3]!, 3.5, ATOL_HAND);
  // Wilder ema(2): a = 1/2; seed 1.5; 0.5*3 + 0.5*1.5 = 2.25; 0.5*10 + 0.5*2.25 = 6.125
  const w = ema(f([1, 2, 3, 10]), 2, { wilder: true });
  assertAlmostEquals(w[2]!, 2.25, ATOL_HAND);
  assertAlmostEquals(w[3]!, 6.125, ATOL_HAND);
});

Deno.test("rsi: hand-worked Wilder values", () => {
  // changes: +1, +1, -1; window 2: seed up=1, dn=0 -> 100; then up=0.5, dn=0.5 -> 50
  const r = rsi(f([1, 2, 3, 2]), 2);
  assert(Number.isNaN(r[1]!));
  assertAlmostEquals(r[2]!, 100, ATOL_HAND);
  assertAlmostEquals(r[3]!, 50, ATOL_HAND);
  // changes +2, -1 (window 2): up 1, dn 0.5 -> 100 * 1 / 1.5
  assertAlmostEquals(rsi(f([1, 3, 2]), 2)[2]!, 200 / 3, ATOL_HAND);
});

Deno.test("bollinger uses the population standard deviation", () => {
  // window 2 on [1, 3]: mean 2, population sd 1 (sample sd would be sqrt(2))
  const b = bollinger(f([1, 3]), { window: 2, k: 1 });
  assertAlmostEquals(b.middle[1]!, 2, ATOL_HAND);
  assertAlmostEquals(b.upper[1]!, 3, ATOL_HAND);
  assertAlmostEquals(b.lower[1]!, 1, ATOL_HAND);
});

Deno.test("atr, roc, stochastic: hand-worked values", () => {
  // TR_1 = max(12, 10) - min(9, 10) = 3; TR_2 = max(11, 11) - min(10, 11) = 1 -> ATR(2) = 2
  const a = atr({ high: f([11, 12, 11]), low: f([9, 9, 10]), close: f([10, 11, 10.5]) }, 2);
  assert(Number.isNaN(a[1]!));
  assertAlmostEquals(a[2]!, 2, ATOL_HAND);
  const r = roc(f([100, 110, 121]), 1);
  assertAlmostEquals(r[2]!, 0.1, ATOL_HAND);
  assertAlmostEquals(roc(f([1, Math.E]), 1, { type: "continuous" })[1]!, 1, ATOL_HAND);
  // window 2: HH = 12, LL = 9, C = 11 -> 100 * 2/3
  const s = stochastic({ high: f([11, 12]), low: f([9, 10]), close: f([10, 11]) }, {
    kWindow: 2,
    dWindow: 1,
  });
  assertAlmostEquals(s.k[1]!, 200 / 3, ATOL_HAND);
  assertAlmostEquals(s.d[1]!, 200 / 3, ATOL_HAND);
});

Deno.test("macd: signal is the EMA of macd and hist their difference (hand-worked, 1/2/2)", () => {
  const x = f([1, 2, 4, 8, 16]);
  const m = macd(x, { fast: 1, slow: 2, signal: 2 });
  // ema1 = x; ema2: seed 1.5, then 2/3*4 + 1/3*1.5 = 19/6, 2/3*8 + 19/18 = 115/18
  assertAlmostEquals(m.macd[1]!, 0.5, ATOL_HAND);
  assertAlmostEquals(m.macd[2]!, 4 - 19 / 6, ATOL_HAND);
  assertAlmostEquals(m.signal[2]!, (0.5 + 4 - 19 / 6) / 2, ATOL_HAND);
  assertAlmostEquals(m.hist[2]!, m.macd[2]! - m.signal[2]!, ATOL_HAND);
});

Deno.test("indicators match R TTR 0.24.3 on ttrc (1000 days)", () => {
  const c = ttr.close!;
  assertColumnsClose(sma(c, 10), ttr.sma_10!, RTOL_TTR, "sma_10");
  assertColumnsClose(ema(c, 10), ttr.ema_10!, RTOL_TTR, "ema_10");
  assertColumnsClose(ema(c, 10, { wilder: true }), ttr.ema_10_wilder!, RTOL_TTR, "ema_10_wilder");
  assertColumnsClose(rsi(c, 14), ttr.rsi_14!, RTOL_TTR, "rsi_14");
  const m = macd(c);
  assertColumnsClose(m.macd, ttr.macd!, RTOL_TTR, "macd");
  assertColumnsClose(m.signal, ttr.macd_signal!, RTOL_TTR, "macd_signal");
  assertColumnsClose(m.hist, ttr.macd_hist!, RTOL_TTR, "macd_hist");
  const b = bollinger(c);
  assertColumnsClose(b.lower, ttr.bb_lower!, RTOL_TTR, "bb_lower");
  assertColumnsClose(b.middle, ttr.bb_middle!, RTOL_TTR, "bb_middle");
  assertColumnsClose(b.upper, ttr.bb_upper!, RTOL_TTR, "bb_upper");
  assertColumnsClose(atr(hlc, 14), ttr.atr_14!, RTOL_TTR, "atr_14");
  assertColumnsClose(roc(c, 5), ttr.roc_5!, RTOL_TTR, "roc_5");
  assertColumnsClose(roc(c, 5, { type: "continuous" }), ttr.roc_5_log!, RTOL_TTR, "roc_5_log");
  const s = stochastic(hlc, { kWindow: 14, dWindow: 3 });
  const pct = (x: Float64Array) => x.map((v) => v * 100);
  assertColumnsClose(s.k, pct(ttr.stoch_k!), RTOL_TTR, "stoch_k");
  assertColumnsClose(s.d, pct(ttr.stoch_d!), RTOL_TTR, "stoch_d");
});

Deno.test("edge cases: empty, one observation, all-NaN, constant, leading NaN", () => {
  const empty = new Float64Array(0);
  for (const out of [sma(empty, 3), ema(empty, 3), rsi(empty), roc(empty, 2), macd(empty).macd]) {
    assertEquals(out.length, 0);
  }
  const one = f([5]);
  for (const out of [sma(one, 3), ema(one, 3), rsi(one), roc(one, 1), bollinger(one).upper]) {
    assertEquals(out.length, 1);
    assert(Number.isNaN(out[0]!));
  }
  const nan = new Float64Array(30).fill(NaN);
  for (
    const out of [
      sma(nan, 3),
      ema(nan, 3),
      rsi(nan),
      macd(nan).hist,
      atr({ high: nan, low: nan, close: nan }),
    ]
  ) {
    assert(out.every(Number.isNaN));
  }
  const flat = new Float64Array(40).fill(7);
  assertAlmostEquals(sma(flat, 5)[10]!, 7, ATOL_HAND);
  assertAlmostEquals(ema(flat, 5)[10]!, 7, ATOL_HAND);
  assertEquals(rsi(flat, 5)[10], 50);
  assertAlmostEquals(macd(flat).hist[39]!, 0, ATOL_HAND);
  const b = bollinger(flat);
  assertAlmostEquals(b.upper[30]! - b.lower[30]!, 0, ATOL_HAND);
  assertEquals(stochastic({ high: flat, low: flat, close: flat }).k[20], 50);
  assertAlmostEquals(atr({ high: flat, low: flat, close: flat }, 5)[10]!, 0, ATOL_HAND);
  // leading NaNs shift the warm-up, as in TTR
  const lead = f([NaN, NaN, 1, 2, 3]);
  const e = ema(lead, 2);
  assert(Number.isNaN(e[2]!));
  assertAlmostEquals(e[3]!, 1.5, ATOL_HAND);
});

Deno.test("bad values: interior NaN rejected by recursions, NaN windows in window kernels", () => {
  const gap = f([1, 2, NaN, 4, 5, 6]);
  assertThrows(() => ema(gap, 2), RangeError, "index 2");
  assertThrows(() => rsi(gap, 2), RangeError);
  assertThrows(() => macd(gap), RangeError);
  const s = sma(gap, 2);
  assert(Number.isNaN(s[2]!) && Number.isNaN(s[3]!));
  assertAlmostEquals(s[4]!, 4.5, ATOL_HAND);
  assertThrows(() => sma(gap, 0), RangeError, "window 0");
  assertThrows(() => atr({ high: f([1]), low: f([1, 2]), close: f([1]) }), RangeError, "length");
});

Deno.test("inputs are not modified", () => {
  const c = Float64Array.from(ttr.close!);
  const before = Float64Array.from(c);
  sma(c, 5), ema(c, 5), rsi(c), macd(c), bollinger(c), roc(c, 3), atr({ ...hlc, close: c });
  assertEquals(c, before);
});
