import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { informationCoefficient } from "../../lib/features/information_coefficient.ts";
import { newsSentimentPanel } from "../../lib/features/news.ts";
import { sessionBounds } from "../../lib/time/mod.ts";

const f = (xs: number[]) => Float64Array.from(xs);

Deno.test("IC: hand-worked Spearman per date, NaN rows, summary", () => {
  // date 0: same order -> 1; date 1: reversed -> -1; date 2: ranks (1,2,3) vs (2,1,3): rho = 0.5
  const x = f([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, NaN, 3]);
  const y = f([10, 20, 30, 3, 2, 1, 2, 1, 3, 5, 6, 7]);
  const r = informationCoefficient({ feature: x, label: y }, 3);
  assertAlmostEquals(r.ic[0]!, 1, 1e-12);
  assertAlmostEquals(r.ic[1]!, -1, 1e-12);
  assertAlmostEquals(r.ic[2]!, 0.5, 1e-12);
  assert(Number.isNaN(r.ic[3]!)); // only two symbols with both values
  assertEquals(r.dates, 3);
  assertAlmostEquals(r.mean, 0.5 / 3, 1e-12);
  // constant feature row: undefined correlation
  assert(
    Number.isNaN(informationCoefficient({ feature: f([1, 1, 1]), label: f([1, 2, 3]) }, 3).ic[0]!),
  );
  assertEquals(informationCoefficient({ feature: f([]), label: f([]) }, 3).dates, 0);
  assertThrows(
    () => informationCoefficient({ feature: f([1]), label: f([1, 2]) }, 1),
    RangeError,
    "Cannot compute IC",
  );
});

Deno.test("news sentiment: counted from the first close at or after publication, for w sessions", () => {
  const dates = ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07"];
  const c0 = sessionBounds(dates[0]!)!.close.getTime();
  const c1 = sessionBounds(dates[1]!)!.close.getTime();
  const news = [
    { symbol: "A", knownAt: c0, sentiment: 1 }, // public exactly at the close of day 0
    { symbol: "A", knownAt: c0 + 1, sentiment: -1 }, // after the close: counts from day 1
    { symbol: "B", knownAt: c1 - 3_600_000, sentiment: 1 },
    { symbol: "Z", knownAt: c0, sentiment: 1 }, // not in the panel
  ];
  const s = newsSentimentPanel(news, { dates, symbols: ["A", "B"] }, { windowSessions: 2 });
  assertEquals(Array.from(s), [1, 0, 0, 1, -1, 1, 0, 0]);
  assertThrows(
    () => newsSentimentPanel(news, { dates: ["2024-03-09"], symbols: ["A"] }),
    RangeError,
    "not a trading day",
  );
  // point in time: flipping the article public during day 1 changes nothing on day 0
  const flipped = newsSentimentPanel(news.map((a, i) => (i === 2 ? { ...a, sentiment: -1 } : a)), {
    dates,
    symbols: ["A", "B"],
  }, { windowSessions: 2 });
  assertEquals(Array.from(flipped.subarray(0, 2)), Array.from(s.subarray(0, 2)));
  assertEquals(flipped[3], -1);
});
