/**
 * Issue 21: a clean aggregates page is built straight from the scanner's typed columns instead
 * of a lazy Polars plan per page. The frame must be the one the JSON.parse + zod path gives
 * (same column order, dtypes, values, nulls, row order), and pages the direct build cannot take
 * (odd rows, absent fields, non-integer t or n) keep the plan's answer.
 */
import pl from "nodejs-polars";
import { aggsFrameNative, framesFromScan, parseAggPage } from "../../lib/sources/polygon.ts";
import { releaseScan, scanAggs } from "../../lib/sources/_aggs_scan.ts";
import { Rng } from "../../lib/core/random.ts";
import { assertEquals } from "../_assert.ts";

const COLS = ["t", "o", "h", "l", "c", "v", "vw", "n", "ticker"];

/** Names and dtypes in order, values row by row (Int64 as bigint, nulls as null). */
function shape(f: pl.DataFrame) {
  return {
    schema: Object.entries(f.schema).map(([k, d]) => `${k}:${String(d)}`),
    rows: f.rows(),
  };
}

/** An Int64 column as numbers (null kept). */
function ints(f: pl.DataFrame, col: string): (number | null)[] {
  return f.getColumn(col).toArray().map((x) => x === null ? null : Number(x));
}

function fast(text: string, requireVolume: boolean, bytes = false, ticker = "SPY") {
  const scan = scanAggs(bytes ? new TextEncoder().encode(text) : text, requireVolume);
  const out = framesFromScan(scan, ticker, requireVolume);
  releaseScan(scan);
  return out;
}

Deno.test("aggs direct frame: clean random pages equal the JSON.parse + zod frame exactly", () => {
  // The pinned nodejs-polars passes the one-time check of its native column constructors (a
  // fallback to the public ones would keep the frames but lose the speed).
  assertEquals(aggsFrameNative(), true);
  const rng = new Rng(21);
  for (let page = 0; page < 40; page++) {
    const rows: Record<string, number>[] = [];
    const size = page === 0 ? 1 : page % 4 >= 2 ? 390 : rng.int(2, 400);
    // Times: ascending epoch ms, some pages negative (before 1970) or at 2^53 - 1.
    let t = page % 5 === 1 ? -86_400_000 * 400 : page % 5 === 2 ? 2 ** 53 - 1 - size : 1.7e12;
    for (let i = 0; i < size; i++) {
      const px = Math.round(rng.uniform() * 1e6) / 100;
      rows.push({
        v: page % 3 ? Math.round(rng.uniform() * 1e6) : rng.uniform() * 1e4,
        vw: rng.uniform() < 0.1 ? -0 : px / 3,
        o: px,
        c: px + 0.01,
        h: px + 0.02,
        l: i % 7 ? px - 0.01 : -px,
        t: t + i,
        n: i % 11 ? rng.int(0, 100_000) : 2 ** 53 - 1,
      });
    }
    t += size;
    const text = JSON.stringify({ ticker: "SPY", status: "OK", results: rows });
    // Same ticker and length as the page before (a shared ticker column) on some pages.
    const ticker = page % 8 === 7 ? "O:SPY240401C00454000" : "SPY";
    for (const requireVolume of [true, false]) {
      const got = fast(text, requireVolume, page % 2 === 1, ticker);
      const want = parseAggPage(JSON.parse(text), ticker, requireVolume);
      assertEquals(shape(got.frame), shape(want.frame), `page ${page}`);
      assertEquals(got.frame.columns, COLS);
      assertEquals(got.rejected, []);
      assertEquals(got.fields, want.fields);
    }
  }
});

Deno.test("aggs direct frame: hand-worked page, empty page, and pages left to the plan", () => {
  const one = JSON.stringify({
    status: "OK",
    results: [
      { v: 100, vw: 10.5, o: 10, c: 11, h: 11.5, l: 9.5, t: 1000, n: 7 },
      { v: 0, vw: 0.25, o: -0, c: 1e-7, h: 1e21, l: -3.5, t: -2000, n: 0 },
    ],
  });
  const f = fast(one, true).frame;
  assertEquals(shape(f).schema, [
    "t:DataType(Int64)",
    "o:DataType(Float64)",
    "h:DataType(Float64)",
    "l:DataType(Float64)",
    "c:DataType(Float64)",
    "v:DataType(Float64)",
    "vw:DataType(Float64)",
    "n:DataType(Int64)",
    "ticker:DataType(String)",
  ]);
  // Columns t o h l c v vw n ticker (JSON.stringify writes -0 as 0).
  assertEquals(f.rows(), [
    [1000, 10, 11.5, 9.5, 11, 100, 10.5, 7, "SPY"],
    [-2000, 0, 1e21, -3.5, 1e-7, 0, 0.25, 0, "SPY"],
  ]);
  // No results: an empty frame with the same dtypes as the parse path.
  for (const body of [{ status: "OK", resultsCount: 0 }, { status: "OK", results: [] }]) {
    const text = JSON.stringify(body);
    assertEquals(shape(fast(text, true).frame), shape(parseAggPage(body, "SPY", true).frame));
    assertEquals(fast(text, true).frame.height, 0);
  }
  // Index bars (no v, vw, n): nulls; a bar without n among full ones: null there only.
  const idx = JSON.stringify({
    status: "OK",
    results: [{ o: 16.6, c: 16.5, h: 16.7, l: 16.4, t: 60000 }],
  });
  assertEquals(fast(idx, false).frame.rows(), [[
    60000,
    16.6,
    16.7,
    16.4,
    16.5,
    null,
    null,
    null,
    "SPY",
  ]]);
  const gap = JSON.stringify({
    status: "OK",
    results: [
      { v: 1, vw: 2, o: 2, c: 2, h: 2, l: 2, t: 1, n: 3 },
      { v: 1, vw: 2, o: 2, c: 2, h: 2, l: 2, t: 2 },
    ],
  });
  assertEquals(ints(fast(gap, true).frame, "n"), [3, null]);
  // Non-integer n and t beyond 2^53 are not safe integers: the plan's Int64 cast decides
  // (truncation toward zero), as before the direct build.
  const frac = JSON.stringify({
    status: "OK",
    results: [{ v: 1, vw: 2, o: 2, c: 2, h: 2, l: 2, t: 5, n: 2.75 }],
  });
  assertEquals(ints(fast(frac, true).frame, "n"), [2]);
  const big = JSON.stringify({
    status: "OK",
    results: [{ v: 1, vw: 2, o: 2, c: 2, h: 2, l: 2, t: 2 ** 60, n: 1 }],
  });
  assertEquals(fast(big, true).frame.getColumn("t").cast(pl.Utf8).toArray(), [String(2n ** 60n)]);
  // An odd row (a string price) is rejected with the zod reason, the rest kept in order.
  const odd = JSON.stringify({
    status: "OK",
    results: [
      { v: 1, vw: 2, o: 2, c: 2, h: 2, l: 2, t: 1, n: 3 },
      { v: 1, vw: 2, o: "2", c: 2, h: 2, l: 2, t: 2, n: 3 },
    ],
  });
  const o = fast(odd, true);
  assertEquals(ints(o.frame, "t"), [1]);
  assertEquals(o.rejected.map((r) => [r.index, r.reason.split(":")[0]]), [[1, "o"]]);
});
