/** Private: FRED / ALFRED routes (`/fred/series/observations`, `/fred/series`, `/fred/series/vintagedates`). */
import {
  FRED_UNITS,
  type FredUnits,
  fredValue,
  transformedReleases,
  unitsDecimals,
  valueAsOf,
} from "./fred.ts";
import { json, type RouteCtx, type RouteResult } from "./_route.ts";

const MAX_DATE = "9999-12-31";
const ISO = /^\d{4}-\d{2}-\d{2}$/;

export function fredError(status: number, text: string): RouteResult {
  return json(status, { error_code: status, error_message: `Bad Request.  ${text}` });
}

function addDays(d: string, n: number): string {
  return new Date(Date.parse(d + "T00:00:00Z") + n * 86_400_000).toISOString().slice(0, 10);
}

export function fredRoute(ctx: RouteCtx, route: string): RouteResult {
  const q = ctx.url.searchParams;
  const w = ctx.world;
  const today = w.today;
  if (q.get("file_type") !== "json") {
    return {
      status: 200,
      text:
        `<?xml version="1.0" encoding="utf-8" ?>\n<error code="400" message="Bad Request. The simulated FRED serves file_type=json only."/>\n`,
      contentType: "text/xml; charset=UTF-8",
    };
  }
  const id = q.get("series_id");
  if (!id) return fredError(400, "Variable series_id is not set.");
  const s = w.fredVintages(id);
  if (!s) return fredError(400, "The series does not exist.");
  const vd = route === "fred.vintagedates";
  const rtStart = q.get("realtime_start") ?? (vd ? "1776-07-04" : today);
  const rtEnd = q.get("realtime_end") ?? (vd ? MAX_DATE : today);
  for (const [k, v] of [["realtime_start", rtStart], ["realtime_end", rtEnd]] as const) {
    if (!ISO.test(v)) return fredError(400, `Variable ${k} is not a valid date.`);
  }
  if (rtEnd > today && rtEnd !== MAX_DATE) {
    return fredError(
      400,
      `Variable realtime_end can not be after today's date (${today}) unless it's equal to the real-time max date 9999-12-31.`,
    );
  }
  if (rtStart > rtEnd) {
    return fredError(400, "Variable realtime_start can not be after variable realtime_end.");
  }
  const limitRaw = q.get("limit");
  const limit = limitRaw === null
    ? (route === "fred.vintagedates" ? 10000 : 100000)
    : Number(limitRaw);
  const offset = Number(q.get("offset") ?? 0);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100000) {
    return fredError(400, "Variable limit is not between 1 and 100000.");
  }
  if (!Number.isInteger(offset) || offset < 0) {
    return fredError(400, "Variable offset is not a non-negative integer.");
  }
  const desc = q.get("sort_order") === "desc";
  const head = { realtime_start: rtStart, realtime_end: rtEnd };
  if (route === "fred.series") {
    const m = s.meta;
    return json(200, {
      ...head,
      seriess: [{
        id: m.id,
        realtime_start: rtStart,
        realtime_end: rtEnd,
        title: m.title,
        observation_start: s.dates[0],
        observation_end: s.dates[s.dates.length - 1],
        frequency: m.frequency,
        frequency_short: m.frequency_short,
        units: m.units,
        units_short: m.units_short,
        seasonal_adjustment: m.seasonal_adjustment,
        seasonal_adjustment_short: m.seasonal_adjustment_short,
        last_updated: s.lastUpdated,
        popularity: m.popularity,
        notes: "Simulated series (lib/sources/sim); values are synthetic.",
      }],
    });
  }
  if (route === "fred.vintagedates") {
    let v = s.vintageDates.filter((d) => d >= rtStart && d <= rtEnd);
    if (desc) v = [...v].reverse();
    return json(200, {
      ...head,
      order_by: "vintage_date",
      sort_order: desc ? "desc" : "asc",
      count: v.length,
      offset,
      limit,
      vintage_dates: v.slice(offset, offset + limit),
    }, { rowsKey: "vintage_dates" });
  }
  // observations
  const first = s.vintageDates[0]!;
  if (rtEnd < first) {
    return fredError(400, "The series does not exist in ALFRED but may exist in FRED.");
  }
  const obsStart = q.get("observation_start") ?? "1776-07-04";
  const obsEnd = q.get("observation_end") ?? MAX_DATE;
  for (const [k, v] of [["observation_start", obsStart], ["observation_end", obsEnd]] as const) {
    if (!ISO.test(v)) return fredError(400, `Variable ${k} is not a valid date.`);
  }
  const outputType = Number(q.get("output_type") ?? 1);
  if (![1, 2, 3, 4].includes(outputType)) {
    return fredError(400, "Variable output_type is not one of the values: 1, 2, 3, 4.");
  }
  const units = (q.get("units") ?? "lin") as FredUnits;
  if (!FRED_UNITS.includes(units)) {
    return fredError(400, `Variable units is not one of the values: ${FRED_UNITS.join(", ")}.`);
  }
  const releases = transformedReleases(s, units);
  const series = { ...s, releases };
  if (q.get("frequency") && q.get("frequency")!.toUpperCase() !== s.meta.frequency_short) {
    return fredError(400, "The simulated FRED does not aggregate frequencies.");
  }
  const vintagesInWindow = s.vintageDates.filter((d) => d >= rtStart && d <= rtEnd);
  if (vintagesInWindow.length > 2000) {
    return fredError(
      400,
      `There are ${vintagesInWindow.length} vintage dates in the specified real-time period: ${rtStart} to ${rtEnd}.  This exceeds the maximum number of vintage dates allowed for this file type (2000).`,
    );
  }
  const dec = unitsDecimals(units, s.meta.decimals);
  const rows: Record<string, string>[] = [];
  const vintageFilter = q.get("vintage_dates")?.split(",").filter(Boolean);
  for (let i = 0; i < s.dates.length; i++) {
    const d = s.dates[i]!;
    if (d < obsStart || d > obsEnd) continue;
    const rel = releases[i]!;
    if (outputType === 1) {
      // Real-time periods intersecting [rtStart, rtEnd].
      for (let j = 0; j < rel.length; j++) {
        const a = rel[j]!.realtimeStart;
        const b = j + 1 < rel.length ? addDays(rel[j + 1]!.realtimeStart, -1) : MAX_DATE;
        const lo = a > rtStart ? a : rtStart;
        const hi = b < rtEnd ? b : rtEnd;
        if (lo > hi) continue;
        rows.push({
          realtime_start: lo,
          realtime_end: hi,
          date: d,
          value: fredValue(rel[j]!.value, dec),
        });
      }
    } else if (outputType === 4) {
      const r0 = rel[0]!;
      if (r0.realtimeStart > rtEnd) continue;
      rows.push({
        realtime_start: r0.realtimeStart,
        realtime_end: rel[1] ? addDays(rel[1].realtimeStart, -1) : MAX_DATE,
        date: d,
        value: fredValue(r0.value, dec),
      });
    } else {
      const vs = vintageFilter ?? vintagesInWindow;
      const row: Record<string, string> = { date: d };
      let any = false;
      for (const v of vs) {
        const key = `${/^\d/.test(id) ? "_" : ""}${id}_${v.replaceAll("-", "")}`;
        const hit = valueAsOf(series, i, v);
        if (outputType === 3 && !rel.some((x) => x.realtimeStart === v)) continue;
        if (!hit) continue;
        row[key] = fredValue(hit.value, dec);
        any = true;
      }
      if (any) rows.push(row);
    }
  }
  if (desc) rows.reverse();
  return json(200, {
    ...head,
    observation_start: obsStart,
    observation_end: obsEnd,
    units,
    output_type: outputType,
    file_type: "json",
    order_by: "observation_date",
    sort_order: desc ? "desc" : "asc",
    count: rows.length,
    offset,
    limit,
    observations: rows.slice(offset, offset + limit),
  }, { rowsKey: "observations" });
}
