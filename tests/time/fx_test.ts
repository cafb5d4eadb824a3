/** lib/time/fx.ts: FX week Sunday 17:00 - Friday 17:00 New York, across DST (hand-worked). */
import { assertEquals, assertThrows } from "../_assert.ts";
import { fxWeekBounds, isFxOpen, nyDate } from "../../lib/time/mod.ts";

function iso(b: { open: Date; close: Date }): [string, string] {
  return [b.open.toISOString(), b.close.toISOString()];
}

Deno.test("fxWeekBounds across DST changes", () => {
  // Week of 2024-03-10: opens Sunday 17:00 EDT (DST began 02:00 that morning) = 21:00Z.
  const spring: [string, string] = ["2024-03-10T21:00:00.000Z", "2024-03-15T21:00:00.000Z"];
  for (const d of ["2024-03-10", "2024-03-13", "2024-03-15", "2024-03-16"]) {
    assertEquals(iso(fxWeekBounds(d)), spring, d);
  }
  // Week before: opens 17:00 EST = 22:00Z.
  assertEquals(iso(fxWeekBounds("2024-03-08")), [
    "2024-03-03T22:00:00.000Z",
    "2024-03-08T22:00:00.000Z",
  ]);
  // Week of 2024-11-03: DST ended 02:00 that Sunday, so 17:00 EST = 22:00Z.
  assertEquals(iso(fxWeekBounds("2024-11-06")), [
    "2024-11-03T22:00:00.000Z",
    "2024-11-08T22:00:00.000Z",
  ]);
  // Week of 2024-10-27 (summer time): 21:00Z.
  assertEquals(iso(fxWeekBounds(new Date("2024-11-01T12:00:00Z"))), [
    "2024-10-27T21:00:00.000Z",
    "2024-11-01T21:00:00.000Z",
  ]);
});

Deno.test("isFxOpen at the edges of the week", () => {
  assertEquals(isFxOpen(new Date("2024-03-10T20:59:59.999Z")), false); // Sun 16:59 EDT
  assertEquals(isFxOpen(new Date("2024-03-10T21:00:00Z")), true); // Sun 17:00 EDT
  assertEquals(isFxOpen(new Date("2024-03-15T20:59:59Z")), true); // Fri 16:59 EDT
  assertEquals(isFxOpen(new Date("2024-03-15T21:00:00Z")), false); // Fri 17:00 EDT
  assertEquals(isFxOpen(Date.parse("2024-03-16T12:00:00Z")), false); // Saturday
  assertEquals(isFxOpen(Date.parse("2024-03-03T21:30:00Z")), false); // Sun 16:30 EST
  assertEquals(isFxOpen(Date.parse("2024-03-03T22:00:00Z")), true); // Sun 17:00 EST
  assertEquals(isFxOpen(Date.parse("2024-12-25T12:00:00Z")), true); // US holiday: still open
});

Deno.test("isFxOpen equals membership of the week of the New York date, every 15 min of 2024", () => {
  const start = Date.parse("2024-01-01T00:00:00Z");
  let open = 0;
  for (let ms = start; ms < start + 366 * 86_400_000; ms += 900_000) {
    const b = fxWeekBounds(nyDate(ms));
    const inWeek = ms >= b.open.getTime() && ms < b.close.getTime();
    assertEquals(isFxOpen(ms), inWeek, new Date(ms).toISOString());
    if (inWeek) open++;
  }
  // 52 full weeks of 120 h plus the week opening Sun 2024-12-29 (and part of the first week).
  assertEquals(open > 52 * 120 * 4, true);
});

Deno.test("bad input", () => {
  assertThrows(() => isFxOpen(NaN), RangeError);
  assertThrows(() => fxWeekBounds("2024-02-31"), RangeError, "2024-02-31");
});
