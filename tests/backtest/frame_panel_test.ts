import assert from "node:assert/strict";
import pl from "nodejs-polars";
import { panelFromFrame } from "../../lib/backtest/mod.ts";
import { DataError } from "../../lib/core/mod.ts";

Deno.test("panelFromFrame: long daily rows to a symbol-major panel, gaps as NaN", () => {
  const df = pl.DataFrame({
    symbol: ["B", "A", "A", "B", "A"],
    date: ["2024-01-03", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-04"],
    open: [20, 10, 11, 21, 12],
    high: [21, 11, 12, 22, 13],
    low: [19, 9, 10, 20, 11],
    close: [20.5, 10.5, 11.5, 21.5, 12.5],
    volume: [200, 100, 110, 210, 120],
  });
  const p = panelFromFrame(df);
  assert.deepEqual(p.symbols, ["A", "B"]);
  assert.deepEqual(
    Array.from(p.tsMs),
    ["2024-01-02", "2024-01-03", "2024-01-04"].map((d) => Date.parse(`${d}T00:00:00Z`)),
  );
  assert.deepEqual(Array.from(p.close), [10.5, 11.5, 12.5, NaN, 20.5, 21.5]);
  assert.deepEqual(Array.from(p.volume), [100, 110, 120, 0, 200, 210]);
});

Deno.test("panelFromFrame: intraday day index from NYSE sessions; bad input rejected", () => {
  const ts = ["2024-03-08T14:30:00Z", "2024-03-08T20:59:00Z", "2024-03-11T13:30:00Z"].map((s) =>
    new Date(s)
  );
  const df = pl.DataFrame({
    symbol: ["A", "A", "A"],
    ts,
    open: [1, 1, 1],
    high: [1, 1, 1],
    low: [1, 1, 1],
    close: [1, 1, 1],
    volume: [1, 1, 1],
  });
  const p = panelFromFrame(df, { timeColumn: "ts", intraday: true });
  assert.deepEqual(Array.from(p.day!), [0, 0, 1]); // Friday, Friday, Monday (after the DST change)
  assert.throws(() => panelFromFrame(df.drop("close"), { timeColumn: "ts" }), DataError);
  const dup = pl.DataFrame({
    symbol: ["A", "A"],
    date: ["2024-01-02", "2024-01-02"],
    open: [1, 1],
    high: [1, 1],
    low: [1, 1],
    close: [1, 1],
    volume: [1, 1],
  });
  assert.throws(() => panelFromFrame(dup), /duplicate/);
  const bad = pl.DataFrame({
    symbol: ["A"],
    date: ["2024-01-02"],
    open: [1],
    high: [0.5],
    low: [1],
    close: [1],
    volume: [1],
  });
  assert.throws(() => panelFromFrame(bad), DataError);
});

Deno.test("panelFromFrame: 1996 intraday bars get NYSE sessions (no offset-table limit); close-only columns", () => {
  // 1996-04-05 (Fri, EST: 09:30 = 14:30Z) and 1996-04-08 (Mon, EDT from 04-07: 09:30 = 13:30Z)
  const ts = ["1996-04-05T14:30:00Z", "1996-04-05T20:59:00Z", "1996-04-08T13:30:00Z"].map((s) =>
    new Date(s)
  );
  const df = pl.DataFrame({ symbol: ["A", "A", "A"], ts, close: [1, 1.1, 1.2] });
  const p = panelFromFrame(df, { timeColumn: "ts", intraday: true });
  assert.deepEqual(Array.from(p.day!), [0, 0, 1]);
  assert.ok(p.open.every(Number.isNaN) && p.volume.every(Number.isNaN));
  assert.deepEqual(Array.from(p.close), [1, 1.1, 1.2]);
});

Deno.test("panelFromFrame: a millisecond Datetime column (lake bars) read as numbers; null prices NaN; duplicates rejected", () => {
  // Hand-made rows out of order, two symbols, one close-only bar (null open, high and low): the
  // panel is symbol-major over the
  // sorted distinct stamps, exactly the epoch ms of the rows.
  const ms = [
    Date.UTC(2024, 2, 8, 14, 31),
    Date.UTC(2024, 2, 8, 14, 30),
    Date.UTC(2024, 2, 8, 14, 30),
  ];
  const df = pl.DataFrame({
    symbol: ["A", "A", "B"],
    ts: pl.Series("ts", ms).cast(pl.Datetime("ms", "UTC")),
    open: [2, null, 5],
    high: [2.5, null, 5.5],
    low: [1.5, null, 4.5],
    close: [2.2, 1.1, 5.1],
  });
  const p = panelFromFrame(df, { timeColumn: "ts", intraday: true });
  assert.deepEqual(Array.from(p.tsMs), [ms[1], ms[0]]);
  assert.deepEqual(Array.from(p.close), [1.1, 2.2, 5.1, NaN]);
  assert.deepEqual(Array.from(p.high), [NaN, 2.5, 5.5, NaN]);
  assert.deepEqual(Array.from(p.open), [NaN, 2, 5, NaN]);
  assert.deepEqual(Array.from(p.volume), [NaN, NaN, NaN, 0]); // no volume column: unknown
  assert.deepEqual(Array.from(p.day!), [0, 0]);
  const dup = pl.DataFrame({
    symbol: ["A", "A"],
    ts: pl.Series("ts", [ms[0], ms[0]]).cast(pl.Datetime("ms", "UTC")),
    close: [1, 2],
  });
  assert.throws(() => panelFromFrame(dup, { timeColumn: "ts", intraday: true }), DataError);
});

Deno.test("panelFromFrame: one symbol, rows sorted or not, gives the same panel; a duplicate names it", () => {
  // Hand-made: three minute bars of one symbol; the sorted frame takes the one-symbol,
  // increasing-stamps path, the shuffled one the general path: both must give bar i = minute i.
  const ms = [
    Date.UTC(2024, 2, 8, 14, 30),
    Date.UTC(2024, 2, 8, 14, 31),
    Date.UTC(2024, 2, 8, 14, 32),
  ];
  const frame = (order: number[]) =>
    pl.DataFrame({
      symbol: order.map(() => "SPY"),
      ts: pl.Series("ts", order.map((i) => ms[i]!)).cast(pl.Datetime("ms", "UTC")),
      close: order.map((i) => 10 + i),
      volume: order.map((i) => 100 * (i + 1)),
    });
  const sorted = panelFromFrame(frame([0, 1, 2]), { timeColumn: "ts", intraday: true });
  const shuffled = panelFromFrame(frame([2, 0, 1]), { timeColumn: "ts", intraday: true });
  for (const p of [sorted, shuffled]) {
    assert.deepEqual(p.symbols, ["SPY"]);
    assert.deepEqual(Array.from(p.tsMs), ms);
    assert.deepEqual(Array.from(p.close), [10, 11, 12]);
    assert.deepEqual(Array.from(p.volume), [100, 200, 300]);
    assert.deepEqual(Array.from(p.day!), [0, 0, 0]);
  }
  assert.throws(
    () => panelFromFrame(frame([0, 1, 1]), { timeColumn: "ts" }),
    /duplicate row for SPY at 2024-03-08T14:31:00.000Z/,
  );
});
