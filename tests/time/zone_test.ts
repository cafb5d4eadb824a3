/**
 * lib/time/_zone.ts: London and Berlin offsets against luxon (used directly) at every UTC midnight
 * and noon 1925-2101, plus hand cases from the zones' history (tz database 'europe' file).
 */
// @deno-types="@types/luxon"
import { DateTime } from "luxon";
import { assertEquals, assertThrows } from "../_assert.ts";
import { ZoneClock } from "../../lib/time/_zone.ts";

for (const tz of ["Europe/London", "Europe/Berlin"]) {
  Deno.test(`${tz}: offset at every UTC midnight and noon 1925-2101 equals luxon's`, () => {
    const clock = new ZoneClock(tz);
    const bad: string[] = [];
    for (let ms = Date.UTC(1925, 0, 1); ms < Date.UTC(2102, 0, 1); ms += 43_200_000) {
      if (clock.offsetMinutes(ms) !== DateTime.fromMillis(ms, { zone: tz }).offset) {
        bad.push(new Date(ms).toISOString());
      }
    }
    assertEquals(bad, []);
  });
}

Deno.test("zone history hand cases and wall-clock conversion", () => {
  const london = new ZoneClock("Europe/London");
  assertEquals(london.offsetMinutes(Date.UTC(1944, 5, 1, 12)), 120); // double summer time
  assertEquals(london.offsetMinutes(Date.UTC(1944, 0, 15, 12)), 60); // wartime winter BST
  assertEquals(london.offsetMinutes(Date.UTC(1970, 0, 15, 12)), 60); // British Standard Time
  assertEquals(london.offsetMinutes(Date.UTC(1973, 0, 15, 12)), 0);
  // BST 2024 from Sunday Mar 31 01:00Z.
  assertEquals(london.offsetMinutes(Date.parse("2024-03-31T00:59:59Z")), 0);
  assertEquals(london.offsetMinutes(Date.parse("2024-03-31T01:00:00Z")), 60);
  const berlin = new ZoneClock("Europe/Berlin");
  assertEquals(berlin.offsetMinutes(Date.UTC(1975, 6, 1, 12)), 60); // no DST 1950-1979
  assertEquals(berlin.offsetMinutes(Date.UTC(1985, 6, 1, 12)), 120);
  // 09:00 Berlin on 2024-07-01 (CEST) is 07:00Z; on 2024-01-02 (CET) 08:00Z.
  const day = (iso: string) => Date.parse(iso) / 86_400_000;
  assertEquals(
    new Date(berlin.wallToMs(day("2024-07-01"), 540)).toISOString(),
    "2024-07-01T07:00:00.000Z",
  );
  assertEquals(
    new Date(berlin.wallToMs(day("2024-01-02"), 540)).toISOString(),
    "2024-01-02T08:00:00.000Z",
  );
  assertEquals(berlin.dayNumber(Date.parse("2024-07-01T22:30:00Z")), day("2024-07-02")); // 00:30 CEST
  assertThrows(() => new ZoneClock("Mars/Olympus"), RangeError, "Unknown time zone");
  assertThrows(() => london.offsetMinutes(Date.UTC(2102, 0, 2)), RangeError, "outside");
});
