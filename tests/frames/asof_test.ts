import { assert, assertEquals, assertThrows } from "../_assert.ts";
import pl from "nodejs-polars";
import { alignAsOf, asOfIndex } from "../../lib/frames/asof.ts";

const f = (xs: number[]) => Float64Array.from(xs);
const ms = (s: string) => Date.parse(s);
const dt = (name: string, xs: number[]) =>
  pl.Series(name, xs).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));

Deno.test("asOfIndex: hand-worked, inclusive at equal times, ties take the last row", () => {
  assertEquals(Array.from(asOfIndex(f([5, 10, 11, 15]), f([10, 12]))), [-1, 0, 0, 1]);
  assertEquals(Array.from(asOfIndex(f([10]), f([10, 10, 20]))), [1]);
  assertEquals(asOfIndex(f([]), f([1])).length, 0);
  assertEquals(Array.from(asOfIndex(f([1, NaN]), f([]))), [-1, -1]);
  assertThrows(() => asOfIndex(f([1]), f([2, 1])), RangeError, "non-decreasing");
});

Deno.test("alignAsOf: a macro release enters intraday minutes only once known", () => {
  // CPI for 2024-01 released 2024-02-13 13:30Z, revised in a later vintage 2024-03-12 12:30Z
  const releases = pl.DataFrame([
    dt("known_at", [ms("2024-02-13T13:30:00Z"), ms("2024-03-12T12:30:00Z")]),
    pl.Series("value", [3.1, 3.2]),
  ]);
  const minutes = pl.DataFrame([
    dt("ts", [ms("2024-02-13T13:29:00Z"), ms("2024-02-13T13:30:00Z"), ms("2024-03-12T14:30:00Z")]),
  ]);
  const out = alignAsOf(minutes, releases, { prefix: "cpi_" });
  const v = out.getColumn("cpi_value").toArray() as (number | null)[];
  assertEquals(v, [null, 3.1, 3.2]);
  // invariant: no carried value became known after the row's time
  const ts = out.getColumn("ts").cast(pl.Float64).toArray() as number[];
  const ka = out.getColumn("cpi_known_at").cast(pl.Float64).toArray() as (number | null)[];
  ts.forEach((t, i) => assert(ka[i] === null || ka[i]! <= t));
});

Deno.test("alignAsOf: per-symbol matching and errors", () => {
  const news = pl.DataFrame([
    dt("known_at", [ms("2024-01-02T15:00:00Z"), ms("2024-01-02T15:10:00Z")]),
    pl.Series("symbol", ["AAA", "BBB"]),
    pl.Series("sentiment", [0.5, -0.4]),
  ]);
  const target = pl.DataFrame([
    dt("ts", [ms("2024-01-02T15:05:00Z"), ms("2024-01-02T15:05:00Z"), ms("2024-01-02T15:20:00Z")]),
    pl.Series("symbol", ["AAA", "BBB", "BBB"]),
  ]);
  const out = alignAsOf(target, news, { by: ["symbol"] }).sort(["ts", "symbol"]);
  assertEquals(out.getColumn("sentiment").toArray(), [0.5, null, -0.4]);
  assertThrows(() => alignAsOf(target, news, { on: "time" }), TypeError, "no column time");
  assertThrows(() => alignAsOf(target, news.drop("known_at")), TypeError, "no column known_at");
});
