/**
 * lib/time/new_york.ts: hand cases at the DST transitions and agreement with luxon (used
 * directly, per instant) on a seeded sample of instants and at every UTC midnight and noon 1925-2101.
 */
// @deno-types="@types/luxon"
import { DateTime } from "luxon";
import { assertEquals, assertThrows } from "../_assert.ts";
import { nyDate, nyOffsetMinutes } from "../../lib/time/mod.ts";
import { Rng } from "../../lib/core/mod.ts";

Deno.test("DST transitions 2024: offset flips at 07:00Z (March) and 06:00Z (November)", () => {
  // 2024-03-10 02:00 EST = 07:00Z becomes 03:00 EDT; 2024-11-03 02:00 EDT = 06:00Z -> 01:00 EST.
  assertEquals(nyOffsetMinutes(Date.parse("2024-03-10T06:59:59.999Z")), -300);
  assertEquals(nyOffsetMinutes(Date.parse("2024-03-10T07:00:00Z")), -240);
  assertEquals(nyOffsetMinutes(Date.parse("2024-11-03T05:59:59.999Z")), -240);
  assertEquals(nyOffsetMinutes(Date.parse("2024-11-03T06:00:00Z")), -300);
  assertEquals(nyOffsetMinutes(new Date("2005-04-03T07:00:00Z")), -240); // pre-2007 rule
});

Deno.test("nyDate hand cases around midnight", () => {
  assertEquals(nyDate(new Date("2024-03-11T03:30:00Z")), "2024-03-10"); // 23:30 EDT
  assertEquals(nyDate(new Date("2024-03-11T04:00:00Z")), "2024-03-11"); // 00:00 EDT
  assertEquals(nyDate(new Date("2024-01-15T04:59:59Z")), "2024-01-14"); // 23:59:59 EST
  assertEquals(nyDate(Date.parse("2024-01-15T05:00:00Z")), "2024-01-15");
});

Deno.test("nyDate and offset agree with luxon on 20k random instants 1925-2101", () => {
  const rng = new Rng(20241103);
  const lo = Date.parse("1925-01-01T00:00:00Z");
  const hi = Date.parse("2101-12-31T00:00:00Z");
  for (let i = 0; i < 20_000; i++) {
    const ms = Math.floor(lo + rng.uniform() * (hi - lo));
    const dt = DateTime.fromMillis(ms, { zone: "America/New_York" });
    assertEquals(nyOffsetMinutes(ms), dt.offset, new Date(ms).toISOString());
    assertEquals(nyDate(ms), dt.toISODate(), new Date(ms).toISOString());
  }
});

Deno.test("bad instants throw RangeError", () => {
  assertThrows(() => nyDate(NaN), RangeError, "Invalid instant");
  assertThrows(() => nyDate(new Date("nope")), RangeError, "Invalid instant");
  assertThrows(() => nyDate(Infinity), RangeError);
  assertThrows(() => nyOffsetMinutes(Date.parse("1924-12-31T00:00:00Z")), RangeError, "outside");
  assertThrows(() => nyOffsetMinutes(Date.parse("2102-01-01T00:00:00Z")), RangeError, "outside");
});

Deno.test("offset at every UTC midnight and noon 1925-2101 equals luxon's", () => {
  const bad: string[] = [];
  for (let ms = Date.UTC(1925, 0, 1); ms < Date.UTC(2102, 0, 1); ms += 43_200_000) {
    const want = DateTime.fromMillis(ms, { zone: "America/New_York" }).offset;
    if (nyOffsetMinutes(ms) !== want) bad.push(new Date(ms).toISOString());
  }
  assertEquals(bad, []);
});

Deno.test("historical offsets: 1926 NYC summer time, 1942-1945 War Time, 1974 energy-crisis DST", () => {
  // Hand cases from the US DST history (tz database 'northamerica' file, rules NYC and US):
  // 1926: New York City daylight time from the last Sunday of April (Apr 25) 02:00 local.
  assertEquals(nyOffsetMinutes(Date.parse("1926-01-15T12:00:00Z")), -300);
  assertEquals(nyOffsetMinutes(Date.parse("1926-07-01T12:00:00Z")), -240);
  // War Time: 1942-02-09 02:00 EST (07:00Z) clocks forward, all year until 1945-09-30.
  assertEquals(nyOffsetMinutes(Date.parse("1942-02-09T06:59:59Z")), -300);
  assertEquals(nyOffsetMinutes(Date.parse("1942-02-09T07:00:00Z")), -240);
  assertEquals(nyOffsetMinutes(Date.parse("1943-12-25T12:00:00Z")), -240); // winter, still -4
  assertEquals(nyOffsetMinutes(Date.parse("1945-12-25T12:00:00Z")), -300);
  // 1974: year-round DST began 1974-01-06 02:00 EST (07:00Z).
  assertEquals(nyOffsetMinutes(Date.parse("1974-01-06T06:59:59Z")), -300);
  assertEquals(nyOffsetMinutes(Date.parse("1974-01-06T07:00:00Z")), -240);
  assertEquals(nyDate(Date.parse("1943-01-05T04:30:00Z")), "1943-01-05"); // 00:30 EWT
});
