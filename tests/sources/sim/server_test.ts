import { assert, assertEquals, assertNotEquals } from "../../_assert.ts";
import { startSimServer } from "../../../lib/sources/sim/mod.ts";

const WORLD = { start: "2024-03-01", end: "2024-03-28", equityCount: 20 };

Deno.test("server: wire formats of FRED, Polygon, Alpaca, Alpha Vantage, OANDA", async () => {
  const sim = await startSimServer({
    seed: 5,
    world: WORLD,
    pacing: { alphavantage: { perMinute: 2 } },
  });
  try {
    const B = sim.baseUrl;
    // FRED: string values, "." for holidays (2024-03-29 is not in range; use Good Friday-free MLK? use a full window).
    const f = await (await fetch(
      `${B}/fred/series/observations?series_id=DGS10&file_type=json&api_key=k&observation_start=2024-01-01`,
    )).json();
    assert(f.observations.length > 0);
    for (const o of f.observations) assertEquals(typeof o.value, "string");
    assert(f.observations.some((o: { value: string }) => o.value === "."), "holiday must be '.'");
    const noKey = await fetch(`${B}/fred/series/observations?series_id=DGS10&file_type=json`);
    assertEquals(noKey.status, 400);
    assert((await noKey.json()).error_message.startsWith("Bad Request.  Variable api_key"));
    // Polygon: empty omits results; next_url without apiKey; ns exact.
    const empty =
      await (await fetch(`${B}/v2/aggs/ticker/SPY/range/1/day/2023-01-01/2023-01-31?apiKey=k`))
        .json();
    assertEquals(empty.resultsCount, 0);
    assert(!("results" in empty));
    const page = await (await fetch(
      `${B}/v2/aggs/ticker/SPY/range/1/minute/2024-03-27/2024-03-28?apiKey=k&limit=500`,
    )).json();
    assert(page.next_url && !page.next_url.includes("apiKey"));
    const page2 = await (await fetch(`${page.next_url}&apiKey=k`)).json();
    assertEquals(page2.results[0].t, page.results[499].t + 60_000);
    const text = await (await fetch(`${B}/v3/trades/SPY?timestamp=2024-03-28&apiKey=k&limit=3`))
      .text();
    const ns = [...text.matchAll(/"sip_timestamp":(\d+)/g)].map((m) => BigInt(m[1]!));
    assertEquals(ns.length, 3);
    for (const x of ns) assert(x > 2n ** 53n && x % 1000n !== 0n);
    const unauth = await fetch(`${B}/v3/trades/SPY?timestamp=2024-03-28`);
    assertEquals(unauth.status, 401);
    await unauth.body?.cancel();
    // Alpaca page tokens.
    const sym = sim.world.equityInfo[0]!.ticker;
    const h = { "APCA-API-KEY-ID": "id", "APCA-API-SECRET-KEY": "s" };
    const a1 = await (await fetch(
      `${B}/v2/stocks/bars?symbols=SPY,${sym}&timeframe=1Day&start=2024-03-01&end=2024-03-28&limit=25`,
      { headers: h },
    )).json();
    assert(typeof a1.next_page_token === "string");
    const a2 = await (await fetch(
      `${B}/v2/stocks/bars?symbols=SPY,${sym}&timeframe=1Day&start=2024-03-01&end=2024-03-28&limit=25&page_token=${a1.next_page_token}`,
      { headers: h },
    )).json();
    assertEquals(a2.next_page_token, null);
    const total = Object.values(a1.bars).flat().length + Object.values(a2.bars).flat().length;
    assertEquals(total, sim.world.days.length + sim.world.equityDaily(sym).length);
    // Alpha Vantage: CSV with 'null', throttle as HTTP 200 Note.
    const csv = await (await fetch(`${B}/query?function=LISTING_STATUS&apikey=x`)).text();
    assert(csv.startsWith("symbol,name,exchange,assetType,ipoDate,delistingDate,status\r\n"));
    assert(csv.includes(",null,Active"));
    await (await fetch(`${B}/query?function=SPLITS&symbol=SPY&apikey=x`)).text();
    const thr = await fetch(`${B}/query?function=SPLITS&symbol=SPY&apikey=x`);
    assertEquals(thr.status, 200);
    assert("Note" in await thr.json());
    // OANDA: string prices, 9 fractional digits.
    const o =
      await (await fetch(`${B}/v3/instruments/EUR_USD/candles?granularity=M5&count=3&price=BA`, {
        headers: { Authorization: "Bearer t" },
      })).json();
    assertEquals(o.candles.length, 3);
    assert(/\.\d{9}Z$/.test(o.candles[0].time));
    assertEquals(typeof o.candles[0].bid.o, "string");
    assert(!("mid" in o.candles[0]));
  } finally {
    await sim.close();
  }
});

Deno.test("server: same seed -> byte-identical responses; different seed -> different", async () => {
  const paths = [
    "/v2/aggs/ticker/SPY/range/5/minute/2024-03-28/2024-03-28?apiKey=k&limit=20",
    "/v3/snapshot/options/SPY?apiKey=k&limit=5",
    "/fred/series/observations?series_id=PAYEMS&file_type=json&api_key=k&realtime_start=1776-07-04&realtime_end=9999-12-31",
    "/v3/trades/SPY?timestamp=2024-03-28&limit=50&apiKey=k",
    "/v2/reference/news?limit=20&apiKey=k",
    "/v3/reference/dividends?limit=20&apiKey=k",
    "/query?function=LISTING_STATUS&apikey=x",
    "/v3/instruments/GBP_USD/candles?granularity=M5&count=20&price=MBA",
    "/api/v1/stock/option-chain?symbol=SPY&token=t&expiration=2024-04-19",
  ];
  const headers = { Authorization: "Bearer t" };
  const bodies: string[][] = [];
  for (const seed of [5, 5, 6]) {
    const sim = await startSimServer({ seed, world: WORLD });
    try {
      const out: string[] = [];
      for (const p of paths) {
        const r = await fetch(sim.baseUrl + p, { headers });
        assertEquals(r.status, 200, p);
        out.push((await r.text()).replaceAll(sim.baseUrl, "BASE"));
      }
      bodies.push(out);
    } finally {
      await sim.close();
    }
  }
  assertEquals(bodies[0], bodies[1]);
  for (let i = 0; i < paths.length; i++) assertNotEquals(bodies[0]![i], bodies[2]![i], paths[i]);
});

Deno.test("server: faults are injected on schedule and logged", async () => {
  const sim = await startSimServer({
    seed: 5,
    world: WORLD,
    faults: {
      "polygon.aggs": [{ kind: "http429", everyNth: 1, maxCount: 1, retryAfterSec: 2 }, {
        kind: "loopNextUrl",
        everyNth: 2,
        maxCount: 1,
      }],
      "fred.observations": [{ kind: "truncated", everyNth: 1, maxCount: 1 }],
    },
  });
  try {
    const url =
      `${sim.baseUrl}/v2/aggs/ticker/SPY/range/1/minute/2024-03-27/2024-03-28?apiKey=k&limit=100`;
    const r1 = await fetch(url);
    assertEquals(r1.status, 429);
    assertEquals(r1.headers.get("Retry-After"), "2");
    assertEquals((await r1.json()).status, "ERROR");
    const r2 = await (await fetch(url)).json();
    const r3 = await (await fetch(`${r2.next_url}&apiKey=k`)).json();
    assertEquals(r3.results[0].t, r2.results[0].t, "looped next_url repeats the page");
    const t = await (await fetch(
      `${sim.baseUrl}/fred/series/observations?series_id=UNRATE&file_type=json&api_key=k`,
    )).text();
    let parsed = true;
    try {
      JSON.parse(t);
    } catch {
      parsed = false;
    }
    assertEquals(parsed, false);
    assertEquals(sim.faultLog.map((f) => f.kind), ["http429", "loopNextUrl", "truncated"]);
    assert(sim.requestLog.every((r) => !r.path.includes("apiKey=k")));
  } finally {
    await sim.close();
  }
});

Deno.test("server: WebSocket handshake, subscribe, AM events in arrays", async () => {
  const sim = await startSimServer({ seed: 5, world: WORLD, ws: { speed: 0 } });
  try {
    const ws = new WebSocket(`${sim.wsUrl}/stocks`);
    const frames: unknown[][] = [];
    const done = new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data));
        frames.push(f);
        const first = f[0];
        if (first.ev === "status" && first.status === "connected") {
          ws.send(JSON.stringify({ action: "auth", params: "k" }));
        }
        if (first.ev === "status" && first.status === "auth_success") {
          ws.send(JSON.stringify({ action: "subscribe", params: "AM.SPY,V.I:VIX" }));
        }
        if (
          frames.filter((x) =>
            (x[0] as { ev: string }).ev === "AM" || (x[0] as { ev: string }).ev === "V"
          ).length >= 5
        ) resolve();
      };
      ws.onerror = () => reject(new Error("ws error"));
    });
    await done;
    ws.close();
    const ev = frames.flat() as { ev: string; sym?: string; T?: string; s?: number; e?: number }[];
    const am = ev.find((x) => x.ev === "AM")!;
    assertEquals(am.sym, "SPY");
    assertEquals(am.e! - am.s!, 60_000);
    const v = ev.find((x) => x.ev === "V");
    assertEquals(v?.T, "I:VIX");
    for (const f of frames) assert(Array.isArray(f));
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await sim.close();
  }
});

Deno.test("server: WebSocket paced replay and a subscription added mid-stream", async () => {
  // 600x: one minute of market time every 100 ms.
  const sim = await startSimServer({ seed: 5, world: WORLD, ws: { speed: 600 } });
  try {
    const ws = new WebSocket(`${sim.wsUrl}/indices`);
    const got: { ev: string; s?: number; t?: number; wall: number }[] = [];
    let subscribedAt = 0;
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as Record<string, unknown>[];
        const first = f[0]!;
        if (first.status === "connected") ws.send(JSON.stringify({ action: "auth", params: "k" }));
        else if (first.status === "auth_success") {
          subscribedAt = performance.now();
          ws.send(JSON.stringify({ action: "subscribe", params: "AM.I:VIX" }));
        } else if (first.ev !== "status") {
          for (const x of f) got.push({ ...(x as { ev: string }), wall: performance.now() });
          if (got.length === 2) ws.send(JSON.stringify({ action: "subscribe", params: "V.I:VIX" }));
          if (got.filter((x) => x.ev === "V").length >= 2) resolve();
        }
      };
      ws.onerror = () => reject(new Error("WebSocket error"));
    });
    ws.close();
    const am = got.filter((x) => x.ev === "AM");
    // Paced: the third minute is due 200 ms after the first; it cannot arrive earlier.
    assert(am[2]!.wall - subscribedAt > 150, "paced: about 100 ms per market minute");
    const v = got.find((x) => x.ev === "V")!;
    assert(v.t! >= am[1]!.s!, "the new channel starts from the current replay time");
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await sim.close();
  }
});

Deno.test("server: WebSocket option trades match the contract's minute aggregates", async () => {
  const sim = await startSimServer({ seed: 5, world: WORLD, ws: { speed: 0 } });
  try {
    const w = sim.world;
    const day = w.today;
    const spot = w.spyDaily.close[w.dayIndex(day)!]!;
    const c = w.options.listed(day).filter((x) => x.type === "put" && x.expiration > day)
      .sort((a, b) => Math.abs(a.strike - spot) - Math.abs(b.strike - spot))[0]!;
    const aggs = w.options.minuteAggs(c, day);
    const want = aggs.n.reduce((a, b) => a + b, 0);
    assert(want > 0);
    const got: { ev: string; p: number; s: number; t: number }[] = [];
    const ws = new WebSocket(`${sim.wsUrl}/options`);
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data)) as Record<string, unknown>[];
        if (f[0]!.status === "connected") ws.send(JSON.stringify({ action: "auth", params: "k" }));
        else if (f[0]!.status === "auth_success") {
          ws.send(JSON.stringify({ action: "subscribe", params: `T.${c.ticker}` }));
        } else if (f[0]!.ev === "T") got.push(...(f as typeof got));
        if (got.length >= want) resolve();
      };
      ws.onerror = () => reject(new Error("WebSocket error"));
    });
    ws.close();
    assertEquals(got.length, want);
    assertEquals(got.reduce((a, t) => a + t.s, 0), aggs.v.reduce((a, b) => a + b, 0));
    assertEquals(got[0]!.p, aggs.o[0]);
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await sim.close();
  }
});

Deno.test("server: configured keys; a wrong key gets each vendor's auth error", async () => {
  const sim = await startSimServer({
    seed: 5,
    world: WORLD,
    apiKeys: {
      fred: ["abcdefghijklmnopqrstuvwxyz012345"],
      polygon: ["good"],
      alpaca: [{ keyId: "id", secretKey: "secret" }],
      alphavantage: ["good"],
      finnhub: ["good"],
    },
  });
  try {
    const B = sim.baseUrl;
    const fred = await fetch(`${B}/fred/series?series_id=UNRATE&file_type=json&api_key=wrong`);
    assertEquals(fred.status, 400);
    assert((await fred.json()).error_message.includes("is not registered"));
    const ok = await fetch(
      `${B}/fred/series?series_id=UNRATE&file_type=json&api_key=abcdefghijklmnopqrstuvwxyz012345`,
    );
    assertEquals(ok.status, 200);
    await ok.body?.cancel();
    const poly = await fetch(`${B}/v1/marketstatus/now`, {
      headers: { Authorization: "Bearer wrong" },
    });
    assertEquals(poly.status, 401);
    assertEquals((await poly.json()).error, "Unknown API Key");
    const bearer = await fetch(`${B}/v1/marketstatus/now`, {
      headers: { Authorization: "Bearer good" },
    });
    assertEquals(bearer.status, 200);
    await bearer.body?.cancel();
    const alp = await fetch(`${B}/v2/stocks/SPY/bars?timeframe=1Day`, {
      headers: { "APCA-API-KEY-ID": "id", "APCA-API-SECRET-KEY": "nope" },
    });
    assertEquals(alp.status, 401);
    await alp.body?.cancel();
    const av = await fetch(`${B}/query?function=SPLITS&symbol=SPY&apikey=wrong`);
    assertEquals(av.status, 200);
    assert("Error Message" in await av.json());
    const fh = await fetch(`${B}/api/v1/stock/option-chain?symbol=SPY`, {
      headers: { "X-Finnhub-Token": "wrong" },
    });
    assertEquals(fh.status, 401);
    await fh.body?.cancel();
    const ws = new WebSocket(`${sim.wsUrl}/stocks`);
    const status = await new Promise<string>((resolve) => {
      ws.onmessage = (e) => {
        const f = JSON.parse(String(e.data));
        if (f[0].status === "connected") {
          ws.send(JSON.stringify({ action: "auth", params: "wrong" }));
        } else resolve(f[0].status);
      };
    });
    ws.close();
    assertEquals(status, "auth_failed");
    await new Promise((r) => setTimeout(r, 50));
  } finally {
    await sim.close();
  }
});

Deno.test("server: malformed parameters get the vendor's 4xx, never a 500", async () => {
  const sim = await startSimServer({ seed: 5, world: WORLD });
  const H = { Authorization: "Bearer t", "APCA-API-KEY-ID": "a", "APCA-API-SECRET-KEY": "b" };
  const bad = [
    "/v2/aggs/ticker/SPY/range/1/minute/garbage/2024-03-28?apiKey=k",
    "/v2/aggs/ticker/SPY/range/0/minute/2024-03-01/2024-03-28?apiKey=k",
    "/v2/aggs/ticker/SPY/range/1/fortnight/2024-03-01/2024-03-28?apiKey=k",
    "/v2/aggs/ticker/SPY/range/1/minute/2024-03-01/2024-03-28?apiKey=k&limit=abc",
    "/v2/aggs/ticker/SPY/range/1/minute/2024-03-01/2024-03-28?apiKey=k&cursor=zzz",
    "/v3/reference/options/contracts?as_of=garbage&apiKey=k",
    "/v3/trades/SPY?timestamp=garbage&apiKey=k",
    "/v3/quotes/SPY?timestamp.gte=2024-13-45&apiKey=k",
    "/v2/stocks/bars?symbols=SPY&timeframe=1Day&start=garbage",
    "/v2/stocks/SPY/bars?timeframe=1Day&page_token=zzz",
    "/v3/instruments/EUR_USD/candles?granularity=M1&from=garbage",
    "/v3/instruments/EUR_USD/candles?granularity=M1&count=0",
    "/fred/series/observations?series_id=UNRATE&file_type=json&api_key=k&observation_start=x",
    "/fred/series/observations?series_id=UNRATE&file_type=json&api_key=k&limit=0",
  ];
  try {
    for (const p of bad) {
      const r = await fetch(sim.baseUrl + p, { headers: H });
      await r.body?.cancel();
      assert(r.status >= 400 && r.status < 500, `${p} -> ${r.status}`);
    }
    // Date bounds cover whole New York days: lte 2024-03-27 includes that day's last trade.
    const url =
      `${sim.baseUrl}/v3/trades/SPY?timestamp.gte=2024-03-27&timestamp.lte=2024-03-27&limit=1&apiKey=k`;
    const last = await (await fetch(url)).text();
    const ns = BigInt(/"sip_timestamp":(\d+)/.exec(last)![1]!);
    const close = BigInt(sim.world.spySecondBars("2024-03-27")!.t.at(-1)!) * 1_000_000n;
    assert(ns >= close, "the latest trade of the day (order desc) is in its last second");
  } finally {
    await sim.close();
  }
});
