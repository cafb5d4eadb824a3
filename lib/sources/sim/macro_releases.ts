/**
 * Simulated BLS Public Data API v2 and BEA API (NIPA GetData) routes, in the vendors' wire formats
 * (see lib/sources/bls.ts and lib/sources/bea.ts for the formats and their sources).
 *
 * BLS (`POST /publicAPI/v2/timeseries/data/`): the series below, each the simulated FRED series it
 * mirrors as known on the world's last day (BLS serves current revisions only):
 * CUSR0000SA0 = CPIAUCSL; CUUR0000SA0 = CPIAUCSL x (1 + 0.003 sin(2 pi (month - 1) / 12)) (the
 * not-seasonally-adjusted CPI, with M13 annual averages of complete years, the mean of the twelve
 * published monthly values rounded to 3 decimals); LNS14000000 = UNRATE; CES0000000001 = PAYEMS
 * (footnote P "preliminary" on its two newest months); JTS000000000000000JOL = JTSJOL. Newest first,
 * `latest: "true"` on the newest value, "No Data Available ..." per empty year, "Series does not
 * exist ..." for an unknown id, the year range cut to 20 (10 without a key) years with a message,
 * more than 50 (25) series refused.
 *
 * BEA (`GET /bea/api/data?method=GetData&DataSetName=NIPA...`, parameter names case-insensitive):
 * T10105 (Gross Domestic Product, Q and A, millions of dollars, UNIT_MULT 6): lines 1 GDP, 2 PCE,
 * 7 gross private domestic investment, 15 net exports, 22 government, with 1 = 2 + 7 + 15 + 22
 * exactly each quarter; quarter k (from 2000Q1) has GDP = round(10,000,000 exp(0.0125 k + 0.01
 * (u_k - 0.5))), u_k uniform from the seed; a quarter is published 30 days after it ends (next
 * weekday); annual values are the mean of the four quarters, rounded; no revisions. T20804 (PCE
 * price indexes, M): line 25 "PCE excluding food and energy" = PCEPILFE as known on the last day.
 * The table note ends with `LastRevised: <the latest release date on or before the last day>`.
 * The request echo carries the UserID, as the real API's does.
 *
 * Row-level faults (badValues, schemaDrift) reach the rows through a non-enumerable `__rows`
 * alias of the first series' (BLS) or the table's (BEA) rows in the answer.
 */
import { hashString } from "../../core/random.ts";
import { fredValue, valueAsOf } from "./fred.ts";
import type { RouteCtx, RouteResult } from "./_route.ts";
import type { World } from "./world.ts";

/** Vendor-specific answers the server uses for injected faults and throttling. */
export interface MacroAnswers {
  throttle(retryAfter?: number): RouteResult;
  notEntitled(): RouteResult;
  error200(): unknown;
}

/** A matched simulated BLS/BEA route. */
export interface MacroMatch {
  route: string;
  vendor: "bls" | "bea";
  handle: (ctx: RouteCtx) => Promise<RouteResult> | RouteResult;
  answers: MacroAnswers;
}

/** Accepted keys (undefined: any non-empty key). */
export interface MacroKeys {
  bls?: string[];
  bea?: string[];
}

/** Match a BLS or BEA path; undefined for any other. */
export function matchMacroRelease(url: URL, keys: MacroKeys = {}): MacroMatch | undefined {
  const p = url.pathname.replace(/\/+$/, "");
  if (p === "/publicAPI/v2/timeseries/data") {
    return {
      route: "bls.timeseries",
      vendor: "bls",
      handle: (c) => blsRoute(c, keys.bls),
      answers: BLS_ANSWERS,
    };
  }
  if (p === "/bea/api/data") {
    return {
      route: "bea.getdata",
      vendor: "bea",
      handle: (c) => beaRoute(c, keys.bea),
      answers: BEA_ANSWERS,
    };
  }
  return undefined;
}

const blsBody = (status: string, message: string[], series?: unknown[]) => ({
  status,
  responseTime: 41,
  message,
  ...(series ? { Results: { series } } : {}),
});

const BLS_ANSWERS: MacroAnswers = {
  throttle: (retryAfter) => ({
    status: 429,
    json: blsBody("REQUEST_NOT_PROCESSED", [
      "Request could not be serviced: too many requests in a short time; please try again later.",
    ]),
    headers: retryAfter !== undefined
      ? { "Retry-After": String(retryAfter) }
      : ({} as Record<string, string>),
  }),
  notEntitled: () => ({
    status: 403,
    json: blsBody("REQUEST_NOT_PROCESSED", ["The key provided by the User is invalid."]),
  }),
  error200: () =>
    blsBody("REQUEST_NOT_PROCESSED", [
      "Request could not be serviced at this time; please try again later.",
    ]),
};

const beaErr = (code: string, description: string, inResults = true) => ({
  BEAAPI: inResults
    ? { Results: { Error: { APIErrorCode: code, APIErrorDescription: description } } }
    : { Error: { APIErrorCode: code, APIErrorDescription: description } },
});

const BEA_ANSWERS: MacroAnswers = {
  throttle: (retryAfter) => ({
    status: 429,
    json: beaErr("429", "Too many requests: the limit of 100 requests per minute was exceeded."),
    headers: { "Retry-After": String(retryAfter ?? 3600) },
  }),
  notEntitled: () => ({ status: 403, json: beaErr("403", "Forbidden", false) }),
  error200: () => beaErr("500", "The service is temporarily unavailable; please try again."),
};

// ---------------------------------------------------------------- BLS

interface BlsDef {
  fred: string;
  decimals: number;
  /** Multiplier of the FRED value by month (1-12). */
  factor?: (month: number) => number;
  annualAverage?: boolean;
  preliminaryMonths?: number;
}

/** BLS series of the simulated market and the simulated FRED series each mirrors. */
export const SIM_BLS_SERIES: Record<string, BlsDef> = {
  CUSR0000SA0: { fred: "CPIAUCSL", decimals: 3 },
  CUUR0000SA0: {
    fred: "CPIAUCSL",
    decimals: 3,
    factor: (m) => 1 + 0.003 * Math.sin(2 * Math.PI * (m - 1) / 12),
    annualAverage: true,
  },
  LNS14000000: { fred: "UNRATE", decimals: 1 },
  CES0000000001: { fred: "PAYEMS", decimals: 0, preliminaryMonths: 2 },
  JTS000000000000000JOL: { fred: "JTSJOL", decimals: 0 },
};

const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

interface Obs {
  year: string;
  period: string;
  periodName: string;
  latest?: string;
  value: string;
  footnotes: Record<string, string>[];
}

/** Monthly observations of a simulated BLS series as known on the world's last day, oldest first. */
export function simBlsMonthly(world: World, id: string): { date: string; value: number }[] {
  const def = SIM_BLS_SERIES[id];
  if (!def) return [];
  const s = world.fredVintages(def.fred);
  if (!s) return [];
  const out: { date: string; value: number }[] = [];
  s.dates.forEach((d, i) => {
    const r = valueAsOf(s, i, world.today);
    if (!r || Number.isNaN(r.value)) return;
    const f = def.factor ? def.factor(Number(d.slice(5, 7))) : 1;
    out.push({ date: d, value: Number((r.value * f).toFixed(def.decimals)) });
  });
  return out;
}

function blsSeriesData(world: World, id: string, y0: number, y1: number, annual: boolean): Obs[] {
  const def = SIM_BLS_SERIES[id]!;
  const all = simBlsMonthly(world, id);
  const newest = all.length - 1;
  const out: Obs[] = [];
  const byYear = new Map<number, number[]>();
  all.forEach((o, i) => {
    const y = Number(o.date.slice(0, 4)), m = Number(o.date.slice(5, 7));
    byYear.set(y, [...(byYear.get(y) ?? []), o.value]);
    if (y < y0 || y > y1) return;
    const prelim = (def.preliminaryMonths ?? 0) > newest - i;
    out.push({
      year: String(y),
      period: `M${String(m).padStart(2, "0")}`,
      periodName: MONTH_NAMES[m - 1]!,
      ...(i === newest ? { latest: "true" } : {}),
      value: o.value.toFixed(def.decimals),
      footnotes: prelim ? [{ code: "P", text: "preliminary" }] : [{}],
    });
  });
  if (annual && def.annualAverage) {
    for (const [y, vs] of byYear) {
      if (y < y0 || y > y1 || vs.length !== 12) continue;
      const mean = vs.reduce((a, b) => a + b, 0) / 12;
      out.push({
        year: String(y),
        period: "M13",
        periodName: "Annual",
        value: mean.toFixed(def.decimals),
        footnotes: [{}],
      });
    }
  }
  // Newest first, the annual average before December of its year (as BLS lists them).
  return out.sort((a, b) => (b.year + b.period).localeCompare(a.year + a.period));
}

async function blsRoute(ctx: RouteCtx, keys?: string[]): Promise<RouteResult> {
  if (ctx.req.method !== "POST") {
    return {
      status: 200,
      json: blsBody("REQUEST_NOT_PROCESSED", [
        "The simulated BLS API serves multi-series POST requests only.",
      ]),
    };
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(await ctx.req.text());
  } catch {
    return {
      status: 200,
      json: blsBody("REQUEST_NOT_PROCESSED", ["Invalid JSON in the request payload."]),
    };
  }
  const key = typeof body.registrationkey === "string" ? body.registrationkey : undefined;
  if (key !== undefined && (key === "" || (keys && !keys.includes(key)))) {
    return {
      status: 200,
      json: blsBody("REQUEST_NOT_PROCESSED", ["The key provided by the User is invalid."]),
    };
  }
  const lim = key ? { series: 50, years: 20 } : { series: 25, years: 10 };
  const ids = Array.isArray(body.seriesid) ? body.seriesid.map(String) : [];
  if (ids.length === 0) {
    return { status: 200, json: blsBody("REQUEST_NOT_PROCESSED", ["No series were requested."]) };
  }
  if (ids.length > lim.series) {
    return {
      status: 200,
      json: blsBody("REQUEST_NOT_PROCESSED", [
        `The number of series requested exceeds the system-allowed limit of ${lim.series}.`,
      ]),
    };
  }
  const lastYear = Number(ctx.world.today.slice(0, 4));
  let y1 = Number(body.endyear ?? lastYear);
  const y0 = Number(body.startyear ?? y1 - 2);
  if (!Number.isInteger(y0) || !Number.isInteger(y1) || y0 > y1) {
    return {
      status: 200,
      json: blsBody("REQUEST_NOT_PROCESSED", ["Invalid start year or end year."]),
    };
  }
  const messages: string[] = [];
  if (y1 - y0 + 1 > lim.years) {
    y1 = y0 + lim.years - 1;
    messages.push(`Year range has been reduced to the system-allowed limit of ${lim.years} years.`);
  }
  const annual = body.annualaverage === true || body.annualaverage === "true";
  const series = ids.map((id: string) => {
    if (!SIM_BLS_SERIES[id]) {
      messages.push(`Series does not exist for Series ${id}`);
      return { seriesID: id, data: [] };
    }
    const data = blsSeriesData(ctx.world, id, y0, y1, annual);
    for (let y = y0; y <= y1; y++) {
      if (!data.some((o) => o.year === String(y))) {
        messages.push(`No Data Available for Series ${id} Year: ${y}`);
      }
    }
    return { seriesID: id, data };
  });
  const json = blsBody("REQUEST_SUCCEEDED", messages, series);
  const first = series.find((s: { data: unknown[] }) => s.data.length > 0);
  if (first) Object.defineProperty(json, "__rows", { value: first.data, enumerable: false });
  return { status: 200, json, ...(first ? { rowsKey: "__rows" } : {}) };
}

// ---------------------------------------------------------------- BEA

const QUARTER0 = 2000;
const LONG_MONTHS = MONTH_NAMES;

function addDaysIso(d: string, n: number): string {
  return new Date(Date.parse(d + "T00:00:00Z") + n * 86_400_000).toISOString().slice(0, 10);
}
function nextWeekday(d: string): string {
  let x = d;
  for (;;) {
    const wd = new Date(x + "T00:00:00Z").getUTCDay();
    if (wd !== 0 && wd !== 6) return x;
    x = addDaysIso(x, 1);
  }
}

/** Release date of quarter k (from 2000Q1): 30 days after the quarter's last day, next weekday. */
export function simGdpReleaseDate(k: number): string {
  const y = QUARTER0 + Math.floor(k / 4), q = k % 4;
  const end = new Date(Date.UTC(y, 3 * q + 3, 0)).toISOString().slice(0, 10);
  return nextWeekday(addDaysIso(end, 30));
}

/** The simulated T10105 lines of quarter k, millions of dollars (1 = 2 + 7 + 15 + 22). */
export function simGdpQuarter(seed: number, k: number): Record<number, number> {
  const u = hashString(`${seed}:bea:gdp:${k}`) / 2 ** 32;
  const gdp = Math.round(10_000_000 * Math.exp(0.0125 * k + 0.01 * (u - 0.5)));
  const pce = Math.round(0.68 * gdp);
  const inv = Math.round(0.18 * gdp);
  const nx = Math.round(-0.03 * gdp);
  return { 1: gdp, 2: pce, 7: inv, 15: nx, 22: gdp - pce - inv - nx };
}

const T10105_LINES: [number, string, string][] = [
  [1, "A191RC", "Gross domestic product"],
  [2, "DPCERC", "Personal consumption expenditures"],
  [7, "A006RC", "Gross private domestic investment"],
  [15, "A019RC", "Net exports of goods and services"],
  [22, "A822RC", "Government consumption expenditures and gross investment"],
];

const withCommas = (n: number) => Math.round(n).toLocaleString("en-US");

function revisedNote(title: string, date: string): string {
  const [y, m, d] = date.split("-");
  return `${title} - LastRevised: ${LONG_MONTHS[Number(m) - 1]} ${Number(d)}, ${y}`;
}

interface BeaRow {
  TableName: string;
  SeriesCode: string;
  LineNumber: string;
  LineDescription: string;
  TimePeriod: string;
  METRIC_NAME: string;
  CL_UNIT: string;
  UNIT_MULT: string;
  DataValue: string;
  NoteRef: string;
}

function t10105(world: World, freq: string, years: Set<number> | null) {
  const seed = world.config.seed;
  const rows: BeaRow[] = [];
  let last = "";
  const quarters: Record<number, number>[][] = [];
  for (let k = 0;; k++) {
    const rel = simGdpReleaseDate(k);
    if (rel > world.today) break;
    last = rel;
    const y = QUARTER0 + Math.floor(k / 4);
    (quarters[y - QUARTER0] ??= []).push(simGdpQuarter(seed, k));
  }
  const row = (line: [number, string, string], tp: string, v: number): BeaRow => ({
    TableName: "T10105",
    SeriesCode: line[1],
    LineNumber: String(line[0]),
    LineDescription: line[2],
    TimePeriod: tp,
    METRIC_NAME: "Current Dollars",
    CL_UNIT: "Level",
    UNIT_MULT: "6",
    DataValue: withCommas(v),
    NoteRef: "T10105",
  });
  quarters.forEach((qs, i) => {
    const y = QUARTER0 + i;
    if (years && !years.has(y)) return;
    for (const line of T10105_LINES) {
      if (freq === "Q") qs.forEach((q, j) => rows.push(row(line, `${y}Q${j + 1}`, q[line[0]]!)));
      else if (freq === "A" && qs.length === 4) {
        rows.push(row(line, String(y), qs.reduce((a, q) => a + q[line[0]]!, 0) / 4));
      }
    }
  });
  return { rows, note: revisedNote("Table 1.1.5. Gross Domestic Product", last) };
}

function t20804(world: World, years: Set<number> | null) {
  const s = world.fredVintages("PCEPILFE");
  const rows: BeaRow[] = [];
  let last = "";
  if (s) {
    for (const v of s.vintageDates) if (v <= world.today) last = v;
    s.dates.forEach((d, i) => {
      const r = valueAsOf(s, i, world.today);
      if (!r || Number.isNaN(r.value)) return;
      if (years && !years.has(Number(d.slice(0, 4)))) return;
      rows.push({
        TableName: "T20804",
        SeriesCode: "DPCCRG",
        LineNumber: "25",
        LineDescription: "PCE excluding food and energy",
        TimePeriod: `${d.slice(0, 4)}M${d.slice(5, 7)}`,
        METRIC_NAME: "Fisher Price Index",
        CL_UNIT: "Fisher Price Index",
        UNIT_MULT: "0",
        DataValue: fredValue(r.value, 3),
        NoteRef: "T20804",
      });
    });
  }
  return {
    rows,
    note: revisedNote(
      "Table 2.8.4. Price Indexes for Personal Consumption Expenditures by Major Type of Product, Monthly",
      last || world.today,
    ),
  };
}

function beaRoute(ctx: RouteCtx, keys?: string[]): RouteResult {
  const q = new Map<string, string>();
  for (const [k, v] of ctx.url.searchParams) q.set(k.toLowerCase(), v);
  const user = q.get("userid") ?? "";
  const echo = {
    RequestParam: [...ctx.url.searchParams].map(([k, v]) => ({
      ParameterName: k.toUpperCase(),
      ParameterValue: v,
    })),
  };
  const error = (code: string, d: string, inResults = true): RouteResult => {
    const body = beaErr(code, d, inResults) as { BEAAPI: Record<string, unknown> };
    body.BEAAPI = { Request: echo, ...body.BEAAPI };
    return { status: 200, json: body };
  };
  if (!user || (keys && !keys.includes(user))) return error("1", "Invalid API UserId", false);
  if ((q.get("method") ?? "").toLowerCase() !== "getdata") {
    return error("2", "The simulated BEA API serves method GetData only.");
  }
  if ((q.get("datasetname") ?? "").toUpperCase() !== "NIPA") {
    return error("3", "The simulated BEA API serves the NIPA dataset only.");
  }
  const table = (q.get("tablename") ?? "").toUpperCase();
  const freq = (q.get("frequency") ?? "").toUpperCase();
  const yearText = q.get("year") ?? "";
  if (!table || !freq || !yearText) {
    return error(
      "40",
      "The dataset requested requires parameters that were missing from the request: " +
        ["TableName", "Frequency", "Year"].filter((p) => !q.get(p.toLowerCase())).join(", "),
    );
  }
  let years: Set<number> | null = null;
  if (!/^(X|ALL)$/i.test(yearText)) {
    const ys = yearText.split(",").map((y) => Number(y.trim()));
    if (ys.some((y) => !Number.isInteger(y))) return error("40", `Invalid Year: ${yearText}`);
    years = new Set(ys);
  }
  let got: { rows: BeaRow[]; note: string };
  if (table === "T10105" && (freq === "Q" || freq === "A")) got = t10105(ctx.world, freq, years);
  else if (table === "T20804" && freq === "M") got = t20804(ctx.world, years);
  else return error("101", `Invalid TableName/Frequency combination: ${table} ${freq}`);
  if (got.rows.length === 0) return error("201", "No data exists for the parameters requested.");
  const json = {
    BEAAPI: {
      Request: echo,
      Results: {
        Statistic: "NIPA Table",
        UTCProductionTime: new Date(ctx.nowMs).toISOString().slice(0, 23),
        Dimensions: [],
        Data: got.rows,
        Notes: [{ NoteRef: table, NoteText: got.note }],
      },
    },
  };
  if (got.rows.length <= 2000) {
    Object.defineProperty(json, "__rows", { value: got.rows, enumerable: false });
    return { status: 200, json, rowsKey: "__rows" };
  }
  return { status: 200, json };
}
