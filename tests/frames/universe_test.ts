import { assertEquals } from "../_assert.ts";
import { isListedOn, universeAsOf, universeMask } from "../../lib/frames/universe.ts";

const listings = [
  { symbol: "ACME", ipoDate: "1999-11-18", delistingDate: "null", assetType: "Stock" },
  { symbol: "GONE", ipoDate: "2005-01-03", delistingDate: "2020-03-02", assetType: "Stock" },
  { symbol: "NEWC", ipoDate: "2021-06-01", delistingDate: null, assetType: "Stock" },
  { symbol: "OLDE", ipoDate: "", delistingDate: "", assetType: "ETF" },
];

Deno.test("a delisted name is in the universe before its delisting date and absent after", () => {
  assertEquals(universeAsOf(listings, "2020-02-28"), ["ACME", "GONE", "OLDE"]);
  // the delisting date is its last trading session
  assertEquals(universeAsOf(listings, "2020-03-02"), ["ACME", "GONE", "OLDE"]);
  assertEquals(universeAsOf(listings, "2020-03-03"), ["ACME", "OLDE"]);
  assertEquals(universeAsOf(listings, "2021-06-01"), ["ACME", "NEWC", "OLDE"]);
  assertEquals(universeAsOf(listings, "2021-06-01", { assetTypes: ["Stock"] }), ["ACME", "NEWC"]);
  assertEquals(universeAsOf([], "2021-06-01"), []);
  assertEquals(isListedOn(listings[1]!, "2005-01-03"), true);
  assertEquals(isListedOn(listings[1]!, "2005-01-02"), false);
});

Deno.test("universe mask over a date x symbol panel", () => {
  const mask = universeMask(listings, ["2020-02-28", "2020-03-03"], ["GONE", "ACME", "ZZZZ"]);
  assertEquals(Array.from(mask), [1, 1, 0, 0, 1, 0]);
});

Deno.test("universe from the simulated market's listings: delisted names until their last session", async () => {
  const { generateWorld } = await import("../../lib/sources/sim/world.ts");
  const w = generateWorld({ seed: 1, start: "2024-01-02", end: "2024-06-28", equityCount: 40 });
  const listings = w.listings().map((l) => ({ ...l, symbol: l.ticker }));
  const gone = listings.find((l) => l.delistingDate && l.delistingDate >= "2024-01-02");
  if (!gone) throw new Error("seed 1 should delist a name in range");
  const last = gone.delistingDate!;
  const i = w.days.indexOf(last);
  assertEquals(universeAsOf(listings, last).includes(gone.symbol), true);
  assertEquals(universeAsOf(listings, w.days[i + 1]!).includes(gone.symbol), false);
  // the simulator's daily bars stop at the same session
  assertEquals(w.equityDaily(gone.ticker).dates.at(-1), last);
});
