/**
 * lib/time/holidays.ts against reference lists: QuantLib's NYSE holiday calendar and the NYSE
 * early-close history (tests/fixtures/time/, see the .provenance.md there), plus hand cases.
 */
import { assert, assertEquals } from "../_assert.ts";
import { holidayName, isEarlyClose, isTradingDay, tradingDays } from "../../lib/time/mod.ts";
import { easterSunday } from "../../lib/time/holidays.ts";

const FIXTURES = new URL("../fixtures/time/", import.meta.url);

function readDates(file: string): string[] {
  const lines = Deno.readTextFileSync(new URL(file, FIXTURES)).trim().split("\n");
  return lines.slice(1).map((line) => line.split(",")[0]!);
}

function isoOfDay(dayNum: number): string {
  return new Date(dayNum * 86_400_000).toISOString().slice(0, 10);
}

function weekdaysOf(first: string, last: string): string[] {
  const out: string[] = [];
  for (let ms = Date.parse(first); ms <= Date.parse(last); ms += 86_400_000) {
    const wd = new Date(ms).getUTCDay();
    if (wd !== 0 && wd !== 6) out.push(new Date(ms).toISOString().slice(0, 10));
  }
  return out;
}

Deno.test("every weekday 2000-2030: closed exactly on the reference holidays", () => {
  const holidays = new Set(readDates("nyse_holidays_2000_2030.csv"));
  assert(holidays.size > 280, "fixture loaded");
  const mismatches: string[] = [];
  for (const d of weekdaysOf("2000-01-01", "2030-12-31")) {
    const closed = holidays.has(d);
    if (isTradingDay(d) === closed) mismatches.push(`${d} reference closed=${closed}`);
    if (closed && holidayName(d) === null) mismatches.push(`${d} has no holiday name`);
  }
  assertEquals(mismatches, []);
});

Deno.test("early closes 2000-2030 equal the reference list", () => {
  const expected = readDates("nyse_early_closes_2000_2030.csv");
  const actual = tradingDays("2000-01-01", "2030-12-31").filter(isEarlyClose);
  assertEquals(actual, expected);
});

Deno.test("Easter Sunday (computus) hand cases", () => {
  // Published Easter dates, including the earliest (March 22) and latest (April 25) possible.
  const cases: Record<number, string> = {
    1818: "1818-03-22",
    2000: "2000-04-23",
    2008: "2008-03-23",
    2011: "2011-04-24",
    2019: "2019-04-21",
    2024: "2024-03-31",
    2025: "2025-04-20",
    2038: "2038-04-25",
  };
  for (const [y, iso] of Object.entries(cases)) {
    assertEquals(isoOfDay(easterSunday(Number(y))), iso);
  }
});
