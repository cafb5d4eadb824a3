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
  assertEquals(universeAsOf(listings, "2020-03-02"), ["ACME", "OLDE"]);
  assertEquals(universeAsOf(listings, "2021-06-01"), ["ACME", "NEWC", "OLDE"]);
  assertEquals(universeAsOf(listings, "2021-06-01", { assetTypes: ["Stock"] }), ["ACME", "NEWC"]);
  assertEquals(universeAsOf([], "2021-06-01"), []);
  assertEquals(isListedOn(listings[1]!, "2005-01-03"), true);
  assertEquals(isListedOn(listings[1]!, "2005-01-02"), false);
});

Deno.test("universe mask over a date x symbol panel", () => {
  const mask = universeMask(listings, ["2020-02-28", "2020-03-02"], ["GONE", "ACME", "ZZZZ"]);
  assertEquals(Array.from(mask), [1, 1, 0, 0, 1, 0]);
});
