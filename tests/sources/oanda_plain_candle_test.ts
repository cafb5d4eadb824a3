/**
 * parseCandlesPage's fast check (plainCandle) never disagrees with the schema it stands in for:
 * on valid candles and on every single-field mutation of them, plainCandle either declines (null:
 * the schema judges) or gives exactly the schema's parsed data.
 */
import assert from "node:assert/strict";
import { OandaCandleSchema, parseCandlesPage, plainCandle } from "../../lib/sources/oanda.ts";

const valid = [
  {
    complete: true,
    volume: 12,
    time: "2024-03-26T21:00:00.000000000Z",
    bid: { o: "1.08001", h: "1.08100", l: "1.07900", c: "1.08050" },
    ask: { o: "1.08021", h: "1.08120", l: "1.07920", c: "1.08070" },
    mid: { o: "1.08011", h: "1.08110", l: "1.07910", c: "1.08060" },
  },
  {
    complete: false,
    volume: 0,
    time: "1711486800.000000000",
    mid: { o: "1", h: "2", l: "0.5", c: "1.5" },
  },
  { complete: true, volume: 3, time: "2024-03-26T21:01:00Z", extra: "kept out" },
];

const badValues: unknown[] = [
  undefined,
  null,
  "",
  " ",
  "x",
  "1e999",
  1.5,
  -0,
  2 ** 60,
  NaN,
  true,
  [],
  {},
  ["1"],
  { o: "1" },
  "2024-03-26",
  "2024-03-26T21:00:00",
  "1.0800",
  { o: "1", h: "1", l: "1", c: "" },
  { o: "1", h: "1", l: "1", c: " 1 " },
  { o: 1, h: "1", l: "1", c: "1" },
];

Deno.test("plainCandle declines or agrees with OandaCandleSchema on valid candles and every mutation", () => {
  let agreed = 0, declined = 0;
  const check = (c: unknown) => {
    const fast = plainCandle(c);
    const z = OandaCandleSchema.safeParse(c);
    if (fast === null) {
      declined++;
      return;
    }
    assert.ok(z.success, `fast accepted what the schema rejects: ${JSON.stringify(c)}`);
    assert.deepStrictEqual(fast.data, z.data);
    agreed++;
  };
  for (const c of valid) {
    check(c);
    for (const key of ["complete", "volume", "time", "bid", "ask", "mid"]) {
      for (const v of badValues) check({ ...c, [key]: v });
    }
    for (const side of ["bid", "mid"] as const) {
      for (const k of ["o", "h", "l", "c"]) {
        for (const v of badValues) {
          check({ ...c, [side]: { o: "1", h: "2", l: "0.5", c: "1.5", [k]: v } });
        }
      }
    }
  }
  for (const c of [null, 1, "candle", [], [valid[0]]]) check(c);
  assert.equal(agreed >= valid.length, true);
  assert.ok(declined > 100, `${declined} declined`);
});

Deno.test("parseCandlesPage: the same frame and rejections as the schema alone would give", () => {
  const candles = [
    ...valid,
    { ...valid[0], volume: 1.5 },
    { ...valid[0], bid: { o: "1", h: "x", l: "1", c: "1" } },
    { ...valid[0], time: "yesterday" },
    null,
  ];
  const r = parseCandlesPage({ instrument: "EUR_USD", granularity: "M1", candles }, "MBA");
  // Rows: the one complete candle with all three sides (valid[0]); valid[1] (mid only) and
  // valid[2] (no side) lack a requested side, then four schema rejections.
  assert.equal(r.frame.height, 1);
  assert.deepStrictEqual(r.rejected.map((x) => x.index), [1, 2, 3, 4, 5, 6]);
  assert.ok(r.rejected[0]!.reason.includes("requested price side is missing"));
  for (const x of r.rejected.slice(2)) {
    const z = OandaCandleSchema.safeParse(candles[x.index]);
    assert.ok(!z.success);
    const issue = z.error.issues[0]!;
    assert.equal(x.reason, `${issue.path.join(".")}: ${issue.message}`);
  }
  assert.deepStrictEqual(r.frame.getColumn("bid_c").toArray(), [1.0805]);
});
