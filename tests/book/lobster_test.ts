/**
 * LOBSTER reading on a file written by the published format (tests/fixtures/lobster, made by an
 * independent Python script; provenance beside it), and bad rows.
 */
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  formatLobster,
  lobsterTimeNs,
  parseLobster,
  parseLobsterFileName,
} from "../../lib/book/mod.ts";

import { FIXTURE_MSG as MSG, fixtureTexts } from "./_fixture.ts";
const RTOL_PRICE = 1e-12;

Deno.test("LOBSTER file names", () => {
  assertEquals(parseLobsterFileName(`/x/${MSG}`), {
    symbol: "TEST",
    date: "2012-06-21",
    startMs: 34200000,
    endMs: 57600000,
    kind: "message",
    levels: 3,
  });
  assertEquals(parseLobsterFileName("TEST_2012-02-30_1_2_message_3.csv"), null);
  assertEquals(parseLobsterFileName("TEST_2012-06-21_1_2_quotes_3.csv"), null);
  assertEquals(parseLobsterFileName("TEST_2012-06-21_1_2_message_0.csv"), null);
});

Deno.test("LOBSTER times are exact nanoseconds", () => {
  assertEquals(lobsterTimeNs("34203.123456789"), 34203123456789);
  assertEquals(lobsterTimeNs("34200.5"), 34200500000000);
  assertEquals(lobsterTimeNs("34200"), 34200000000000);
  assert(Number.isNaN(lobsterTimeNs("1e3")));
});

Deno.test("LOBSTER fixture: messages, levels, USD prices, empty levels, epoch times", async () => {
  const { message, orderbook } = await fixtureTexts();
  const { day, problems } = parseLobster(message, orderbook, {
    symbol: "TEST",
    date: "2012-06-21",
  });
  assertEquals(problems, []);
  assertEquals(day.length, 10);
  assertEquals(day.levels, 3);
  assertEquals(Array.from(day.eventType), [1, 4, 2, 1, 4, 5, 3, 7, 7, 1]);
  assertEquals(Array.from(day.direction), [1, -1, 1, -1, 1, 1, -1, -1, -1, 1]);
  assertAlmostEquals(day.price[0]!, 100.01, 0, "price", RTOL_PRICE);
  assertAlmostEquals(day.askPrice[0]![0]!, 100.02, 0, "ask1", RTOL_PRICE);
  assertEquals(day.askSize[0]![0], 100);
  assertAlmostEquals(day.bidPrice[2]![0]!, 99.99, 0, "bid3", RTOL_PRICE);
  // row 2: the 100.02 ask was taken, only two ask levels left: the third is the dummy
  assert(Number.isNaN(day.askPrice[2]![1]!));
  assertEquals(day.askSize[2]![1], 0);
  // 2012-06-21 is EDT: midnight 04:00 UTC; 34200.000000001 s -> 13:30:00.000 UTC (floor)
  assertEquals(day.tsMs[0], Date.UTC(2012, 5, 21, 13, 30, 0, 0));
  assertEquals(day.timeNs[6], 34203123456789);
  assertEquals(day.tsMs[6], Date.UTC(2012, 5, 21, 13, 30, 3, 123));
  // halt rows repeat the book
  assertEquals(day.bidSize[0]![7], day.bidSize[0]![6]);
});

Deno.test("LOBSTER: format(parse(x)) gives the file bytes back", async () => {
  const { message, orderbook } = await fixtureTexts();
  const { day } = parseLobster(message, orderbook, { symbol: "TEST", date: "2012-06-21" });
  const out = formatLobster(day);
  assertEquals(out.orderbook, orderbook);
  assertEquals(out.message, message);
});

Deno.test("LOBSTER: bad rows are reported with reason codes, good rows kept", async () => {
  const { message, orderbook } = await fixtureTexts();
  const m = message.trimEnd().split("\n"), o = orderbook.trimEnd().split("\n");
  m[1] = m[1]!.replace(",4,", ",9,"); // unknown type
  m[2] = m[2] + ",0"; // 7 fields
  o[3] = o[3]!.replace("1000200,300", "1000200,abc"); // not a number
  m[4] = "34100.000000000" + m[4]!.slice(m[4]!.indexOf(",")); // back in time
  o[5] = "999000,300,1000100,150" + o[5]!.slice(o[5]!.indexOf(",", 22)); // crossed
  const { day, problems } = parseLobster(m.join("\n"), o.join("\n"), {
    symbol: "TEST",
    date: "2012-06-21",
    levels: 3,
  });
  assertEquals(problems.map((p) => [p.line, p.code]), [
    [2, "invalid_value"],
    [3, "field_count"],
    [4, "not_a_number"],
    [5, "not_increasing"],
    [6, "invalid_value"],
  ]);
  assertEquals(day.length + problems.length, 10);
  assertEquals(Array.from(day.seq), [0, 6, 7, 8, 9]);
  assertThrows(
    () =>
      parseLobster(message, orderbook.split("\n").slice(0, 3).join("\n"), {
        symbol: "T",
        date: "2012-06-21",
      }),
    RangeError,
    "message file has 10 rows",
  );
  assertEquals(parseLobster("", "", { symbol: "T", date: "2012-06-21" }).day.length, 0);
});
