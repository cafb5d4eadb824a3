/**
 * The point-in-time harness over every feature and label in lib/features and lib/labels, and a
 * deliberately leaky feature that it must catch.
 */
import { assert, assertThrows } from "../_assert.ts";
import { Rng } from "../../lib/core/mod.ts";
import { assertPointInTime, checkPointInTime } from "../../lib/features/point_in_time.ts";
import * as tech from "../../lib/features/technical.ts";
import * as vol from "../../lib/features/volatility.ts";
import { intradayReturns, overnightReturns } from "../../lib/features/returns.ts";
import { crossSectionalFeatures } from "../../lib/features/cross_sectional.ts";
import { buildDailyFeaturePanel } from "../../lib/features/daily_panel.ts";
import {
  ewmVolatility,
  forwardReturns,
  metaLabels,
  overnightLabels,
  panelLabels,
  sampleUniqueness,
  tripleBarrier,
} from "../../lib/labels/mod.ts";
import { tradingDays } from "../../lib/time/mod.ts";

function ohlcv(n: number, seed = 3) {
  const rng = new Rng(seed);
  const open = new Float64Array(n), high = new Float64Array(n), low = new Float64Array(n);
  const close = new Float64Array(n), volume = new Float64Array(n);
  let p = 100;
  for (let i = 0; i < n; i++) {
    open[i] = p * Math.exp(0.003 * rng.normal());
    p = open[i]! * Math.exp(0.01 * rng.normal());
    close[i] = p;
    high[i] = Math.max(open[i]!, close[i]!) * (1 + 0.004 * rng.uniform());
    low[i] = Math.min(open[i]!, close[i]!) * (1 - 0.004 * rng.uniform());
    volume[i] = 1e5 * (1 + rng.uniform());
  }
  return { open, high, low, close, volume };
}

const bars = ohlcv(160);

const features: Record<
  string,
  (x: Record<string, Float64Array>) => ArrayLike<number> | Record<string, ArrayLike<number>>
> = {
  sma: (x) => tech.sma(x.close!, 10),
  ema: (x) => tech.ema(x.close!, 10),
  rsi: (x) => tech.rsi(x.close!, 14),
  macd: (x) => tech.macd(x.close!),
  bollinger: (x) => tech.bollinger(x.close!),
  atr: (x) => tech.atr({ high: x.high!, low: x.low!, close: x.close! }),
  roc: (x) => tech.roc(x.close!, 5),
  stochastic: (x) => tech.stochastic({ high: x.high!, low: x.low!, close: x.close! }),
  closeToCloseVol: (x) => vol.closeToCloseVol(x.close!),
  parkinsonVol: (x) => vol.parkinsonVol({ high: x.high!, low: x.low! }),
  garmanKlassVol: (x) => vol.garmanKlassVol(x as unknown as vol.Ohlc),
  rogersSatchellVol: (x) => vol.rogersSatchellVol(x as unknown as vol.Ohlc),
  yangZhangVol: (x) => vol.yangZhangVol(x as unknown as vol.Ohlc),
  overnightReturns: (x) => overnightReturns({ open: x.open!, close: x.close! }),
  intradayReturns: (x) => intradayReturns({ open: x.open!, close: x.close! }),
  ewmVolatility: (x) => ewmVolatility(x.close!, { span: 10 }),
};

for (const [name, fn] of Object.entries(features)) {
  Deno.test(`point in time: feature ${name}`, () => {
    assertPointInTime(fn, bars);
  });
}

Deno.test("point in time: session realised measures (cumulative per session)", () => {
  const session = Int32Array.from({ length: 160 }, (_, i) => Math.floor(i / 16));
  // output per session, known at the session's last bar: width 16 inputs per output step
  assertPointInTime((x) => vol.sessionRealized(x.close!, session).rv, bars, {
    width: 16,
    outputWidth: 1,
  });
});

Deno.test("point in time: cross-sectional panel features", () => {
  const nS = 4, dates = tradingDays("2019-01-02", "2020-06-30");
  const nT = dates.length;
  const close = new Float64Array(nT * nS), volume = new Float64Array(nT * nS);
  for (let s = 0; s < nS; s++) {
    const b = ohlcv(nT, 10 + s);
    for (let t = 0; t < nT; t++) {
      close[t * nS + s] = b.close[t]!;
      volume[t * nS + s] = b.volume[t]!;
    }
  }
  const symbols = ["A", "B", "C", "D"];
  for (const normalize of ["none", "rank"] as const) {
    assertPointInTime(
      (x) =>
        crossSectionalFeatures({ dates, symbols, close: x.close!, volume: x.volume! }, {
          normalize,
        }),
      { close, volume },
      { width: nS, cutoffs: [260, 300, 330, 370] },
    );
  }
});

const H = 7;
const labels: Record<
  string,
  [
    number,
    (x: Record<string, Float64Array>) => ArrayLike<number> | Record<string, ArrayLike<number>>,
  ]
> = {
  forwardReturns: [3, (x) => forwardReturns(x.close!, { horizon: 3 })],
  overnightLabels: [1, (x) => overnightLabels({ open: x.open!, close: x.close! })],
  tripleBarrier: [H, (x) => {
    const r = tripleBarrier(x.close!, {
      maxHolding: H,
      vol: ewmVolatility(x.close!, { span: 10 }),
    });
    return { label: r.label, t1: r.t1, ret: r.ret };
  }],
  metaLabels: [H, (x) => {
    const side = tech.roc(x.close!, 3).map((v) => Math.sign(v));
    return metaLabels(x.close!, { side, maxHolding: H, vol: ewmVolatility(x.close!, { span: 10 }) })
      .meta;
  }],
  sampleUniqueness: [2 * H, (x) => {
    const r = tripleBarrier(x.close!, {
      maxHolding: H,
      vol: ewmVolatility(x.close!, { span: 10 }),
    });
    return sampleUniqueness(r, x.close!.length).uniqueness;
  }],
};

for (const [name, [horizon, fn]] of Object.entries(labels)) {
  Deno.test(`point in time: label ${name} looks ahead at most ${horizon} bars`, () => {
    assertPointInTime(fn, bars, { horizon });
    // and it does look ahead: with horizon 0 the harness must object
    assert(!checkPointInTime(fn, bars, { horizon: 0 }).ok, `${name} should use future data`);
  });
}

Deno.test("point in time: forward returns over sessions look ahead at most two sessions", () => {
  const session = Int32Array.from({ length: 160 }, (_, i) => Math.floor(i / 10));
  // a label at bar t runs to the end of the next session: at most 2 * 10 - 1 bars ahead
  assertPointInTime((x) => forwardReturns(x.close!, { session, horizon: 1 }), bars, {
    horizon: 19,
  });
});

Deno.test("the harness catches a deliberately leaky feature", () => {
  // centred moving average: uses x[t + 1]
  const leaky = (x: Record<string, Float64Array>) => {
    const c = x.close!;
    return c.map((_, i) => (i > 0 && i + 1 < c.length ? (c[i - 1]! + c[i]! + c[i + 1]!) / 3 : NaN));
  };
  const rep = checkPointInTime(leaky, bars);
  assert(!rep.ok && rep.violations.length > 0);
  assert(rep.violations.every((v) => v.time <= v.cutoff));
  assertThrows(() => assertPointInTime(leaky, bars), Error, "Point-in-time violation");
  // a label claiming horizon 1 while looking 3 bars ahead is caught too
  assertThrows(
    () => assertPointInTime((x) => forwardReturns(x.close!, { horizon: 3 }), bars, { horizon: 1 }),
    Error,
    "Point-in-time violation",
  );
});

Deno.test("point in time: the daily feature panel (every feature) and panel labels", () => {
  const nS = 3, dates = tradingDays("2019-01-02", "2020-03-31");
  const nT = dates.length;
  const grid = {
    open: new Float64Array(nT * nS),
    high: new Float64Array(nT * nS),
    low: new Float64Array(nT * nS),
    close: new Float64Array(nT * nS),
    volume: new Float64Array(nT * nS),
  };
  for (let s = 0; s < nS; s++) {
    const b = ohlcv(nT, 20 + s);
    for (let t = 0; t < nT; t++) {
      for (const k of ["open", "high", "low", "close", "volume"] as const) {
        grid[k][t * nS + s] = b[k][t]!;
      }
    }
  }
  const symbols = ["A", "B", "C"];
  const toBars = (x: Record<string, Float64Array>) =>
    symbols.map((symbol, s) => {
      const pick = (k: string) => Float64Array.from({ length: nT }, (_, t) => x[k]![t * nS + s]!);
      return {
        symbol,
        dates,
        open: pick("open"),
        high: pick("high"),
        low: pick("low"),
        close: pick("close"),
        volume: pick("volume"),
      };
    });
  assertPointInTime((x) => buildDailyFeaturePanel(toBars(x)).features, grid, {
    width: nS,
    cutoffs: [40, 200, 300],
  });
  for (
    const [spec, h] of [[{ kind: "forward_return", horizon: 5 }, 5], [{ kind: "overnight" }, 1], [{
      kind: "triple_barrier",
      maxHolding: 6,
    }, 6]] as const
  ) {
    assertPointInTime(
      (x) => {
        const p = buildDailyFeaturePanel(toBars(x), { features: ["roc_5"] });
        const y = panelLabels(p, spec);
        return { label: y.label, t1: y.t1Ms };
      },
      grid,
      { width: nS, horizon: h, cutoffs: [40, 200, 300] },
    );
  }
});
