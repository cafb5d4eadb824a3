/**
 * Macro series for FRED/ALFRED with real frequencies, release lags and revisions.
 *
 * Each series has observation dates on its own grid (daily = weekdays, weekly = a fixed weekday,
 * monthly = the 1st), true values, and a release schedule: release 0 publishes
 * value_0 = true + e_0, revision j publishes value_j = true + e_j with e_j = e_0 (R - j) / R and
 * e_R = 0 (R = number of revisions), e_0 ~ N(0, revisionSd^2). A vintage date is a date on which
 * some value was published; the value known on date D is the latest release with date <= D, so
 * a later vintage never changes what an earlier vintage reported for the past.
 * Market-linked daily series reuse the simulated market: DTB3/DGS2/DGS10/T10Y2Y (rates.ts),
 * SP500 = the I:SPX close (SPX_PER_SPY = 10.05 times the SPY close), VIXCLS = I:VIX close, DJIA/NASDAQCOM follow SPY returns with beta
 * 0.9/1.2 plus noise; FEDFUNDS is the monthly mean of the daily fed funds rate. NYSE holidays are
 * "." (missing) in daily series. Observations begin 365 days before the simulated range (values
 * there come from a backward random walk ending at the first simulated value).
 */
import type { Rng } from "../../core/random.ts";
import { isTradingDay } from "./_calendar.ts";
import { roundPx } from "./_intraday.ts";
import { SPX_PER_SPY } from "./spy.ts";

export type FredFrequency = "D" | "W" | "M";

/** Static metadata of a series (FRED /series fields). */
export interface FredSeriesMeta {
  id: string;
  title: string;
  frequency: string;
  frequency_short: FredFrequency;
  units: string;
  units_short: string;
  seasonal_adjustment: string;
  seasonal_adjustment_short: string;
  popularity: number;
  decimals: number;
}

/** One published value: valid from `realtimeStart` until the next release of the same date. */
export interface FredRelease {
  realtimeStart: string;
  /** NaN = missing ("."). */
  value: number;
}

/** All vintages of a series. */
export interface FredSeriesData {
  meta: FredSeriesMeta;
  /** Observation dates ascending. */
  dates: string[];
  /** Releases per observation, ascending by realtimeStart (consecutive values differ). */
  releases: FredRelease[][];
  /** Distinct release dates, ascending. */
  vintageDates: string[];
  /** Latest release timestamp "YYYY-MM-DD HH:MM:SS-05" style. */
  lastUpdated: string;
}

interface Def {
  id: string;
  title: string;
  freq: FredFrequency;
  /** Weekday of weekly observations (0 Sunday .. 6 Saturday). */
  weekday?: number;
  units: string;
  unitsShort: string;
  sa: boolean;
  decimals: number;
  /** Release date of observation date `obs` and revision j (0 = first release). */
  release: (obs: string, j: number) => string;
  revisions: number;
  revisionSd: number;
  start: number;
  /** Step sd (or relative step for positive level series when `rel`). */
  step: number;
  rel?: boolean;
  link?: "dtb3" | "dgs2" | "dgs10" | "t10y2y" | "sp500" | "vix" | "djia" | "nasdaq" | "fedfunds";
  popularity: number;
}

const MS_DAY = 86_400_000;
// Date strings <-> day numbers, memoized: the vintage build walks every day of every series.
const dayNumOf = new Map<string, number>();
const isoOfDay = new Map<number, string>();
function toDay(d: string): number {
  let n = dayNumOf.get(d);
  if (n === undefined) {
    n = Math.floor(Date.parse(d + "T00:00:00Z") / MS_DAY);
    dayNumOf.set(d, n);
  }
  return n;
}
function fromDay(n: number): string {
  let d = isoOfDay.get(n);
  if (d === undefined) {
    d = new Date(n * MS_DAY).toISOString().slice(0, 10);
    isoOfDay.set(n, d);
  }
  return d;
}
function addDays(d: string, n: number): string {
  return fromDay(toDay(d) + n);
}
function weekday(d: string): number {
  return ((toDay(d) + 4) % 7 + 7) % 7;
}
function nextWeekday(d: string): string {
  let x = d;
  while (weekday(x) === 0 || weekday(x) === 6) x = addDays(x, 1);
  return x;
}
function monthShift(d: string, k: number): { y: number; m: number } {
  const y = Number(d.slice(0, 4)), m = Number(d.slice(5, 7)) - 1 + k;
  return { y: y + Math.floor(m / 12), m: ((m % 12) + 12) % 12 + 1 };
}
function ymd(y: number, m: number, day: number): string {
  return new Date(Date.UTC(y, m - 1, day)).toISOString().slice(0, 10);
}
function nthFriday(y: number, m: number, nth: number): string {
  const first = ymd(y, m, 1);
  return addDays(first, ((5 - weekday(first) + 7) % 7) + 7 * (nth - 1));
}
function lastFriday(y: number, m: number): string {
  const last = addDays(ymd(y, m + 1, 1), -1);
  return addDays(last, -((weekday(last) - 5 + 7) % 7));
}
const firstFridayNext = (k: number) => (obs: string) => {
  const { y, m } = monthShift(obs, k);
  return nthFriday(y, m, 1);
};
const dayOfMonth = (day: number, k: number) => (obs: string) => {
  const { y, m } = monthShift(obs, k);
  return nextWeekday(ymd(y, m, day));
};

const DAILY = (obs: string, _j: number) => nextWeekday(addDays(obs, 1));
/** A daily rate in percent (2 decimals), released the next weekday, never revised. */
const DAILY_PERCENT = {
  freq: "D",
  units: "Percent",
  unitsShort: "%",
  sa: false,
  decimals: 2,
  release: DAILY,
  revisions: 0,
  revisionSd: 0,
} as const;
/** University of Michigan survey: preliminary the 2nd Friday of the month, final the last. */
const MICHIGAN = (obs: string, j: number) => {
  const { y, m } = monthShift(obs, 0);
  return j === 0 ? nthFriday(y, m, 2) : lastFriday(y, m);
};

const DEFS: Def[] = [
  {
    id: "FEDFUNDS",
    title: "Federal Funds Effective Rate",
    freq: "M",
    units: "Percent",
    unitsShort: "%",
    sa: false,
    decimals: 2,
    release: (o) => dayOfMonth(1, 1)(o),
    revisions: 0,
    revisionSd: 0,
    start: 4,
    step: 0.1,
    link: "fedfunds",
    popularity: 98,
  },
  {
    id: "DTB3",
    title: "3-Month Treasury Bill Secondary Market Rate, Discount Basis",
    ...DAILY_PERCENT,
    start: 4,
    step: 0.02,
    link: "dtb3",
    popularity: 80,
  },
  {
    id: "DGS2",
    title:
      "Market Yield on U.S. Treasury Securities at 2-Year Constant Maturity, Quoted on an Investment Basis",
    ...DAILY_PERCENT,
    start: 4,
    step: 0.04,
    link: "dgs2",
    popularity: 82,
  },
  {
    id: "DGS10",
    title:
      "Market Yield on U.S. Treasury Securities at 10-Year Constant Maturity, Quoted on an Investment Basis",
    ...DAILY_PERCENT,
    start: 4,
    step: 0.05,
    link: "dgs10",
    popularity: 95,
  },
  {
    id: "T10Y2Y",
    title: "10-Year Treasury Constant Maturity Minus 2-Year Treasury Constant Maturity",
    ...DAILY_PERCENT,
    start: 0.2,
    step: 0.03,
    link: "t10y2y",
    popularity: 97,
  },
  {
    id: "CPIAUCSL",
    title: "Consumer Price Index for All Urban Consumers: All Items in U.S. City Average",
    freq: "M",
    units: "Index 1982-1984=100",
    unitsShort: "Index 1982-1984=100",
    sa: true,
    decimals: 3,
    release: (o) => dayOfMonth(12, 1)(o),
    revisions: 0,
    revisionSd: 0,
    start: 300,
    step: 0.0025,
    rel: true,
    popularity: 95,
  },
  {
    id: "PCEPILFE",
    title: "Personal Consumption Expenditures Excluding Food and Energy (Chain-Type Price Index)",
    freq: "M",
    units: "Index 2017=100",
    unitsShort: "Index 2017=100",
    sa: true,
    decimals: 3,
    release: (o, j) => {
      const { y, m } = monthShift(o, 1 + j);
      return lastFriday(y, m);
    },
    revisions: 2,
    revisionSd: 0.05,
    start: 120,
    step: 0.0022,
    rel: true,
    popularity: 80,
  },
  {
    id: "T5YIFR",
    title: "5-Year, 5-Year Forward Inflation Expectation Rate",
    ...DAILY_PERCENT,
    start: 2.3,
    step: 0.02,
    popularity: 70,
  },
  {
    id: "MICH",
    title: "University of Michigan: Inflation Expectation",
    freq: "M",
    units: "Percent",
    unitsShort: "%",
    sa: false,
    decimals: 1,
    release: MICHIGAN,
    revisions: 1,
    revisionSd: 0.1,
    start: 3,
    step: 0.15,
    popularity: 70,
  },
  {
    id: "PAYEMS",
    title: "All Employees, Total Nonfarm",
    freq: "M",
    units: "Thousands of Persons",
    unitsShort: "Thous. of Persons",
    sa: true,
    decimals: 0,
    release: (o, j) => firstFridayNext(1 + j)(o),
    revisions: 2,
    revisionSd: 40,
    start: 155000,
    step: 0.0012,
    rel: true,
    popularity: 93,
  },
  {
    id: "UNRATE",
    title: "Unemployment Rate",
    freq: "M",
    units: "Percent",
    unitsShort: "%",
    sa: true,
    decimals: 1,
    release: (o) => firstFridayNext(1)(o),
    revisions: 0,
    revisionSd: 0,
    start: 3.8,
    step: 0.1,
    popularity: 94,
  },
  {
    id: "ICSA",
    title: "Initial Claims",
    freq: "W",
    weekday: 6,
    units: "Number",
    unitsShort: "Number",
    sa: true,
    decimals: 0,
    release: (o, j) => addDays(o, 5 + 7 * j),
    revisions: 1,
    revisionSd: 3000,
    start: 220000,
    step: 0.03,
    rel: true,
    popularity: 85,
  },
  {
    id: "JTSJOL",
    title: "Job Openings: Total Nonfarm",
    freq: "M",
    units: "Level in Thousands",
    unitsShort: "Level in Thous.",
    sa: true,
    decimals: 0,
    release: (o, j) => dayOfMonth(8, 2 + j)(o),
    revisions: 1,
    revisionSd: 60,
    start: 8500,
    step: 0.02,
    rel: true,
    popularity: 75,
  },
  {
    id: "INDPRO",
    title: "Industrial Production: Total Index",
    freq: "M",
    units: "Index 2017=100",
    unitsShort: "Index 2017=100",
    sa: true,
    decimals: 4,
    release: (o, j) => dayOfMonth(16, 1 + j)(o),
    revisions: 5,
    revisionSd: 0.3,
    start: 103,
    step: 0.004,
    rel: true,
    popularity: 85,
  },
  {
    id: "USSLIND",
    title: "Leading Index for the United States",
    freq: "M",
    units: "Percent",
    unitsShort: "%",
    sa: true,
    decimals: 2,
    release: (o, j) => dayOfMonth(25, 1 + j)(o),
    revisions: 1,
    revisionSd: 0.1,
    start: 1.2,
    step: 0.15,
    popularity: 60,
  },
  {
    id: "UMCSENT",
    title: "University of Michigan: Consumer Sentiment",
    freq: "M",
    units: "Index 1966:Q1=100",
    unitsShort: "Index 1966:Q1=100",
    sa: false,
    decimals: 1,
    release: MICHIGAN,
    revisions: 1,
    revisionSd: 1,
    start: 70,
    step: 2.5,
    popularity: 85,
  },
  {
    id: "BAA10Y",
    title:
      "Moody's Seasoned Baa Corporate Bond Yield Relative to Yield on 10-Year Treasury Constant Maturity",
    ...DAILY_PERCENT,
    start: 1.8,
    step: 0.02,
    popularity: 75,
  },
  {
    id: "BAMLC0A4CBBB",
    title: "ICE BofA BBB US Corporate Index Option-Adjusted Spread",
    ...DAILY_PERCENT,
    start: 1.3,
    step: 0.02,
    popularity: 72,
  },
  {
    id: "STLFSI4",
    title: "St. Louis Fed Financial Stress Index",
    freq: "W",
    weekday: 5,
    units: "Index",
    unitsShort: "Index",
    sa: false,
    decimals: 4,
    release: (o) => addDays(o, 6),
    revisions: 0,
    revisionSd: 0,
    start: -0.5,
    step: 0.1,
    popularity: 70,
  },
  {
    id: "WALCL",
    title:
      "Assets: Total Assets: Total Assets (Less Eliminations from Consolidation): Wednesday Level",
    freq: "W",
    weekday: 3,
    units: "Millions of U.S. Dollars",
    unitsShort: "Mil. of U.S. $",
    sa: false,
    decimals: 0,
    release: (o) => addDays(o, 1),
    revisions: 0,
    revisionSd: 0,
    start: 7.5e6,
    step: 0.002,
    rel: true,
    popularity: 80,
  },
  {
    id: "SP500",
    title: "S&P 500",
    freq: "D",
    units: "Index",
    unitsShort: "Index",
    sa: false,
    decimals: 2,
    release: DAILY,
    revisions: 0,
    revisionSd: 0,
    start: 4700,
    step: 0.01,
    rel: true,
    link: "sp500",
    popularity: 90,
  },
  {
    id: "DJIA",
    title: "Dow Jones Industrial Average",
    freq: "D",
    units: "Index",
    unitsShort: "Index",
    sa: false,
    decimals: 2,
    release: DAILY,
    revisions: 0,
    revisionSd: 0,
    start: 37000,
    step: 0.009,
    rel: true,
    link: "djia",
    popularity: 85,
  },
  {
    id: "NASDAQCOM",
    title: "NASDAQ Composite Index",
    freq: "D",
    units: "Index Feb 5, 1971=100",
    unitsShort: "Index Feb 5, 1971=100",
    sa: false,
    decimals: 2,
    release: DAILY,
    revisions: 0,
    revisionSd: 0,
    start: 15000,
    step: 0.013,
    rel: true,
    link: "nasdaq",
    popularity: 85,
  },
  {
    id: "VIXCLS",
    title: "CBOE Volatility Index: VIX",
    freq: "D",
    units: "Index",
    unitsShort: "Index",
    sa: false,
    decimals: 2,
    release: DAILY,
    revisions: 0,
    revisionSd: 0,
    start: 14,
    step: 0.05,
    rel: true,
    link: "vix",
    popularity: 88,
  },
];

/** Ids of every simulated FRED series. */
export const FRED_SERIES_IDS: readonly string[] = DEFS.map((d) => d.id);

/** Market inputs per simulated session. */
export interface FredMarketInputs {
  days: string[];
  fedFunds: Float64Array;
  dtb3: Float64Array;
  dgs2: Float64Array;
  dgs10: Float64Array;
  spyClose: Float64Array;
  vixClose: Float64Array;
}

function obsDates(def: Def, from: string, to: string): string[] {
  const out: string[] = [];
  if (def.freq === "M") {
    let y = Number(from.slice(0, 4)), m = Number(from.slice(5, 7));
    for (;;) {
      const d = ymd(y, m, 1);
      if (d > to) break;
      out.push(d);
      m++;
      if (m > 12) {
        m = 1;
        y++;
      }
    }
    return out;
  }
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const wd = weekday(d);
    if (def.freq === "D" ? wd >= 1 && wd <= 5 : wd === def.weekday) out.push(d);
  }
  return out;
}

/** Build every series. `today` bounds what has been released. */
export function buildFredSeries(
  rng: Rng,
  mk: FredMarketInputs,
  today: string,
): Map<string, FredSeriesData> {
  const r = rng.fork("fred");
  const out = new Map<string, FredSeriesData>();
  const first = mk.days[0]!;
  const from = addDays(first, -365);
  const idx = new Map(mk.days.map((d, i) => [d, i]));
  // Index paths following SPY.
  const djia = new Float64Array(mk.days.length), nasdaq = new Float64Array(mk.days.length);
  {
    const rr = r.fork("indices");
    djia[0] = 37000;
    nasdaq[0] = 15000;
    for (let i = 1; i < mk.days.length; i++) {
      const ret = Math.log(mk.spyClose[i]! / mk.spyClose[i - 1]!);
      djia[i] = djia[i - 1]! * Math.exp(0.9 * ret + 0.003 * rr.normal());
      nasdaq[i] = nasdaq[i - 1]! * Math.exp(1.2 * ret + 0.004 * rr.normal());
    }
  }
  const fedFundsMonthly = new Map<string, { s: number; c: number }>();
  for (let i = 0; i < mk.days.length; i++) {
    const key = mk.days[i]!.slice(0, 7);
    const e = fedFundsMonthly.get(key) ?? { s: 0, c: 0 };
    e.s += mk.fedFunds[i]!;
    e.c++;
    fedFundsMonthly.set(key, e);
  }
  for (const def of DEFS) {
    const rs = r.fork(def.id);
    const dates = obsDates(def, from, today);
    const n = dates.length;
    const truth = new Float64Array(n).fill(NaN);
    // Linked values inside the simulated range.
    const linked = (d: string): number | undefined => {
      if (!def.link) return undefined;
      if (def.link === "fedfunds") {
        const mm = fedFundsMonthly.get(d.slice(0, 7));
        return mm ? Math.round(mm.s / mm.c * 100) / 100 : undefined;
      }
      const i = idx.get(d);
      if (i === undefined) return undefined;
      switch (def.link) {
        case "dtb3":
          return mk.dtb3[i];
        case "dgs2":
          return mk.dgs2[i];
        case "dgs10":
          return mk.dgs10[i];
        case "t10y2y":
          return Math.round((mk.dgs10[i]! - mk.dgs2[i]!) * 100) / 100;
        case "sp500":
          // Same value as the I:SPX close: the rounded SPY close times SPX_PER_SPY.
          return Math.round(roundPx(mk.spyClose[i]!) * SPX_PER_SPY * 100) / 100;
        case "vix":
          return mk.vixClose[i];
        case "djia":
          return djia[i];
        case "nasdaq":
          return nasdaq[i];
      }
    };
    let firstLinked = -1;
    for (let i = 0; i < n; i++) {
      const v = linked(dates[i]!);
      if (v !== undefined) {
        truth[i] = v;
        if (firstLinked < 0) firstLinked = i;
      }
    }
    // Free random walk: forward for unlinked series, backward before the first linked value.
    const stepOf = (x: number) => def.rel ? x * def.step * rs.normal() : def.step * rs.normal();
    if (firstLinked < 0) {
      let x = def.start;
      for (let i = 0; i < n; i++) {
        x = x + stepOf(x);
        if (def.rel || def.start > 0) x = Math.max(def.start * 0.1, x);
        truth[i] = x;
      }
    } else {
      let x = truth[firstLinked]!;
      for (let i = firstLinked - 1; i >= 0; i--) {
        x = x - stepOf(x);
        truth[i] = x;
      }
      // Linked daily series: carry forward over dates without a session value.
      for (let i = firstLinked + 1; i < n; i++) {
        if (Number.isNaN(truth[i]!)) truth[i] = truth[i - 1]!;
      }
    }
    const round = (x: number) => Math.round(x * 10 ** def.decimals) / 10 ** def.decimals;
    const rev = rs.fork("revisions");
    const releases: FredRelease[][] = [];
    const vintages = new Set<string>();
    const keptDates: string[] = [];
    for (let i = 0; i < n; i++) {
      const d = dates[i]!;
      const missing = def.freq === "D" && !isTradingDay(d);
      const e0 = def.revisions ? def.revisionSd * rev.normal() : 0;
      const rel: FredRelease[] = [];
      for (let j = 0; j <= def.revisions; j++) {
        const rt = def.release(d, j);
        if (rt > today) break;
        const value = missing
          ? NaN
          : round(truth[i]! + (def.revisions ? e0 * (def.revisions - j) / def.revisions : 0));
        const prev = rel[rel.length - 1];
        if (prev && (prev.value === value || (Number.isNaN(prev.value) && Number.isNaN(value)))) {
          continue;
        }
        if (prev && rt <= prev.realtimeStart) continue;
        rel.push({ realtimeStart: rt, value });
        vintages.add(rt);
      }
      if (rel.length === 0) continue;
      keptDates.push(d);
      releases.push(rel);
    }
    const vintageDates = [...vintages].sort();
    const last = vintageDates[vintageDates.length - 1] ?? today;
    out.set(def.id, {
      meta: {
        id: def.id,
        title: def.title,
        frequency: { D: "Daily", W: "Weekly", M: "Monthly" }[def.freq] +
          (def.freq === "W"
            ? `, Ending ${
              [
                "Sunday",
                "Monday",
                "Tuesday",
                "Wednesday",
                "Thursday",
                "Friday",
                "Saturday",
              ][def.weekday!]
            }`
            : ""),
        frequency_short: def.freq,
        units: def.units,
        units_short: def.unitsShort,
        seasonal_adjustment: def.sa ? "Seasonally Adjusted" : "Not Seasonally Adjusted",
        seasonal_adjustment_short: def.sa ? "SA" : "NSA",
        popularity: def.popularity,
        decimals: def.decimals,
      },
      dates: keptDates,
      releases,
      vintageDates,
      lastUpdated: `${last} 07:44:02-05`,
    });
  }
  return out;
}

/** Format a FRED value: fixed decimals, "." for missing. */
export function fredValue(v: number, decimals: number): string {
  return Number.isNaN(v) ? "." : v.toFixed(decimals);
}

/** The value of observation i as known on date `asOf` (undefined before its first release). */
export function valueAsOf(s: FredSeriesData, i: number, asOf: string): FredRelease | undefined {
  const rel = s.releases[i]!;
  let hit: FredRelease | undefined;
  for (const x of rel) {
    if (x.realtimeStart <= asOf) hit = x;
    else break;
  }
  return hit;
}

/** FRED `units` values. */
export const FRED_UNITS = ["lin", "chg", "ch1", "pch", "pc1", "pca", "cch", "cca", "log"] as const;
export type FredUnits = typeof FRED_UNITS[number];

/** Observations per year used by the annualized and year-ago units (FRED's n_obs_per_yr). */
const OBS_PER_YEAR: Record<FredFrequency, number> = { D: 260, W: 52, M: 12 };

/** Decimals printed for a transformed series. */
export function unitsDecimals(units: FredUnits, decimals: number): number {
  return units === "lin" || units === "chg" || units === "ch1" ? decimals : 5;
}

/**
 * Releases of a series under a FRED `units` transformation, vintage by vintage: the value of
 * observation t as known on date v is f(x_t(v), x_{t-k}(v)) with x(v) the values known on v, so
 * a transformed value changes whenever either input is revised.
 * chg = x_t - x_{t-1}; ch1 = x_t - x_{t-n}; pch = 100 (x_t / x_{t-1} - 1);
 * pc1 = 100 (x_t / x_{t-n} - 1); pca = 100 ((x_t / x_{t-1})^n - 1);
 * cch = 100 (ln x_t - ln x_{t-1}); cca = 100 n (ln x_t - ln x_{t-1}); log = ln x_t;
 * n = observations per year (260 daily, 52 weekly, 12 monthly), lags counted in observations.
 * Missing inputs (or the first k observations) give missing (".").
 *
 * @see https://fred.stlouisfed.org/docs/api/fred/series_observations.html#units
 */
export function transformedReleases(s: FredSeriesData, units: FredUnits): FredRelease[][] {
  if (units === "lin") return s.releases;
  const n = OBS_PER_YEAR[s.meta.frequency_short];
  const lag = units === "ch1" || units === "pc1" ? n : 1;
  const f = (x: number, p: number): number => {
    switch (units) {
      case "chg":
      case "ch1":
        return x - p;
      case "pch":
      case "pc1":
        return 100 * (x / p - 1);
      case "pca":
        return 100 * (Math.pow(x / p, n) - 1);
      case "cch":
        return 100 * (Math.log(x) - Math.log(p));
      case "cca":
        return 100 * n * (Math.log(x) - Math.log(p));
      default:
        return Math.log(x);
    }
  };
  const at = (rel: FredRelease[], d: string): number => {
    let v = NaN;
    for (const r of rel) {
      if (r.realtimeStart <= d) v = r.value;
      else break;
    }
    return v;
  };
  return s.releases.map((rel, i) => {
    const prev = units === "log" ? undefined : s.releases[i - lag];
    const first = rel[0]!.realtimeStart;
    const changes = new Set(rel.map((r) => r.realtimeStart));
    if (prev) { for (const r of prev) if (r.realtimeStart > first) changes.add(r.realtimeStart); }
    const out: FredRelease[] = [];
    for (const d of [...changes].sort()) {
      const x = at(rel, d);
      const v = units === "log" ? f(x, NaN) : prev ? f(x, at(prev, d)) : NaN;
      const last = out[out.length - 1];
      if (last && (last.value === v || (Number.isNaN(last.value) && Number.isNaN(v)))) continue;
      out.push({ realtimeStart: d, value: v });
    }
    return out;
  });
}
