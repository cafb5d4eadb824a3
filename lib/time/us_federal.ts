/**
 * US federal business-day calendar (`us_federal`): Monday-Friday except the legal public holidays
 * of 5 U.S.C. 6103 as they were observed by federal offices and the Federal Reserve, 1926-2100.
 * It is a date calendar for daily government and central-bank series (Federal Reserve H.15
 * rates, Treasury yields): each business day D is one "session" from 00:00 to 24:00 New York
 * time, so a daily value of D is known at the end of D in New York (midnight America/New_York),
 * not at a market close. No early closes.
 *
 * Holidays (weekday observances; history since 1926, faithful from 1962):
 * - New Year's Day (Jan 1). Independence Day (Jul 4). Christmas Day (Dec 25). Labor Day, 1st
 *   Monday of September (Act of June 28, 1894).
 * - Thanksgiving Day: last Thursday of November to 1938, the second-to-last in 1939-1941
 *   (presidential proclamations), the 4th Thursday from 1942 (Pub. L. 77-379, 1941).
 * - Washington's Birthday: Feb 22 to 1970, 3rd Monday of February from 1971. Memorial Day
 *   (Decoration Day): May 30 to 1970, last Monday of May from 1971. Columbus Day: Oct 12 from
 *   1937 (proclamation under the joint resolution of Apr 30, 1934) to 1970, 2nd Monday of October
 *   from 1971. Veterans Day (Armistice Day to 1953): Nov 11 from 1938 (Act of May 13, 1938), the
 *   4th Monday of October 1971-1977, Nov 11 again from 1978 (Pub. L. 94-97, 1975). The 1971
 *   Monday dates are the Uniform Monday Holiday Act (Pub. L. 90-363, June 28, 1968, effective
 *   Jan 1, 1971), which also made Columbus Day a legal public holiday.
 * - Martin Luther King Jr.'s Birthday, 3rd Monday of January, from 1986 (Pub. L. 98-144, 1983).
 * - Juneteenth National Independence Day (Jun 19), from 2022 (Pub. L. 117-17, signed
 *   2021-06-17). Federal offices took Friday 2021-06-18 off at one day's notice, but the Federal
 *   Reserve Banks stayed open and began observing it in 2022; 2021-06-18 is a business day here.
 * - Weekend rule (5 U.S.C. 6103(b); Executive Order 11582, 1971, and EO 10358, 1952, before it):
 *   a holiday on Sunday is observed on the Monday after; one on Saturday on the Friday before,
 *   except New Year's Day: Jan 1 on a Saturday closes no day (Dec 31 stays a business day). The
 *   Federal Reserve's holiday schedule keeps the Reserve Banks open on the Friday before every
 *   Saturday holiday (only the Board closes), and the government securities market trades on
 *   Dec 31 (NYSE and SIFMA likewise); for the other Saturday holidays the daily H.15 series of
 *   1962-1999 (`tseries::tcmd`, tests/reference/time_us_federal_tcmd.py) fits a closed Friday
 *   better than an open one, so they close the Friday. pandas' USFederalHolidayCalendar, which
 *   follows 5 U.S.C. 6103(b) for federal employees, closes Dec 31 in those years (1965, 1971,
 *   1976, 1982, 1993, 1999, 2004, 2010, 2021, 2027, ...): the one rule where the two differ.
 *
 * Not modelled: one-off closures of federal offices by executive order (presidential funerals,
 * e.g. EO 11461 for 1969-03-31, EO 13340 for 2004-06-11; extra Christmas Eve/Dec 26 days off,
 * e.g. 2019-12-24), since the Reserve Banks and the Treasury market did not uniformly close on
 * them; Inauguration Day (a holiday in the Washington area only). Nor the bond market's own
 * closures: Good Friday (a SIFMA/PSA recommendation, not a federal holiday) and, to the
 * mid-1980s, the New York State bank holidays Lincoln's Birthday (Feb 12) and Election Day that
 * the Federal Reserve Bank of New York observed. Historical H.15 daily series are missing those
 * days too; see README "Calendars" for the measured effect on `tseries::tcmd`.
 *
 * @see 5 U.S.C. 6103 and its notes (amendment history), https://www.law.cornell.edu/uscode/text/5/6103 ;
 *      Uniform Monday Holiday Act, Pub. L. 90-363, 82 Stat. 250 (1968); Pub. L. 94-97 (1975,
 *      Veterans Day); Pub. L. 98-144 (1983, King); Pub. L. 117-17 (2021, Juneteenth);
 *      Executive Order 11582, 36 FR 2957 (1971); Federal Reserve holiday schedule,
 *      https://www.federalreserve.gov/aboutthefed/k8.htm ; OPM federal holidays,
 *      https://www.opm.gov/policy-data-oversight/pay-leave/federal-holidays/ ;
 *      CRS report R41990 "Federal Holidays: Evolution and Current Practices".
 * @example usFederalHolidays(1978).get(dayNumber(1978, 11, 10)) // "Veterans Day (observed)"
 */
import { dayNumber, weekdayOf } from "./_date.ts";
import { nthWeekday, thanksgivingDay } from "./holidays.ts";

/** Session of a `us_federal` business day, minutes of the New York day: the whole day. */
export const US_FEDERAL_HOURS: readonly [number, number] = [0, 24 * 60];

/**
 * Federal holidays of a year that fall on weekdays (module doc), day number -> name. A Saturday
 * holiday (other than New Year's Day) adds the Friday before, which lies in the same year for
 * every holiday but New Year's Day, so each year's map holds only its own dates.
 * @example usFederalHolidays(1975).has(dayNumber(1975, 10, 27)) // true (Veterans Day 1971-1977)
 */
export function usFederalHolidays(year: number): Map<number, string> {
  const out = new Map<number, string>();
  const fixed = (month: number, day: number, name: string, saturdayToFriday = true) => {
    const d = dayNumber(year, month, day);
    const wd = weekdayOf(d);
    if (wd === 0) out.set(d + 1, `${name} (observed)`);
    else if (wd === 6) {
      if (saturdayToFriday) out.set(d - 1, `${name} (observed)`);
    } else out.set(d, name);
  };
  fixed(1, 1, "New Year's Day", false);
  if (year >= 1986) out.set(nthWeekday(year, 1, 1, 3), "Birthday of Martin Luther King, Jr.");
  if (year <= 1970) fixed(2, 22, "Washington's Birthday");
  else out.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  if (year <= 1970) fixed(5, 30, "Memorial Day");
  else out.set(nthWeekday(year, 5, 1, -1), "Memorial Day");
  if (year >= 2022) fixed(6, 19, "Juneteenth National Independence Day");
  fixed(7, 4, "Independence Day");
  out.set(nthWeekday(year, 9, 1, 1), "Labor Day");
  if (year >= 1937 && year <= 1970) fixed(10, 12, "Columbus Day");
  else if (year >= 1971) out.set(nthWeekday(year, 10, 1, 2), "Columbus Day");
  if (year >= 1971 && year <= 1977) out.set(nthWeekday(year, 10, 1, 4), "Veterans Day");
  else if (year >= 1938) fixed(11, 11, year <= 1953 ? "Armistice Day" : "Veterans Day");
  out.set(thanksgivingDay(year), "Thanksgiving Day");
  fixed(12, 25, "Christmas Day");
  return out;
}

/** `us_federal` has no early closes (a date calendar). */
export function usFederalEarlyCloses(_year: number): [number, number][] {
  return [];
}
