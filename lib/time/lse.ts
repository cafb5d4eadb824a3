/**
 * London Stock Exchange calendar (Europe/London, 08:00-16:30, Monday-Friday), 1926-2100.
 *
 * Holidays are the English bank holidays as they changed, plus one-off closures:
 * - Good Friday, Christmas Day (common-law holidays) and Easter Monday, Boxing Day (Bank
 *   Holidays Act 1871), every year. Christmas or Boxing Day on a weekend moves to the next
 *   free weekday (Dec 27 / Dec 28), applied to every year (the substitution became statutory in
 *   1971; earlier years are assumed to follow it).
 * - Whit Monday (Easter + 50 days) to 1966; from 1967 the spring holiday is the last Monday of
 *   May (trial years 1967-1970, statutory from 1971), moved in 2002 (June 4), 2012 (June 4) and
 *   2022 (June 2). The August holiday is the first Monday of August to 1964 and the last Monday
 *   of August from 1965 (trial 1965-1970, statutory 1971).
 * - New Year's Day from 1974 (weekend -> next Monday); the early May holiday (first Monday of
 *   May) from 1978, moved to May 8 in 1995 and 2020 (VE Day anniversaries).
 * - One-off: coronations 1937-05-12 and 1953-06-02, royal weddings 1973-11-14, 1981-07-29,
 *   2011-04-29, jubilees 1977-06-07, 2002-06-03, 2012-06-05, 2022-06-03, the millennium
 *   1999-12-31, the Queen's funeral 2022-09-19, the coronation 2023-05-08, and the exchange's
 *   own closure on 1987-10-16 (the Great Storm).
 * - Early closes at 12:30 on Christmas Eve and New Year's Eve (on the Friday before when they
 *   fall on a weekend), from 1990; earlier years are assumed to have full sessions.
 *
 * Faithful range: the rules are the statutory bank holidays, which the exchange followed; they
 * are faithful from 1971 (and believed so from 1926, subject to the trial-period dates above).
 * Not modelled: Saturday trading and exchange-specific closures before 1971 other than those
 * listed, wartime cancellations of bank holidays, and historical session hours (08:00-16:30 is
 * today's order-book session, applied to every year).
 *
 * @see Banking and Financial Dealings Act 1971, Schedule 1,
 *      https://www.legislation.gov.uk/ukpga/1971/80/schedule/1 ;
 *      UK bank holidays https://www.gov.uk/bank-holidays and
 *      https://en.wikipedia.org/wiki/Public_holidays_in_the_United_Kingdom (history: 1871 Act,
 *      1965-1970 trials, 1974 New Year's Day, 1978 May Day, one-off holidays);
 *      London Stock Exchange trading calendar https://www.londonstockexchange.com/equities-trading/business-days ;
 *      cross-checked against exchange_calendars (XLON) and QuantLib UnitedKingdom::Exchange.
 */
import { dayNumber, weekdayOf } from "./_date.ts";
import { easterSunday, nthWeekday } from "./holidays.ts";

/** One-off LSE closures: ISO date -> name. */
export const LSE_SPECIAL_CLOSURES: Readonly<Record<string, string>> = {
  "1937-05-12": "Coronation of King George VI",
  "1953-06-02": "Coronation of Queen Elizabeth II",
  "1973-11-14": "Wedding of Princess Anne",
  "1977-06-07": "Silver Jubilee of Queen Elizabeth II",
  "1981-07-29": "Wedding of Prince Charles and Lady Diana Spencer",
  "1987-10-16": "Great Storm (exchange closed)",
  "1999-12-31": "Millennium",
  "2002-06-03": "Golden Jubilee of Queen Elizabeth II",
  "2011-04-29": "Wedding of Prince William and Catherine Middleton",
  "2012-06-05": "Diamond Jubilee of Queen Elizabeth II",
  "2022-06-03": "Platinum Jubilee of Queen Elizabeth II",
  "2022-09-19": "State funeral of Queen Elizabeth II",
  "2023-05-08": "Coronation of King Charles III",
};

const SPRING_MOVED: Readonly<Record<number, [number, number]>> = {
  2002: [6, 4],
  2012: [6, 4],
  2022: [6, 2],
};

/**
 * LSE full-day holidays of a year on weekdays (module doc), day number -> name.
 * @example lseHolidays(2024).has(dayNumber(2024, 8, 26)) // true (summer bank holiday)
 */
export function lseHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const easter = easterSunday(year);
  out.set(easter - 2, "Good Friday");
  out.set(easter + 1, "Easter Monday");
  if (year >= 1974) {
    const jan1 = dayNumber(year, 1, 1);
    const wd = weekdayOf(jan1);
    out.set(wd === 6 ? jan1 + 2 : wd === 0 ? jan1 + 1 : jan1, "New Year's Day");
  }
  if (year >= 1978) {
    const may = year === 1995 || year === 2020 ? dayNumber(year, 5, 8) : nthWeekday(year, 5, 1, 1);
    out.set(may, "Early May Bank Holiday");
  }
  if (year <= 1966) out.set(easter + 50, "Whit Monday");
  else {
    const moved = SPRING_MOVED[year];
    out.set(
      moved ? dayNumber(year, moved[0], moved[1]) : nthWeekday(year, 5, 1, -1),
      "Spring Bank Holiday",
    );
  }
  out.set(
    year <= 1964 ? nthWeekday(year, 8, 1, 1) : nthWeekday(year, 8, 1, -1),
    year <= 1964 ? "August Bank Holiday" : "Summer Bank Holiday",
  );
  // Christmas and Boxing Day, weekend ones moved to Dec 27 / Dec 28.
  const dec25 = dayNumber(year, 12, 25);
  const wd25 = weekdayOf(dec25);
  if (wd25 >= 1 && wd25 <= 5) out.set(dec25, "Christmas Day");
  if (wd25 >= 1 && wd25 <= 4) out.set(dec25 + 1, "Boxing Day");
  if (wd25 === 6) {
    out.set(dec25 + 2, "Christmas Day (substitute)");
    out.set(dec25 + 3, "Boxing Day (substitute)");
  } else if (wd25 === 0) {
    out.set(dec25 + 1, "Boxing Day");
    out.set(dec25 + 2, "Christmas Day (substitute)");
  } else if (wd25 === 5) {
    out.set(dec25 + 3, "Boxing Day (substitute)");
  }
  for (const [iso, name] of Object.entries(LSE_SPECIAL_CLOSURES)) {
    if (Number(iso.slice(0, 4)) === year) {
      out.set(dayNumber(year, Number(iso.slice(5, 7)), Number(iso.slice(8, 10))), name);
    }
  }
  return out;
}

/**
 * LSE early closes (12:30 London) of a year: Christmas Eve and New Year's Eve, or the Friday
 * before when they fall on a weekend; from 1990 (module doc).
 */
export function lseEarlyCloses(year: number): [number, number][] {
  if (year < 1990) return [];
  const out: [number, number][] = [];
  for (const day of [24, 31]) {
    const d = dayNumber(year, 12, day);
    const wd = weekdayOf(d);
    out.push([wd === 6 ? d - 1 : wd === 0 ? d - 2 : d, 12 * 60 + 30]);
  }
  return out;
}
