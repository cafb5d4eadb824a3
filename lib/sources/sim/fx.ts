/**
 * FX pairs on the FX week (Sunday 17:00 to Friday 17:00 America/New_York). An FX day D (Mon-Fri)
 * runs from 17:00 New York on the previous calendar day to 17:00 on D: 1440 one-minute candles.
 * Daily mid path: log-return N(0, (vol / sqrt(260))^2), vol per pair (EUR 7%, GBP 8%, JPY 9%,
 * CHF 7%, AUD 10%, CAD 6%); minutes from the same Brownian bridge as the equities, ticked at
 * 1e-5 (1e-3 for JPY). Bid/ask = mid -/+ h with h = pip * (0.4, or 1.5 in the 17:00-18:00 roll
 * hour), so mid = (bid + ask) / 2 exactly on the tick grid. Volume = tick count.
 */
import type { Rng } from "../../core/random.ts";
import { DateTime } from "luxon";
import { intradayBars } from "./_intraday.ts";
import type { Bars } from "./bars.ts";
import { LruCache } from "./_lru.ts";

const PAIRS: Record<string, { start: number; vol: number }> = {
  EUR_USD: { start: 1.09, vol: 0.07 },
  GBP_USD: { start: 1.27, vol: 0.08 },
  USD_JPY: { start: 148, vol: 0.09 },
  USD_CHF: { start: 0.88, vol: 0.07 },
  AUD_USD: { start: 0.66, vol: 0.1 },
  USD_CAD: { start: 1.35, vol: 0.06 },
};

/** Minute candles of one FX day: mid bars plus the half-spread per minute. */
export interface FxDay {
  mid: Bars;
  halfSpread: Float64Array;
  tick: number;
}

/** Tick size of a pair (1e-3 for JPY crosses, else 1e-5). */
export function fxTick(pair: string): number {
  return pair.includes("JPY") ? 1e-3 : 1e-5;
}

/** FX days (Mon-Fri) between two dates inclusive. */
export function fxDays(start: string, end: string): string[] {
  const out: string[] = [];
  for (
    let t = Date.parse(start + "T00:00:00Z");
    t <= Date.parse(end + "T00:00:00Z");
    t += 86_400_000
  ) {
    const wd = new Date(t).getUTCDay();
    if (wd >= 1 && wd <= 5) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

// Memo of fxDayStartMs: the candles route asks it for every FX day of the world per request.
const dayStartMemo = new Map<string, number>();

/**
 * Start instant (epoch ms) of FX day D: 17:00 New York on the previous calendar day (remembered
 * per date: the zone rules are fixed for the process).
 */
export function fxDayStartMs(date: string): number {
  let ms = dayStartMemo.get(date);
  if (ms === undefined) {
    ms = DateTime.fromISO(date, { zone: "America/New_York" }).minus({ days: 1 }).set({ hour: 17 })
      .toMillis();
    dayStartMemo.set(date, ms);
  }
  return ms;
}

export class FxMarket {
  readonly pairs: string[];
  readonly days: string[];
  #closes = new Map<string, Float64Array>();
  #rng: Rng;
  #cache = new LruCache<string, FxDay>(32);

  constructor(rng: Rng, pairs: string[], start: string, end: string) {
    this.#rng = rng.fork("fx");
    this.pairs = pairs.filter((p) => PAIRS[p] !== undefined);
    this.days = fxDays(start, end);
    for (const p of this.pairs) {
      const spec = PAIRS[p]!;
      const r = this.#rng.fork(`daily:${p}`);
      const closes = new Float64Array(this.days.length + 1);
      closes[0] = spec.start * Math.exp(0.03 * r.normal());
      for (let i = 1; i <= this.days.length; i++) {
        closes[i] = closes[i - 1]! * Math.exp(spec.vol / Math.sqrt(260) * r.normal());
      }
      this.#closes.set(p, closes);
    }
  }

  /** Minute candles of `pair` on FX day `date`, or undefined outside the range. */
  day(pair: string, date: string): FxDay | undefined {
    const closes = this.#closes.get(pair);
    const i = this.days.indexOf(date);
    if (!closes || i < 0) return undefined;
    return this.#cache.getOrSet(`${pair}:${date}`, () => {
      const tick = fxTick(pair);
      const spec = PAIRS[pair]!;
      const mid = intradayBars(this.#rng.fork(`${pair}:${date}`).seed, {
        openMs: fxDayStartMs(date),
        steps: 1440,
        stepMs: 60_000,
        open: closes[i]!,
        close: closes[i + 1]!,
        sdIntraday: spec.vol / Math.sqrt(260),
        volume: 60_000,
        jumps: [],
        tradeSize: 1,
        minTrades: 1,
        lot: 1,
        tick,
      });
      const half = new Float64Array(1440);
      for (let k = 0; k < 1440; k++) half[k] = (k < 60 ? 15 : 4) * tick;
      return { mid, halfSpread: half, tick };
    });
  }
}
