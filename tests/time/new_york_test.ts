/**
 * lib/time/new_york.ts: hand cases at the DST transitions and agreement with luxon (used
 * directly, per instant) on a seeded sample of instants 1999-2036.
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

Deno.test("nyDate and offset agree with luxon on 20k random instants", () => {
  const rng = new Rng(20241103);
  const lo = Date.parse("1999-01-01T00:00:00Z");
  const hi = Date.parse("2036-12-31T00:00:00Z");
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
  assertThrows(() => nyOffsetMinutes(Date.parse("1998-12-31T00:00:00Z")), RangeError, "outside");
  assertThrows(() => nyOffsetMinutes(Date.parse("2037-01-01T00:00:00Z")), RangeError, "outside");
});
