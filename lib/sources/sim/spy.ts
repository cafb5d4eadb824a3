/**
 * The index ETF "SPY": a daily-resolution path generated once for the whole date range, and
 * second bars generated on demand per session, conditioned on that session's open and close.
 *
 * Daily model (d = session index, sd = sigma_ann / sqrt(252)):
 * - Log-volatility AR(1) with leverage: ln sigma_d = ln 0.16 + 0.97 (ln sigma_{d-1} - ln 0.16)
 *   + 0.07 (rho e_{d-1} + sqrt(1 - rho^2) u_d), rho = -0.6, e = standardized total return.
 * - Overnight return (planted effect, strength s = effects.overnight):
 *   r_on,d = sd_on (s z_{d-1} + sqrt(1 - s^2) eps_d) - sd_on^2 / 2, sd_on = sqrt(0.2) sd_d,
 *   z_{d-1} = (r_id,d-1 - mu_id,d-1) / sd_id,d-1 the standardized open-to-close log return of
 *   the previous session. So corr(r_on,d / sd_on,d, z_{d-1}) = s (0 in the null world).
 * - Intraday: r_id,d = mu_id,d + sd_id eps'_d + sum of jumps, sd_id = sqrt(0.8) sd_d,
 *   mu_id = 0.07 / 252 - sd_id^2 / 2, jumps Poisson(0.08) per day of size N(-0.004, 0.012).
 * - Quarterly dividends with ex-date on the third Friday of Mar/Jun/Sep/Dec (the previous session
 *   when that is a holiday), amount = round(0.013 / 4 * previous close, 0.01):
 *   open_d = close_{d-1} e^{r_on,d} - dividend.
 * - Session volume 60e6 (sigma_d / 0.16) e^{0.25 z - 0.03}.
 * Second bars: `_intraday.ts` (bridge from open to close with the U-shape and the day's jumps).
 */
import type { Rng } from "../../core/random.ts";
import { TRADING_DAYS_PER_YEAR } from "../../core/constants.ts";
import { aggregateAll, aggregateBars, type Bars, type PackedBars, unpackBars } from "./bars.ts";
import { intradayAggregates, intradayBars, type IntradaySpec } from "./_intraday.ts";
import { sessionBounds } from "./_calendar.ts";
import { LruCache } from "./_lru.ts";

export const SPY_OVERNIGHT_VAR_SHARE = 0.2;
/** Index points of "I:SPX" (and FRED SP500) per SPY dollar. */
export const SPX_PER_SPY = 10.05;
const SIGMA_BAR = 0.16;

/** The daily state of SPY, one entry per session. */
export interface SpyDaily {
  days: string[];
  /** Unrounded session open and close (the bridge endpoints). */
  open: Float64Array;
  close: Float64Array;
  /** Annualized volatility state. */
  sigma: Float64Array;
  /** Overnight and open-to-close log returns. */
  retOvernight: Float64Array;
  retIntraday: Float64Array;
  /** Standardized open-to-close return z_d (the overnight predictor of day d+1). */
  zIntraday: Float64Array;
  /** Cash dividend going ex at the open (0 on most days). */
  dividend: Float64Array;
  volume: Float64Array;
  jumps: number[][];
}

/** Sessions whose open is the ex-date of a SPY dividend (third Friday of quarter-end months). */
function isDividendDay(days: string[], i: number): boolean {
  const d = days[i]!;
  const m = Number(d.slice(5, 7));
  if (m % 3 !== 0) return false;
  const third = thirdFriday(Number(d.slice(0, 4)), m);
  if (d === third) return true;
  // Third Friday is a holiday: the previous session goes ex.
  const next = days[i + 1];
  return d < third && next !== undefined && next > third;
}

/** ISO date of the third Friday of a month. */
export function thirdFriday(year: number, month: number): string {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const offset = (5 - first.getUTCDay() + 7) % 7;
  return new Date(Date.UTC(year, month - 1, 1 + offset + 14)).toISOString().slice(0, 10);
}

/** Generate the daily path. */
export function spyDaily(rng: Rng, days: string[], start: number, overnight: number): SpyDaily {
  const n = days.length;
  const out: SpyDaily = {
    days,
    open: new Float64Array(n),
    close: new Float64Array(n),
    sigma: new Float64Array(n),
    retOvernight: new Float64Array(n),
    retIntraday: new Float64Array(n),
    zIntraday: new Float64Array(n),
    dividend: new Float64Array(n),
    volume: new Float64Array(n),
    jumps: [],
  };
  const r = rng.fork("spy-daily");
  let h = Math.log(SIGMA_BAR) + 0.2 * r.normal();
  let ePrev = 0;
  let zPrev = 0;
  let prevClose = start;
  const sOn = overnight;
  for (let d = 0; d < n; d++) {
    h = Math.log(SIGMA_BAR) + 0.97 * (h - Math.log(SIGMA_BAR)) +
      0.07 * (-0.6 * ePrev + 0.8 * r.normal());
    const sigma = Math.exp(h);
    const sd = sigma / Math.sqrt(TRADING_DAYS_PER_YEAR);
    const sdOn = Math.sqrt(SPY_OVERNIGHT_VAR_SHARE) * sd;
    const sdId = Math.sqrt(1 - SPY_OVERNIGHT_VAR_SHARE) * sd;
    const epsOn = r.normal();
    const rOn = d === 0
      ? 0
      : sdOn * (sOn * zPrev + Math.sqrt(1 - sOn * sOn) * epsOn) - sdOn * sdOn / 2;
    const epsId = r.normal();
    const jumps: number[] = [];
    const nj = r.poisson(0.08);
    for (let j = 0; j < nj; j++) jumps.push(-0.004 + 0.012 * r.normal());
    const muId = 0.07 / TRADING_DAYS_PER_YEAR - sdId * sdId / 2;
    const rId = muId + sdId * epsId + jumps.reduce((s, x) => s + x, 0);
    const div = d > 0 && isDividendDay(days, d) ? Math.round(0.013 / 4 * prevClose * 100) / 100 : 0;
    const open = d === 0 ? start : prevClose * Math.exp(rOn) - div;
    const close = open * Math.exp(rId);
    out.open[d] = open;
    out.close[d] = close;
    out.sigma[d] = sigma;
    out.retOvernight[d] = rOn;
    out.retIntraday[d] = rId;
    out.zIntraday[d] = (rId - muId) / sdId;
    out.dividend[d] = div;
    out.volume[d] = 60e6 * (sigma / SIGMA_BAR) * Math.exp(0.25 * r.normal() - 0.03);
    out.jumps.push(jumps);
    ePrev = (rOn + rId) / sd;
    zPrev = out.zIntraday[d]!;
    prevClose = close;
  }
  return out;
}

/**
 * Sessions of SPY minute bars kept once generated (about 25 KB each, so at most ~25 MB): enough
 * for the demo's 500 minute sessions and a few years of sim-server traffic without regenerating.
 */
const MINUTE_SESSIONS = 1024;

/**
 * Lazily generated SPY bars. A session's second bars are generated once per request of its
 * seconds (the last few sessions kept), and every generation also leaves the session's minute
 * bars and day bar behind, so a day bar, its minutes and the VIX and SPX minutes built on them
 * never generate the same session twice.
 */
export class SpyBars {
  #daily: SpyDaily;
  #rng: Rng;
  #index: Map<string, number>;
  #seconds = new LruCache<string, Bars>(6);
  #minutes = new LruCache<string, Bars>(MINUTE_SESSIONS);
  #dayBars = new Map<string, Bars>();
  #generated = 0;

  constructor(rng: Rng, daily: SpyDaily) {
    this.#rng = rng;
    this.#daily = daily;
    this.#index = new Map(daily.days.map((d, i) => [d, i]));
  }

  get daily(): SpyDaily {
    return this.#daily;
  }

  /** How many sessions of second bars have been generated so far (cache misses). */
  get sessionsGenerated(): number {
    return this.#generated;
  }

  /** The generator inputs of session `i`. */
  #spec(date: string, i: number): IntradaySpec {
    const b = sessionBounds(date)!;
    const d = this.#daily;
    return {
      openMs: b.open.getTime(),
      steps: (b.close.getTime() - b.open.getTime()) / 1000,
      stepMs: 1000,
      open: d.open[i]!,
      close: d.close[i]!,
      sdIntraday: d.sigma[i]! / Math.sqrt(TRADING_DAYS_PER_YEAR) *
        Math.sqrt(1 - SPY_OVERNIGHT_VAR_SHARE),
      volume: d.volume[i]!,
      jumps: d.jumps[i]!,
      tradeSize: 180,
      minTrades: 4,
      lot: 100,
    };
  }

  /** Keep a session's minute and day bars (from its seconds when they are at hand). */
  #keep(date: string, minutes: () => Bars, day: () => Bars): void {
    this.#minutes.getOrSet(date, minutes);
    if (!this.#dayBars.has(date)) this.#dayBars.set(date, day());
  }

  /** Generate a session's minute and day bars only (the seconds are not stored). */
  #aggregatesOf(date: string): boolean {
    const i = this.#index.get(date);
    if (i === undefined) return false;
    const s = this.#seconds.has(date) ? this.secondBars(date)! : undefined;
    if (s) {
      this.#keep(
        date,
        () => aggregateBars(s, 60_000, 0),
        () => aggregateAll(s, etMidnightMs(date)),
      );
      return true;
    }
    this.#generated++;
    const agg = intradayAggregates(this.#rng.fork(`spy:${date}`).seed, this.#spec(date, i), {
      windowMs: 60_000,
      dayMs: etMidnightMs(date),
    });
    this.#keep(date, () => agg.windows!, () => agg.day);
    return true;
  }

  /**
   * Take a session's minute and day bars generated elsewhere from this world's config (a
   * prefetch worker: the same bars, bit for bit); false when `date` is not a session or both are
   * already here. Not counted in `sessionsGenerated`.
   */
  adopt(date: string, minutes: PackedBars, day: PackedBars): boolean {
    if (!this.#index.has(date)) return false;
    const hasMin = this.#minutes.has(date), hasDay = this.#dayBars.has(date);
    if (hasMin && hasDay) return false;
    if (!hasMin) this.#minutes.getOrSet(date, () => unpackBars(minutes));
    if (!hasDay) this.#dayBars.set(date, unpackBars(day));
    return true;
  }

  /**
   * Take a session's second bars generated elsewhere from this world's config (a prefetch
   * worker: the same bars, bit for bit), with its minute and day bars aggregated from them as
   * {@link secondBars} does; false when `date` is not a session or its seconds are already here.
   * Not counted in `sessionsGenerated`.
   */
  adoptSeconds(date: string, seconds: PackedBars): boolean {
    if (!this.#index.has(date) || this.#seconds.has(date)) return false;
    const s = unpackBars(seconds);
    this.#seconds.getOrSet(date, () => s);
    this.#keep(
      date,
      () => aggregateBars(s, 60_000, 0),
      () => aggregateAll(s, etMidnightMs(date)),
    );
    return true;
  }

  /** Second bars of a session (empty when `date` is not a simulated session). */
  secondBars(date: string): Bars | undefined {
    const i = this.#index.get(date);
    if (i === undefined) return undefined;
    return this.#seconds.getOrSet(date, () => {
      this.#generated++;
      const s = intradayBars(this.#rng.fork(`spy:${date}`).seed, this.#spec(date, i));
      this.#keep(
        date,
        () => aggregateBars(s, 60_000, 0),
        () => aggregateAll(s, etMidnightMs(date)),
      );
      return s;
    });
  }

  /** Minute bars of a session: exact aggregation of the second bars. */
  minuteBars(date: string): Bars | undefined {
    const hit = this.#minutes.get(date);
    if (hit) return hit;
    return this.#aggregatesOf(date) ? this.#minutes.get(date) : undefined;
  }

  /** The session's day bar (aggregation of the second bars), stamped at ET midnight. */
  dayBar(date: string): Bars | undefined {
    const hit = this.#dayBars.get(date);
    if (hit) return hit;
    return this.#aggregatesOf(date) ? this.#dayBars.get(date) : undefined;
  }
}

/** Epoch ms of midnight America/New_York at the start of `date` (vendors' daily bar stamp). */
export function etMidnightMs(date: string): number {
  const b = sessionBounds(date);
  if (b) return b.open.getTime() - (9 * 60 + 30) * 60_000;
  // Non-session day: DST offset from noon UTC.
  const noon = Date.parse(date + "T12:00:00Z");
  const ny = new Date(noon).toLocaleString("en-US", {
    timeZone: "America/New_York",
    hour12: false,
  });
  const hour = Number(ny.split(", ")[1]!.slice(0, 2));
  return Date.parse(date + "T00:00:00Z") + (12 - hour) * 3_600_000;
}
