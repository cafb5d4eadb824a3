import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { startSimServer } from "../../../lib/sources/sim/mod.ts";

const WORLD = { start: "2024-02-01", end: "2024-03-28", equityCount: 30 };
const ALPACA = { "APCA-API-KEY-ID": "id", "APCA-API-SECRET-KEY": "secret" };
const RTOL_PRICE = 1e-9;

Deno.test("alpaca: single and multi symbol bars, page tokens, adjustments, errors", async () => {
  const sim = await startSimServer({ seed: 6, world: WORLD });
  try {
    const B = sim.baseUrl;
    const w = sim.world;
    const one =
      await (await fetch(`${B}/v2/stocks/SPY/bars?timeframe=1Min&start=2024-03-27&end=2024-03-27`, {
        headers: ALPACA,
      })).json();
    assertEquals(one.symbol, "SPY");
    assertEquals(one.bars.length, 390);
    assertEquals(one.next_page_token, null);
    assertEquals(one.bars[0].t, "2024-03-27T13:30:00Z");
    assertEquals(one.bars[0].o, w.spyMinuteBars("2024-03-27")!.o[0]);
    // Multi-symbol with a small limit: symbols split across pages, params kept identical.
    const syms = ["SPY", w.equityInfo[0]!.ticker, w.equityInfo[1]!.ticker].sort();
    const got = new Map<string, number>();
    let token: string | null = null;
    let pages = 0;
    do {
      const q: string =
        `symbols=${syms.join(",")}&timeframe=1Day&start=2024-02-01&end=2024-03-28&limit=17` +
        (token ? `&page_token=${token}` : "");
      const body = await (await fetch(`${B}/v2/stocks/bars?${q}`, { headers: ALPACA })).json();
      let n = 0;
      for (const [s, bars] of Object.entries(body.bars as Record<string, unknown[]>)) {
        got.set(s, (got.get(s) ?? 0) + bars.length);
        n += bars.length;
      }
      assert(n <= 17);
      token = body.next_page_token;
      pages++;
    } while (token);
    for (const s of syms) assertEquals(got.get(s) ?? 0, w.equityDaily(s).length);
    assert(pages > 1);
    const bad = await fetch(`${B}/v2/stocks/SPY/bars?timeframe=7Fortnight`, { headers: ALPACA });
    assertEquals(bad.status, 422);
    assert("message" in await bad.json());
    const noAuth = await fetch(`${B}/v2/stocks/SPY/bars?timeframe=1Day`);
    assertEquals(noAuth.status, 401);
    await noAuth.body?.cancel();
    // Dividend adjustment scales SPY bars before the ex-date by (1 - D / previous close).
    const url = (a: string) =>
      `${B}/v2/stocks/SPY/bars?timeframe=1Day&start=2024-03-01&end=2024-03-28&adjustment=${a}`;
    const raw = (await (await fetch(url("raw"), { headers: ALPACA })).json()).bars;
    const all = (await (await fetch(url("all"), { headers: ALPACA })).json()).bars;
    const f = w.adjustmentFactors("SPY").dividend[w.dayIndex("2024-03-01")!]!;
    assert(f < 1);
    assertAlmostEquals(all[0].c, Math.round(raw[0].c * f * 1e4) / 1e4, 0, undefined, RTOL_PRICE);
  } finally {
    await sim.close();
  }
});

Deno.test("alpha vantage: LISTING_STATUS csv, SPLITS/DIVIDENDS strings and sentinels, errors with 200", async () => {
  const sim = await startSimServer({ seed: 6, world: WORLD });
  try {
    const B = sim.baseUrl;
    const w = sim.world;
    const active = await (await fetch(`${B}/query?function=LISTING_STATUS&apikey=x`)).text();
    const lines = active.split("\r\n").filter(Boolean);
    assertEquals(lines[0], "symbol,name,exchange,assetType,ipoDate,delistingDate,status");
    assert(lines.slice(1).every((l) => l.endsWith(",null,Active")));
    const dead = await (await fetch(`${B}/query?function=LISTING_STATUS&state=delisted&apikey=x`))
      .text();
    const delisted = w.listings().filter((l) => l.delistingDate && l.delistingDate < w.today);
    assertEquals(dead.split("\r\n").filter(Boolean).length - 1, delisted.length);
    // As of a date before any delisting, nothing is delisted and IPOs after it are absent.
    const early = await (await fetch(`${B}/query?function=LISTING_STATUS&date=2024-02-01&apikey=x`))
      .text();
    const ipos = w.listings().filter((l) => l.ipoDate > "2024-02-01").map((l) => l.ticker);
    for (const t of ipos) assert(!early.includes(`\r\n${t},`), `${t} listed before its IPO`);
    const divs = await (await fetch(`${B}/query?function=DIVIDENDS&symbol=SPY&apikey=x`)).json();
    assertEquals(typeof divs.data[0].amount, "string");
    const divTickers = w.corporateActions().filter((a) =>
      a.kind === "dividend" && a.declarationDate === undefined
    );
    if (divTickers.length) {
      const d = divTickers[0]!;
      const body = await (await fetch(`${B}/query?function=DIVIDENDS&symbol=${d.ticker}&apikey=x`))
        .json();
      assert(body.data.some((x: { declaration_date: string }) => x.declaration_date === "None"));
    }
    const ts =
      await (await fetch(`${B}/query?function=TIME_SERIES_DAILY_ADJUSTED&symbol=SPY&apikey=x`))
        .json();
    const day = ts["Time Series (Daily)"]["2024-03-15"];
    assert(Number(day["7. dividend amount"]) > 0);
    assertEquals(typeof day["1. open"], "string");
    for (const q of ["function=NOPE", "function=SPLITS&symbol=ZZZZZZ"]) {
      const r = await fetch(`${B}/query?${q}&apikey=x`);
      assertEquals(r.status, 200);
      assert("Error Message" in await r.json());
    }
    const nokey = await fetch(`${B}/query?function=SPLITS&symbol=SPY`);
    assertEquals(nokey.status, 200);
    assert("Error Message" in await nokey.json());
  } finally {
    await sim.close();
  }
});

Deno.test("oanda: candles by count/from/to, includeFirst, UNIX times, errors; finnhub chain", async () => {
  const sim = await startSimServer({ seed: 6, world: WORLD, apiKeys: { oanda: ["tok"] } });
  try {
    const B = sim.baseUrl;
    const h = { Authorization: "Bearer tok" };
    const c = async (q: string, extra: Record<string, string> = {}) => {
      const r = await fetch(`${B}/v3/instruments/USD_JPY/candles?${q}`, {
        headers: { ...h, ...extra },
      });
      return { status: r.status, body: await r.json() };
    };
    const a = await c("granularity=M1&from=2024-03-26T00:00:00Z&count=10&price=M");
    assertEquals(a.body.candles.length, 10);
    assertEquals(a.body.candles[0].time, "2024-03-26T00:00:00.000000000Z");
    assert(/^\d+\.\d{3}$/.test(a.body.candles[0].mid.o), "JPY quoted to 3 decimals");
    const b = await c(
      `granularity=M1&from=${a.body.candles[9].time}&count=5&includeFirst=false&price=BA`,
    );
    assertEquals(b.body.candles[0].time, "2024-03-26T00:10:00.000000000Z");
    assert(Number(b.body.candles[0].bid.c) < Number(b.body.candles[0].ask.c));
    const u = await c("granularity=H1&from=2024-03-26T00:00:00Z&count=2", {
      "Accept-Datetime-Format": "UNIX",
    });
    assertEquals(u.body.candles[0].time, "1711411200.000000000");
    const d = await c("granularity=D&count=3");
    assertEquals(d.body.candles.length, 3);
    assert(d.body.candles.every((x: { complete: boolean }) => typeof x.complete === "boolean"));
    assertEquals(
      (await c("granularity=M1&from=2024-03-26T00:00:00Z&to=2024-03-26T01:00:00Z&count=5")).status,
      400,
    );
    assertEquals((await c("granularity=S5&count=5")).status, 400);
    const bad = await fetch(`${B}/v3/instruments/EUR_USD/candles?granularity=M1`, {
      headers: { Authorization: "Bearer nope" },
    });
    assertEquals(bad.status, 401);
    assert("errorMessage" in await bad.json());
    // Finnhub: calls/puts nested by expiry, IV in percent, booleans as strings.
    const fh = await (await fetch(`${B}/api/v1/stock/option-chain?symbol=SPY&token=t`)).json();
    assertEquals(fh.code, "SPY");
    const exp = fh.data[0];
    const call = exp.options.CALL[0];
    assert(call.inTheMoney === "TRUE" || call.inTheMoney === "FALSE");
    const q = sim.world.options.quote(
      sim.world.options.contract("O:" + call.contractName)!,
      sim.world.today,
    );
    assertAlmostEquals(call.impliedVolatility, Math.round(q.iv * 1e4) / 100, 1e-9);
    assertEquals(exp.optionsCount, exp.options.CALL.length + exp.options.PUT.length);
  } finally {
    await sim.close();
  }
});
