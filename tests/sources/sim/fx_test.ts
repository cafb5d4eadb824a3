import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { generateWorld } from "../../../lib/sources/sim/mod.ts";
import { fxDays, fxDayStartMs } from "../../../lib/sources/sim/fx.ts";

Deno.test("fx: FX days start 17:00 New York the day before (DST-aware); weekends absent", () => {
  // Monday 2024-03-11: the week opened Sunday 17:00 EDT = 21:00Z (DST began 2024-03-10).
  assertEquals(new Date(fxDayStartMs("2024-03-11")).toISOString(), "2024-03-10T21:00:00.000Z");
  // Monday 2024-03-04 (EST): Sunday 17:00 EST = 22:00Z.
  assertEquals(new Date(fxDayStartMs("2024-03-04")).toISOString(), "2024-03-03T22:00:00.000Z");
  assertEquals(fxDays("2024-03-08", "2024-03-11"), ["2024-03-08", "2024-03-11"]);
});

Deno.test("fx: 1440 minute candles per day; bid < mid < ask; days chain close to open", () => {
  const w = generateWorld({ seed: 4, start: "2024-03-04", end: "2024-03-08", equityCount: 0 });
  for (const pair of w.fx.pairs) {
    const d1 = w.fx.day(pair, "2024-03-05")!, d2 = w.fx.day(pair, "2024-03-06")!;
    assertEquals(d1.mid.length, 1440);
    assertEquals(d2.mid.t[0], d1.mid.t[1439]! + 60_000);
    assertAlmostEquals(d2.mid.o[0]!, d1.mid.c[1439]!, d1.tick / 2, `${pair} continuity`);
    for (let k = 0; k < 1440; k += 97) {
      assert(d1.halfSpread[k]! > 0 && d1.mid.l[k]! <= Math.min(d1.mid.o[k]!, d1.mid.c[k]!));
    }
  }
  assertEquals(w.fx.day("EUR_USD", "2024-03-09"), undefined);
});
