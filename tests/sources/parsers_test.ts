/** Wire-format parsers of every connector, on hand-written payloads in the documented formats. */
import pl from "nodejs-polars";
import { parseAlpacaPage } from "../../lib/sources/alpaca.ts";
import { alphaVantageVerdict, parseListingCsv } from "../../lib/sources/alphavantage.ts";
import { parseFinnhubChain } from "../../lib/sources/finnhub.ts";
import {
  fredVerdict,
  mergeClippedVintages,
  parseObservations,
  splitWindows,
} from "../../lib/sources/fred.ts";
import { parseCandlesPage, parseOandaTime } from "../../lib/sources/oanda.ts";
import { framesFromScan, parseAggPage, polygonVerdict } from "../../lib/sources/polygon.ts";
import { releaseScan, scanAggs } from "../../lib/sources/_aggs_scan.ts";
import { Rng } from "../../lib/core/random.ts";
import { numOrNull, quoteBigInts, sampleFields, toBigInt } from "../../lib/sources/_wire.ts";
import { parseOcc } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";

const RTOL_PRICE = 1e-12;

Deno.test("FRED: '.' kept as received in raw, bad values rejected with the field named", () => {
  const { frame, rejected } = parseObservations([
    { realtime_start: "2024-05-01", realtime_end: "2024-05-01", date: "2024-01-01", value: "3.7" },
    { realtime_start: "2024-05-01", realtime_end: "2024-05-01", date: "2024-02-01", value: "." },
    { realtime_start: "2024-05-01", realtime_end: "2024-05-01", date: "2024-03-01", value: "NaN" },
    { realtime_start: "2024-05-01", date: "2024-04-01", value: "1" },
  ], "UNRATE");
  assertEquals(frame.getColumn("value").toArray(), ["3.7", "."]);
  assertEquals(rejected.map((r) => r.index), [2, 3]);
  assert(rejected[0]!.reason.startsWith("value:"), rejected[0]!.reason);
  assert(rejected[1]!.reason.startsWith("realtime_end:"), rejected[1]!.reason);
  assertEquals(numOrNull("."), null);
  assertEquals(numOrNull("3.7"), 3.7);
});

Deno.test("FRED: real-time windows split on vintage dates under the cap", () => {
  const v = ["2024-01-10", "2024-02-10", "2024-03-10", "2024-04-10", "2024-05-10"];
  assertEquals(splitWindows(v, "1776-07-04", "9999-12-31", 10), [["1776-07-04", "9999-12-31"]]);
  assertEquals(splitWindows(v, "1776-07-04", "9999-12-31", 2), [
    ["1776-07-04", "2024-03-09"],
    ["2024-03-10", "2024-05-09"],
    ["2024-05-10", "9999-12-31"],
  ]);
  assertEquals(splitWindows([], "2020-01-01", "2020-12-31", 2), [["2020-01-01", "2020-12-31"]]);
});

Deno.test("FRED: clipped pieces of a split window merge back; revisions stay apart", () => {
  const f = pl.DataFrame({
    series_id: ["X", "X", "X", "X"],
    date: ["2024-01-01", "2024-01-01", "2024-01-01", "2024-02-01"],
    value: ["1.0", "1.0", "1.1", "2.0"],
    realtime_start: ["2024-01-10", "2024-03-10", "2024-04-10", "2024-03-10"],
    realtime_end: ["2024-03-09", "2024-04-09", "9999-12-31", "9999-12-31"],
  });
  const m = mergeClippedVintages(f);
  assertEquals(m.rows(), [
    ["X", "2024-01-01", "1.0", "2024-01-10", "2024-04-09"],
    ["X", "2024-01-01", "1.1", "2024-04-10", "9999-12-31"],
    ["X", "2024-02-01", "2.0", "2024-03-10", "9999-12-31"],
  ]);
  assertEquals(mergeClippedVintages(f.head(0)).height, 0);
});

Deno.test("FRED: error bodies: 429 and 5xx retryable, 400 not", () => {
  assertEquals(fredVerdict({ error_code: 429, error_message: "Too Many" })?.retryable, true);
  assertEquals(
    fredVerdict({ error_code: 400, error_message: "Bad Request.  x" })?.retryable,
    false,
  );
  assertEquals(fredVerdict({ count: 0, observations: [] }), null);
});

Deno.test("Polygon aggs: typed columns, empty result without `results`, index rows, bad rows", () => {
  const page = parseAggPage({
    ticker: "SPY",
    status: "OK",
    resultsCount: 3,
    results: [
      { v: 100, vw: 10.5, o: 10, c: 11, h: 11.5, l: 9.5, t: 1704205800000, n: 7 },
      { v: 100, vw: 10.5, o: "10", c: 11, h: 11.5, l: 9.5, t: 1704205860000, n: 7 },
      { o: 10, c: 11, h: 11.5, l: 9.5, t: 1704205920000 },
    ],
  }, "SPY");
  assertEquals(page.frame.height, 1);
  assertAlmostEquals(page.frame.getColumn("vw").get(0) as number, 10.5, RTOL_PRICE);
  assertEquals(page.rejected.map((r) => [r.index, r.reason.split(":")[0]]), [[1, "o"], [2, "v"]]);
  const empty = parseAggPage(
    { ticker: "SPY", status: "OK", queryCount: 0, resultsCount: 0 },
    "SPY",
  );
  assertEquals([empty.frame.height, empty.rejected.length], [0, 0]);
  const idx = parseAggPage({
    ticker: "I:VIX",
    status: "OK",
    count: 1,
    results: [{ o: 13, c: 14, h: 14.2, l: 12.9, t: 1 }],
  }, "I:VIX");
  assertEquals(idx.frame.height, 1);
  assertEquals(idx.frame.getColumn("v").get(0), null);
});

Deno.test("Polygon: nanosecond stamps stay exact; OCC tickers; vendor errors in 200 bodies", () => {
  const text = '{"results":[{"sip_timestamp":1712606399123456789,"price":1.5}]}';
  const body = JSON.parse(quoteBigInts(text, ["sip_timestamp"]));
  assertEquals(toBigInt(body.results[0].sip_timestamp), 1712606399123456789n);
  assertEquals(Number(JSON.parse(text).results[0].sip_timestamp) === 1712606399123456789, true); // the trap: rounds silently
  assert(
    BigInt(JSON.parse(text).results[0].sip_timestamp) !== 1712606399123456789n,
    "plain JSON.parse loses ns",
  );
  assertEquals(parseOcc("O:SPY240621C00450000"), {
    underlying: "SPY",
    expiration: "2024-06-21",
    type: "call",
    strike: 450,
  });
  assertEquals(parseOcc("O:SPY240621P00450500")?.strike, 450.5);
  assertEquals(parseOcc("SPY"), null);
  assertEquals(polygonVerdict({ status: "ERROR", error: "exceeded" })?.retryable, true);
  assertEquals(polygonVerdict({ status: "NOT_AUTHORIZED", message: "upgrade" })?.retryable, false);
  assertEquals(polygonVerdict({ status: "OK", results: [] }), null);
  assertEquals(polygonVerdict([{ date: "2024-11-28" }]), null);
});

Deno.test("Alpha Vantage: LISTING_STATUS CSV with CRLF, 'null' and empty sentinels; throttle vs permanent", () => {
  const csv = "symbol,name,exchange,assetType,ipoDate,delistingDate,status\r\n" +
    "ACME,Acme Corp,NYSE,Stock,1999-11-18,null,Active\r\n" +
    'BETA,"Beta, Inc",NASDAQ,ETF,,null,Active\r\n' +
    "GONE,Gone Co,NYSE,Stock,2001-01-01,2020-05-05,Delisted\r\n" +
    "BAD,Bad,NYSE,Stock,2001-13-01,null,Active\r\n";
  const { frame, rejected } = parseListingCsv(csv);
  assertEquals(frame.getColumn("symbol").toArray(), ["ACME", "BETA", "GONE"]);
  assertEquals(frame.getColumn("name").toArray()[1], "Beta, Inc");
  assertEquals(rejected.length, 1);
  assert(rejected[0]!.reason.startsWith("ipoDate"), rejected[0]!.reason);
  assertEquals(
    alphaVantageVerdict({ Note: "Our standard API call frequency is 5 calls per minute" })
      ?.retryable,
    true,
  );
  assertEquals(
    alphaVantageVerdict({ Information: "Burst pattern detected. Please consider spreading out" })
      ?.retryable,
    true,
  );
  assertEquals(alphaVantageVerdict({ "Error Message": "Invalid API call." })?.retryable, false);
  assertEquals(
    alphaVantageVerdict({ Information: "This is a premium endpoint." })?.retryable,
    false,
  );
  assertEquals(alphaVantageVerdict({ symbol: "IBM", data: [] }), null);
});

Deno.test("OANDA: string prices, complete:false dropped, 9-digit times, missing side rejected", () => {
  const body = {
    instrument: "EUR_USD",
    granularity: "M1",
    candles: [
      {
        complete: true,
        volume: 57,
        time: "2024-04-09T12:00:00.000000000Z",
        bid: { o: "1.08612", h: "1.08630", l: "1.08601", c: "1.08625" },
        mid: { o: "1.08619", h: "1.08637", l: "1.08608", c: "1.08632" },
        ask: { o: "1.08626", h: "1.08644", l: "1.08615", c: "1.08639" },
      },
      {
        complete: true,
        volume: 3,
        time: "2024-04-09T12:01:00.000000000Z",
        mid: { o: "1.1", h: "1.1", l: "1.1", c: "1.1" },
      },
      {
        complete: false,
        volume: 12,
        time: "2024-04-09T12:02:00.000000000Z",
        bid: { o: "1", h: "1", l: "1", c: "1" },
        mid: { o: "1", h: "1", l: "1", c: "1" },
        ask: { o: "1", h: "1", l: "1", c: "1" },
      },
    ],
  };
  const p = parseCandlesPage(body, "MBA");
  assertEquals(p.frame.height, 1);
  assertEquals(p.incomplete, 1);
  assertEquals(p.rejected.map((r) => r.reason), ["bid: requested price side is missing"]);
  assertAlmostEquals(p.frame.getColumn("ask_c").get(0) as number, 1.08639, RTOL_PRICE);
  // Int64 columns are read through Float64 (nodejs-polars' Series.get truncates Int64).
  assertEquals(
    p.frame.getColumn("time_ms").cast(pl.Float64).get(0),
    Date.parse("2024-04-09T12:00:00Z"),
  );
  assertEquals(parseOandaTime("1712664000.000000000"), 1712664000000);
  assertEquals(
    parseOandaTime("2024-04-09T12:00:00.123456789Z"),
    Date.parse("2024-04-09T12:00:00.123Z"),
  );
  assert(Number.isNaN(parseOandaTime("yesterday")));
});

Deno.test("Finnhub: calls and puts flattened, IV percent to decimal, string booleans", () => {
  const { frame, rejected } = parseFinnhubChain({
    code: "AAPL",
    lastTradeDate: "2024-04-09",
    lastTradePrice: 169.67,
    data: [{
      expirationDate: "2024-04-19",
      options: {
        CALL: [{
          contractName: "AAPL240419C00170000",
          type: "CALL",
          inTheMoney: "FALSE",
          expirationDate: "2024-04-19",
          strike: 170,
          bid: 2.58,
          ask: 2.63,
          impliedVolatility: 22.4,
        }],
        PUT: [
          {
            contractName: "AAPL240419P00170000",
            type: "PUT",
            inTheMoney: "TRUE",
            expirationDate: "2024-04-19",
            strike: 170,
            impliedVolatility: 25,
          },
          { contractName: "X", type: "PUT", expirationDate: "2024-04-19" },
        ],
      },
    }],
  });
  assertEquals(frame.getColumn("contract_type").toArray(), ["call", "put"]);
  assertEquals(frame.getColumn("in_the_money").toArray(), [false, true]);
  assertAlmostEquals(frame.getColumn("iv").get(0) as number, 0.224, 1e-15);
  assertEquals(rejected.length, 1);
});

Deno.test("Alpaca: multi-symbol page keyed by symbol, RFC-3339 times, token", () => {
  const p = parseAlpacaPage({
    bars: {
      AAPL: [{
        t: "2024-01-02T05:00:00Z",
        o: 187.15,
        h: 188.44,
        l: 183.89,
        c: 185.64,
        v: 82488700,
        n: 1009074,
        vw: 185.9,
      }],
      MSFT: [
        {
          t: "2024-01-02T05:00:00Z",
          o: 373.86,
          h: 375.9,
          l: 366.77,
          c: 370.87,
          v: 25258600,
          n: 331173,
          vw: 370.1,
        },
        { t: "not a time", o: 1, h: 1, l: 1, c: 1, v: 1 },
      ],
    },
    next_page_token: "QUFQTHxE",
  });
  assertEquals(p.frame.getColumn("symbol").toArray(), ["AAPL", "MSFT"]);
  assertEquals(p.frame.getColumn("t").cast(pl.Float64).get(0), Date.parse("2024-01-02T05:00:00Z"));
  assertEquals(p.next, "QUFQTHxE");
  assertEquals(p.rejected.length, 1);
  const single = parseAlpacaPage({ bars: [], symbol: "AAPL", next_page_token: null }, "AAPL");
  assertEquals([single.frame.height, single.next], [0, null]);
});

Deno.test("sampleFields: field types from first, middle and last rows", () => {
  assertEquals(sampleFields([{ a: 1, b: "x" }, { a: 2, b: null }, { a: 3, c: [1] }]), {
    a: "number",
    b: "string",
    c: "array",
  });
  assertEquals(sampleFields([]), {});
});

Deno.test("aggs scanner: same columns and rejects as JSON.parse + zod, on random and odd pages", () => {
  const rng = new Rng(7);
  const num = () => {
    const k = rng.int(0, 7);
    const x = (rng.uniform() - 0.2) * 10 ** rng.int(-3, 6);
    // The scanner accumulates digits in two 9-digit integers: lengths around 9, 15 and 18
    // digits (integer and fraction parts, leading zeros) cross its boundaries.
    const digits = rng.int(7, 19);
    return k === 0
      ? Math.round(x)
      : k === 1
      ? Number(x.toFixed(rng.int(1, 8)))
      : k === 2
      ? x
      : k === 3
      ? 1e21 * x
      : k === 4
      ? -0
      : k === 5
      ? Math.round((rng.uniform() - 0.2) * 10 ** Math.min(digits, 16))
      : k === 6
      ? Number((x / 10 ** rng.int(0, 6)).toFixed(rng.int(3, 12)))
      : Number(((rng.uniform() - 0.2) * 10 ** rng.int(0, 9)).toFixed(digits - 6));
  };
  for (let page = 0; page < 30; page++) {
    const rows: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      const r: Record<string, unknown> = {
        v: Math.abs(num()),
        vw: num(),
        o: num(),
        c: num(),
        h: num(),
        l: num(),
        t: 1704205800000 + i * 1000,
        n: rng.int(0, 50),
      };
      const odd = rng.int(0, 12);
      if (odd === 0) r.o = "1.5";
      if (odd === 1) delete r.vw;
      if (odd === 2) r.otc = true;
      if (odd === 3) r.extra = { a: [1, "x"] };
      if (odd === 4) r.c = null;
      rows.push(r);
    }
    const text = JSON.stringify(
      {
        ticker: "SPY",
        status: "OK",
        resultsCount: rows.length,
        results: rows,
        next_url: "https://x/y?cursor=a",
      },
      null,
      page % 2 ? 1 : 0,
    );
    const sortT = (f: pl.DataFrame) =>
      f.sort("t").select("t", "o", "h", "l", "c", "v", "vw", "n").rows();
    for (const requireVolume of [true, false]) {
      const scan = scanAggs(text, requireVolume);
      const fast = framesFromScan(scan, "SPY", requireVolume);
      releaseScan(scan); // the next page's scan reuses its columns
      const slow = parseAggPage(JSON.parse(text), "SPY", requireVolume);
      assertEquals(sortT(fast.frame), sortT(slow.frame), `page ${page}`);
      assertEquals(
        fast.rejected.map((r) => [r.index, r.reason]).sort(),
        slow.rejected.map((r) => [r.index, r.reason]).sort(),
      );
    }
    assertEquals(scanAggs(text).envelope.next_url, "https://x/y?cursor=a");
  }
  const ok = JSON.stringify({
    status: "OK",
    results: [{ o: 1, h: 1, l: 1, c: 1, t: 1, v: 1, vw: 1, n: 1 }],
  });
  for (const cut of [10, ok.length - 3, ok.length - 1]) {
    assertThrows(() => scanAggs(ok.slice(0, cut)), SyntaxError);
  }
  assertEquals(scanAggs(JSON.stringify({ status: "OK", resultsCount: 0 })).length, 0);
});

Deno.test("aggs scanner on bytes: multi-byte text in the envelope and in an odd bar decodes whole", () => {
  const page = JSON.stringify({
    status: "OK",
    request_id: "réq-✓-日本",
    results: [
      { o: 1, h: 2, l: 0.5, c: 1.5, t: 1000, v: 10, vw: 1.2, n: 3 },
      { o: "ü€", h: 2, l: 0.5, c: 1.5, t: 2000, v: 10, vw: 1.2, n: 3 },
    ],
    next_url: "https://x/y?cursor=é",
  });
  const bytes = new TextEncoder().encode(page);
  const scan = scanAggs(bytes, true);
  assertEquals(scan.envelope.request_id, "réq-✓-日本");
  assertEquals(scan.envelope.next_url, "https://x/y?cursor=é");
  assertEquals(scan.length, 2);
  assertEquals(Array.from(scan.t), [1000]);
  assertEquals(scan.odd.map((o) => JSON.parse(o.text).o), ["ü€"]);
  // Same answer as the text entry point and as JSON.parse + zod.
  const fromText = scanAggs(page, true);
  assertEquals(Array.from(fromText.t), Array.from(scan.t));
  const fast = framesFromScan(scan, "SPY", true);
  const slow = parseAggPage(JSON.parse(page), "SPY", true);
  assertEquals(fast.frame.rows(), slow.frame.rows());
  assertEquals(
    fast.rejected.map((r) => [r.index, r.reason]),
    slow.rejected.map((r) => [r.index, r.reason]),
  );
});

// Issue 23: the vendor's spec requires only o, h, l, c, v and t on stock aggregates; a bar
// without `n` (or `vw`) was refused by the REST path ("n: Invalid input") while the live path
// stored it. Both paths (byte scanner and JSON.parse + zod) now store it with nulls.
Deno.test("Polygon aggs: bars without n or vw are stored with nulls; a bar without v is still rejected", () => {
  const page = JSON.stringify({
    ticker: "SPY",
    status: "OK",
    resultsCount: 4,
    results: [
      { v: 100, vw: 10.5, o: 10, c: 11, h: 11.5, l: 9.5, t: 1000, n: 7 },
      { v: 200, vw: 10.25, o: 11, c: 10, h: 11.25, l: 9.75, t: 2000 },
      { v: 300, o: 10, c: 10.5, h: 10.75, l: 9.5, t: 3000 },
      { vw: 10, o: 10, c: 10.5, h: 10.75, l: 9.5, t: 4000, n: 2 },
    ],
  });
  for (const bytes of [false, true]) {
    const scan = scanAggs(bytes ? new TextEncoder().encode(page) : page, true);
    const fast = framesFromScan(scan, "SPY", true);
    releaseScan(scan);
    const slow = parseAggPage(JSON.parse(page), "SPY", true);
    for (const p of [fast, slow]) {
      const f = p.frame.sort("t");
      assertEquals(f.getColumn("t").toArray().map(Number), [1000, 2000, 3000]);
      assertEquals(f.getColumn("v").toArray(), [100, 200, 300]);
      assertEquals(f.getColumn("vw").toArray(), [10.5, 10.25, null]);
      assertEquals(f.getColumn("n").toArray().map((x) => x === null ? null : Number(x)), [
        7,
        null,
        null,
      ]);
      assertEquals(p.rejected.map((r) => [r.index, r.reason.split(":")[0]]), [[3, "v"]]);
    }
  }
});
