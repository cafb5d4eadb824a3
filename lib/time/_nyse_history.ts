/**
 * NYSE closures, early closes and late opens that no recurring rule in holidays.ts produces,
 * 1926-2100 (none are known after 2025-01-09; later years carry only the rules).
 *
 * Each entry is a run of days [first, last] (ISO, inclusive) with its reason; a run applies to
 * the days in it that would otherwise be sessions (weekdays, and Saturdays before 1952-09-29),
 * so a run may span a weekend or a holiday. Times are New York wall clock. Intraday halts (listed
 * as "not implemented" in the source) are not modelled, nor are deviations of under five minutes
 * from the regular hours, which would only turn a vendor's regular first or last minute bar into
 * "not a session": 1981-09-09 15:28 and 2005-06-01 15:56 closes (power failure, systems
 * problem); 09:31-09:33 opens after moments of silence (1991-01-17, 1991-02-25, 2001-09-17, 2001-10-08,
 * 2003-03-20, 2004-06-07, 2006-12-27) and 1990-12-27 (Con Edison transformer).
 *
 * @see NYSE "Closings" history 1885-2011 (NYSE Group),
 *      https://github.com/rsheftel/pandas_market_calendars/files/6827110/Stocks.NYSE-Closings.pdf,
 *      and http://www.ltadvisors.net/Info/research/closings.pdf; from 2012 the NYSE Group
 *      announcements (Hurricane Sandy 2012-10-29/30; national days of mourning 2018-12-05 and
 *      2025-01-09), https://www.nyse.com/markets/hours-calendars. The dates were cross-checked
 *      day by day against pandas_market_calendars 5.x (holidays/nyse.py, which cites the same
 *      closings list); where its docstring and its data disagree, its data is followed
 *      (1929-11-18..22 early closes, not closures; 1967-08-09 first backlog early close).
 */

/** A run of days [first, last] (ISO, inclusive) with one reason. */
export type DayRun = readonly [first: string, last: string, reason: string];
/** A run of sessions [first, last] whose close (or open) is moved to `time` ("HH:MM" New York). */
export type TimedRun = readonly [first: string, last: string, time: string, reason: string];

/** Full-day closures (ad hoc holidays, funerals, emergencies, backlog relief). */
export const CLOSURE_RUNS: readonly DayRun[] = [
  ["1926-05-29", "1926-05-29", "Saturday before Decoration Day"],
  ["1926-07-03", "1926-07-03", "Saturday before Independence Day"],
  ["1926-09-04", "1926-09-04", "Saturday before Labor Day"],
  ["1927-06-13", "1927-06-13", "Parade for Charles Lindbergh"],
  ["1928-04-07", "1928-04-07", "Paperwork backlog relief"],
  ["1928-04-21", "1928-04-21", "Paperwork backlog relief"],
  ["1928-05-05", "1928-05-05", "Paperwork backlog relief"],
  ["1928-05-12", "1928-05-12", "Paperwork backlog relief"],
  ["1928-05-19", "1928-05-19", "Paperwork backlog relief"],
  ["1928-05-26", "1928-05-26", "Paperwork backlog relief"],
  ["1928-11-24", "1928-11-24", "Paperwork backlog relief"],
  ["1929-02-09", "1929-02-09", "Paperwork backlog relief (1929 crash)"],
  ["1929-02-23", "1929-02-23", "Saturday after Washington's Birthday"],
  ["1929-03-30", "1929-03-30", "Saturday after Good Friday"],
  ["1929-08-31", "1929-08-31", "Saturday before Labor Day"],
  ["1929-11-01", "1929-11-02", "Paperwork backlog relief (1929 crash)"],
  ["1929-11-09", "1929-11-09", "Paperwork backlog relief (1929 crash)"],
  ["1929-11-16", "1929-11-16", "Paperwork backlog relief (1929 crash)"],
  ["1929-11-23", "1929-11-23", "Paperwork backlog relief (1929 crash)"],
  ["1929-11-29", "1929-11-30", "Paperwork backlog relief (1929 crash)"],
  ["1930-04-19", "1930-04-19", "Saturday after Good Friday"],
  ["1930-05-31", "1930-05-31", "Saturday after Decoration Day"],
  ["1930-07-05", "1930-07-05", "Saturday after Independence Day"],
  ["1930-08-30", "1930-08-30", "Saturday before Labor Day"],
  ["1931-09-05", "1931-09-05", "Saturday before Labor Day"],
  ["1931-12-26", "1931-12-26", "Saturday after Christmas"],
  ["1932-07-02", "1932-07-02", "Saturday before Independence Day"],
  ["1933-01-07", "1933-01-07", "Funeral of former President Calvin Coolidge"],
  ["1933-03-04", "1933-03-14", "Banking holiday"],
  ["1933-07-29", "1933-07-29", "Heavy-volume backlog relief"],
  ["1933-08-05", "1933-08-05", "Heavy-volume backlog relief"],
  ["1933-08-12", "1933-08-12", "Heavy-volume backlog relief"],
  ["1933-08-19", "1933-08-19", "Heavy-volume backlog relief"],
  ["1933-08-26", "1933-08-26", "Heavy-volume backlog relief"],
  ["1933-09-02", "1933-09-02", "Heavy-volume backlog relief"],
  ["1936-12-26", "1936-12-26", "Saturday after Christmas"],
  ["1937-05-29", "1937-05-29", "Saturday before Decoration Day"],
  ["1937-07-03", "1937-07-03", "Saturday before Independence Day"],
  ["1945-04-14", "1945-04-14", "National Day of Mourning for President Franklin D. Roosevelt"],
  ["1945-08-15", "1945-08-16", "V-J Day (end of World War II)"],
  ["1945-10-13", "1945-10-13", "Saturday after Columbus Day"],
  ["1945-10-27", "1945-10-27", "Navy Day"],
  ["1945-12-24", "1945-12-24", "Christmas Eve"],
  ["1946-02-23", "1946-02-23", "Saturday after Washington's Birthday"],
  ["1946-05-25", "1946-05-25", "Railroad strike"],
  ["1948-01-03", "1948-01-03", "Severe weather"],
  ["1949-12-24", "1949-12-24", "Saturday before Christmas"],
  ["1950-12-23", "1950-12-23", "Saturday before Christmas"],
  ["1956-12-24", "1956-12-24", "Christmas Eve"],
  ["1958-12-26", "1958-12-26", "Day after Christmas"],
  ["1961-05-29", "1961-05-29", "Day before Decoration Day"],
  ["1963-11-25", "1963-11-25", "Funeral of President John F. Kennedy"],
  ["1968-02-12", "1968-02-12", "Lincoln's Birthday (paperwork backlog)"],
  ["1968-04-09", "1968-04-09", "Day of mourning for Martin Luther King Jr."],
  ["1968-07-05", "1968-07-05", "Day after Independence Day"],
  ["1968-11-11", "1968-11-11", "Veterans Day"],
  ["1969-02-10", "1969-02-10", "Heavy snow"],
  ["1969-03-31", "1969-03-31", "Funeral of former President Dwight D. Eisenhower"],
  [
    "1969-07-21",
    "1969-07-21",
    "National Day of Participation for the lunar exploration (Apollo 11)",
  ],
  ["1972-12-28", "1972-12-28", "Funeral of former President Harry S. Truman"],
  ["1973-01-25", "1973-01-25", "Funeral of former President Lyndon B. Johnson"],
  ["1977-07-14", "1977-07-14", "New York City blackout"],
  ["1985-09-27", "1985-09-27", "Hurricane Gloria"],
  ["1994-04-27", "1994-04-27", "Funeral of former President Richard M. Nixon"],
  ["2001-09-11", "2001-09-14", "September 11 attacks"],
  ["2004-06-11", "2004-06-11", "National Day of Mourning for President Ronald Reagan"],
  ["2007-01-02", "2007-01-02", "National Day of Mourning for President Gerald Ford"],
  ["2012-10-29", "2012-10-30", "Hurricane Sandy"],
  ["2018-12-05", "2018-12-05", "National Day of Mourning for President George H. W. Bush"],
  ["2025-01-09", "2025-01-09", "National Day of Mourning for President Jimmy Carter"],
];

/**
 * Summer Saturday closings, 1944-1952: every Saturday in the run was closed. Saturday trading
 * ended for good after 1952-09-27 (the last Saturday session was 1952-05-24).
 */
export const SATURDAY_CLOSURE_RUNS: readonly DayRun[] = [
  ["1944-08-19", "1944-09-02", "Summer Saturday closing"],
  ["1945-07-07", "1945-09-01", "Summer Saturday closing"],
  ["1946-06-01", "1946-09-28", "Summer Saturday closing"],
  ["1947-05-31", "1947-09-27", "Summer Saturday closing"],
  ["1948-05-29", "1948-09-25", "Summer Saturday closing"],
  ["1949-05-28", "1949-09-24", "Summer Saturday closing"],
  ["1950-06-03", "1950-09-30", "Summer Saturday closing"],
  ["1951-06-02", "1951-09-29", "Summer Saturday closing"],
  ["1952-05-31", "1952-09-27", "Summer Saturday closing"],
];

/**
 * The 1968 paperwork crisis: from 1968-06-12 to the end of 1968 the exchange closed every
 * Wednesday, except in weeks that already had a holiday (the four-day week).
 */
export const WEDNESDAY_CLOSURE_RUN: DayRun = [
  "1968-06-12",
  "1968-12-31",
  "Paperwork crisis Wednesday closing",
];

/** Sessions that closed early (time = the close). Before 1993 the usual short day ended 14:00. */
export const EARLY_CLOSE_RUNS: readonly TimedRun[] = [
  ["1928-05-21", "1928-05-25", "14:00", "Paperwork backlog relief"],
  ["1929-11-06", "1929-11-08", "13:00", "Backlog relief after the 1929 crash"],
  ["1929-11-11", "1929-11-15", "13:00", "Backlog relief after the 1929 crash"],
  ["1929-11-18", "1929-11-22", "13:00", "Backlog relief after the 1929 crash"],
  ["1930-03-11", "1930-03-11", "12:30", "Funeral of former President William H. Taft"],
  ["1933-07-26", "1933-07-28", "14:00", "Heavy-volume backlog relief"],
  ["1933-08-04", "1933-08-04", "12:30", "Gas fumes on the trading floor"],
  ["1933-09-13", "1933-09-13", "12:00", "NRA demonstration"],
  ["1951-12-24", "1951-12-24", "13:00", "Christmas Eve"],
  ["1963-11-22", "1963-11-22", "14:07", "Assassination of President John F. Kennedy"],
  ["1964-10-23", "1964-10-23", "14:00", "Funeral of former President Herbert Hoover"],
  ["1966-01-06", "1966-01-14", "14:00", "New York City transit strike"],
  ["1967-02-07", "1967-02-07", "14:00", "Snowstorm"],
  ["1967-08-09", "1967-08-18", "14:00", "Paperwork backlog"],
  ["1968-01-22", "1968-03-01", "14:00", "Paperwork backlog"],
  ["1969-01-02", "1969-07-03", "14:00", "Paperwork crisis shortened hours"],
  ["1969-07-07", "1969-09-26", "14:30", "Paperwork crisis shortened hours"],
  ["1969-09-29", "1970-05-01", "15:00", "Paperwork crisis shortened hours"],
  ["1974-12-24", "1974-12-24", "14:00", "Christmas Eve"],
  ["1975-02-12", "1975-02-12", "14:30", "Snowstorm"],
  ["1975-12-24", "1975-12-24", "14:00", "Christmas Eve"],
  ["1976-08-09", "1976-08-09", "15:00", "Hurricane watch"],
  ["1978-02-06", "1978-02-06", "14:00", "Snowstorm"],
  ["1981-03-30", "1981-03-30", "15:17", "Attempted assassination of President Reagan"],
  ["1987-10-23", "1987-10-30", "14:00", "Volume after the October 19, 1987 crash"],
  ["1987-11-02", "1987-11-04", "14:30", "Volume after the October 19, 1987 crash"],
  ["1987-11-05", "1987-11-06", "15:00", "Volume after the October 19, 1987 crash"],
  ["1987-11-09", "1987-11-11", "15:30", "Trading floor and clerical staff strike"],
  ["1990-12-24", "1990-12-24", "14:00", "Christmas Eve"],
  ["1991-12-24", "1991-12-24", "14:00", "Christmas Eve"],
  ["1992-12-24", "1992-12-24", "14:00", "Christmas Eve"],
  ["1994-02-11", "1994-02-11", "14:30", "Snowstorm"],
  ["1996-01-08", "1996-01-08", "14:00", "Snowstorm"],
  ["1996-12-24", "1996-12-24", "13:00", "Christmas Eve"],
  ["1997-10-27", "1997-10-27", "15:30", "Circuit breaker triggered"],
  ["1997-12-24", "1997-12-24", "13:00", "Christmas Eve"],
  ["1997-12-26", "1997-12-26", "13:00", "Day after Christmas"],
  ["1998-12-24", "1998-12-24", "13:00", "Christmas Eve"],
  ["2003-12-26", "2003-12-26", "13:00", "Day after Christmas"],
];

/** Sessions that opened late (time = the open). */
export const LATE_OPEN_RUNS: readonly TimedRun[] = [
  ["1929-10-31", "1929-10-31", "12:00", "Backlog relief after the 1929 crash"],
  ["1933-07-24", "1933-07-25", "12:00", "Heavy-volume backlog relief"],
  ["1933-07-26", "1933-07-28", "11:00", "Heavy-volume backlog relief"],
  ["1934-02-20", "1934-02-20", "11:00", "Snowstorm"],
  ["1936-01-28", "1936-01-28", "11:00", "Funeral of King George V"],
  ["1960-12-12", "1960-12-12", "11:00", "Snowstorm"],
  ["1965-11-10", "1965-11-10", "11:05", "Northeast power failure"],
  ["1967-02-07", "1967-02-07", "10:15", "Snowstorm"],
  ["1969-02-11", "1969-02-11", "11:00", "Snowstorm"],
  ["1969-06-02", "1969-06-02", "10:45", "Storm"],
  ["1973-12-17", "1973-12-17", "11:00", "Ice storm"],
  ["1974-01-16", "1974-01-16", "10:15", "Merrill Lynch computer trouble"],
  ["1974-11-22", "1974-11-22", "10:15", "Fire drill"],
  ["1976-02-02", "1976-02-02", "11:15", "Storm"],
  ["1976-06-08", "1976-06-08", "10:15", "Fire drill"],
  ["1978-01-20", "1978-01-20", "12:00", "Snowstorm"],
  ["1978-02-07", "1978-02-07", "11:00", "Snowstorm"],
  ["1989-11-10", "1989-11-10", "11:00", "Electrical fire"],
  ["1995-12-18", "1995-12-18", "10:30", "Computer system trouble"],
  ["1996-01-08", "1996-01-08", "11:00", "Snowstorm"],
  ["2002-09-11", "2002-09-11", "12:00", "First anniversary of September 11"],
];
