import { assert, assertAlmostEquals, assertEquals } from "../../_assert.ts";
import { startSimServer } from "../../../lib/sources/sim/mod.ts";

const WORLD = { start: "2024-03-01", end: "2024-03-28", equityCount: 20 };
const DAY = "2024-03-27";
const RTOL_PRICE = 1e-12;

/** Follow next_url pages (re-appending the key) and collect results. */
async function all(
  base: string,
  first: string,
): Promise<{ rows: Record<string, unknown>[]; pages: number }> {
  let url: string | undefined = base + first;
  const rows: Record<string, unknown>[] = [];
  let pages = 0;
  const seen = new Set<string>();
  while (url) {
    assert(!seen.has(url), "cursor repeated");
    seen.add(url);
    const body: Record<string, unknown> = await (await fetch(url)).json();
    pages++;
    assertEquals(body.status, "OK");
    rows.push(...((body.results as Record<string, unknown>[] | undefined) ?? []));
    url = body.next_url ? `${body.next_url}&apiKey=k` : undefined;
  }
  return { rows, pages };
}

Deno.test("polygon: second aggregates page through a whole session and equal the world", async () => {
  const sim = await startSimServer({ seed: 4, world: WORLD });
  try {
    const { rows, pages } = await all(
      sim.baseUrl,
      `/v2/aggs/ticker/SPY/range/1/second/${DAY}/${DAY}?apiKey=k&limit=5000`,
    );
    const s = sim.world.spySecondBars(DAY)!;
    assertEquals(rows.length, s.length);
    assertEquals(pages, Math.ceil(s.length / 5000));
    for (let k = 0; k < s.length; k += 997) {
      assertEquals(rows[k]!.t, s.t[k]);
      assertEquals([rows[k]!.o, rows[k]!.h, rows[k]!.l, rows[k]!.c, rows[k]!.v], [
        s.o[k],
        s.h[k],
        s.l[k],
        s.c[k],
        s.v[k],
      ]);
    }
    // 5-minute bars: limit counts base minute bars, so 100 base bars give 20 bars per page.
    const five = await (await fetch(
      `${sim.baseUrl}/v2/aggs/ticker/SPY/range/5/minute/${DAY}/${DAY}?apiKey=k&limit=100`,
    )).json();
    assertEquals(five.resultsCount, 20);
    // Descending order; daily bars stamped at ET midnight; index bars have no v/vw/n.
    const desc = await (await fetch(
      `${sim.baseUrl}/v2/aggs/ticker/SPY/range/1/day/2024-03-01/2024-03-28?apiKey=k&sort=desc`,
    )).json();
    assert(desc.results[0].t > desc.results[1].t);
    assertEquals(new Date(desc.results[0].t).toISOString(), "2024-03-28T04:00:00.000Z");
    const vix = await (await fetch(
      `${sim.baseUrl}/v2/aggs/ticker/I:VIX/range/1/minute/${DAY}/${DAY}?apiKey=k&limit=3`,
    )).json();
    assertEquals(Object.keys(vix.results[0]).sort(), ["c", "h", "l", "o", "t"]);
    assert(!("adjusted" in vix));
    // Split-adjusted vs raw for a name that split.
    const split = sim.world.corporateActions().find((a) => a.kind === "split");
    if (split && split.kind === "split") {
      const url = (adj: boolean) =>
        `${sim.baseUrl}/v2/aggs/ticker/${split.ticker}/range/1/day/2024-03-01/2024-03-28?apiKey=k&adjusted=${adj}`;
      const raw = (await (await fetch(url(false))).json()).results;
      const adj = (await (await fetch(url(true))).json()).results;
      const before = raw.findIndex((r: { t: number }) =>
        new Date(r.t).toISOString().slice(0, 10) >= split.date
      ) - 1;
      if (before >= 0) {
        assertAlmostEquals(
          adj[before].c,
          raw[before].c * split.from / split.to,
          0,
          undefined,
          RTOL_PRICE,
        );
      }
    }
  } finally {
    await sim.close();
  }
});

Deno.test("polygon: option contracts as of a date, snapshot fields, chain paging", async () => {
  const sim = await startSimServer({ seed: 4, world: WORLD });
  try {
    const w = sim.world;
    const asOf = "2024-03-08";
    const { rows } = await all(
      sim.baseUrl,
      `/v3/reference/options/contracts?underlying_ticker=SPY&as_of=${asOf}&strike_price.gte=500&strike_price.lte=505&limit=1000&apiKey=k`,
    );
    const expect = w.options.listed(asOf).filter((c) => c.strike >= 500 && c.strike <= 505);
    assertEquals(rows.map((r) => r.ticker).sort(), expect.map((c) => c.ticker).sort());
    assert(rows.every((r) => (r.expiration_date as string) >= asOf));
    const expired = (await all(
      sim.baseUrl,
      `/v3/reference/options/contracts?underlying_ticker=SPY&as_of=${asOf}&expired=true&limit=1000&apiKey=k`,
    )).rows;
    assert(expired.length > 0 && expired.every((r) => (r.expiration_date as string) < asOf));
    // Snapshot: 250 per page; Greeks present when bid > 0; ns last_updated exact.
    const text = await (await fetch(
      `${sim.baseUrl}/v3/snapshot/options/SPY?apiKey=k&limit=250&expiration_date=2024-04-19`,
    )).text();
    const snap = JSON.parse(text);
    assertEquals(snap.results.length, 250);
    assert(snap.next_url && !snap.next_url.includes("apiKey"));
    for (const r of snap.results) {
      assertEquals(r.details.expiration_date, "2024-04-19");
      if (r.last_quote.bid > 0) assert(r.greeks && typeof r.implied_volatility === "number");
      assert(r.last_quote.bid < r.last_quote.ask);
      assertEquals(r.underlying_asset.ticker, "SPY");
    }
    const ns = [...text.matchAll(/"last_updated":(\d+)/g)].map((m) => BigInt(m[1]!));
    assert(ns.every((x) => x > 2n ** 53n));
    const { rows: chain } = await all(
      sim.baseUrl,
      `/v3/snapshot/options/SPY?apiKey=k&limit=250&expiration_date=2024-04-19`,
    );
    assertEquals(
      chain.length,
      w.options.listed(w.today).filter((c) => c.expiration === "2024-04-19").length,
    );
  } finally {
    await sim.close();
  }
});

Deno.test("polygon: trades/quotes ns ordering, news, splits, dividends, market status, pacing", async () => {
  const sim = await startSimServer({ seed: 4, world: WORLD, pacing: { polygon: 30 } });
  try {
    const B = sim.baseUrl;
    const tr = await (await fetch(
      `${B}/v3/trades/SPY?timestamp.gte=${DAY}&timestamp.lt=2024-03-28&order=asc&limit=200&apiKey=k`,
    )).text();
    const sip = [...tr.matchAll(/"sip_timestamp":(\d+)/g)].map((m) => BigInt(m[1]!));
    assertEquals(sip.length, 200);
    for (let i = 1; i < sip.length; i++) assert(sip[i]! > sip[i - 1]!);
    const first = JSON.parse(tr).results[0];
    assertEquals(first.price, sim.world.spySecondBars(DAY)!.o[0]);
    const qt =
      await (await fetch(`${B}/v3/quotes/SPY?timestamp=${DAY}&order=asc&limit=50&apiKey=k`)).json();
    for (const q of qt.results) assert(q.bid_price < q.ask_price);
    const news = await (await fetch(`${B}/v2/reference/news?limit=50&apiKey=k`)).json();
    assert(news.results.length > 0);
    for (let i = 1; i < news.results.length; i++) {
      assert(news.results[i].published_utc <= news.results[i - 1].published_utc);
    }
    const n0 = news.results[0];
    assert(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(n0.published_utc));
    assert(["positive", "negative", "neutral"].includes(n0.insights[0].sentiment));
    const tk = await (await fetch(
      `${B}/v2/reference/news?ticker=${
        n0.tickers[0]
      }&published_utc.gte=2024-03-01&limit=1000&apiKey=k`,
    )).json();
    assert(tk.results.every((a: { tickers: string[] }) => a.tickers.includes(n0.tickers[0])));
    const splits = await (await fetch(`${B}/v3/reference/splits?limit=1000&apiKey=k`)).json();
    const truth = sim.world.corporateActions().filter((a) => a.kind === "split");
    assertEquals(splits.results?.length ?? 0, truth.length);
    const divs = await (await fetch(`${B}/v3/reference/dividends?ticker=SPY&apiKey=k`)).json();
    assertEquals(divs.results[0].ex_dividend_date, "2024-03-15");
    assertEquals(divs.results[0].dividend_type, "CD");
    const ms = await (await fetch(`${B}/v1/marketstatus/now?apiKey=k`)).json();
    assertEquals(ms.market, "open");
    assertEquals(ms.serverTime, "2024-03-28T15:59:00-04:00");
    const up = await (await fetch(`${B}/v1/marketstatus/upcoming?apiKey=k`)).json();
    assert(Array.isArray(up), "upcoming is a bare array");
    const gf = up.find((x: { date: string }) => x.date === "2024-05-27");
    assertEquals(gf?.status, "closed");
    const early = up.find((x: { status: string }) => x.status === "early-close");
    if (early) assert(early.open && early.close);
    const idx = await (await fetch(`${B}/v3/snapshot/indices?ticker.any_of=I:VIX,I:NOPE&apiKey=k`))
      .json();
    assertEquals(idx.results[0].ticker, "I:VIX");
    assertEquals(idx.results[0].value, sim.world.vixMinuteBars(sim.world.today)!.c.at(-2));
    assertEquals(idx.results[1], {
      ticker: "I:NOPE",
      error: "NOT_FOUND",
      message: "Ticker not found.",
    });
    let throttled = 0;
    for (let i = 0; i < 30; i++) {
      const r = await fetch(`${B}/v1/marketstatus/now?apiKey=k`);
      if (r.status === 429) throttled++;
      await r.body?.cancel();
    }
    assert(throttled > 0, "paced vendor answers 429");
  } finally {
    await sim.close();
  }
});

Deno.test("polygon: option trades and quotes reproduce the contract's minute aggregates", async () => {
  const sim = await startSimServer({ seed: 4, world: WORLD });
  try {
    const w = sim.world;
    // The most active near-the-money call of the day.
    const spot = w.spyDaily.close[w.dayIndex(DAY)!]!;
    const c = w.options.listed(DAY).filter((x) => x.type === "call" && x.expiration > DAY)
      .sort((a, b) => Math.abs(a.strike - spot) - Math.abs(b.strike - spot))[0]!;
    const aggs = w.options.minuteAggs(c, DAY);
    assert(aggs.length > 5);
    const trades = (await all(
      sim.baseUrl,
      `/v3/trades/${c.ticker}?timestamp=${DAY}&order=asc&limit=500&apiKey=k`,
    )).rows;
    const quotes = (await all(
      sim.baseUrl,
      `/v3/quotes/${c.ticker}?timestamp=${DAY}&order=asc&limit=100&apiKey=k`,
    )).rows;
    assertEquals(quotes.length, 390);
    const q = new Set(quotes.map((x) => String(x.sip_timestamp)));
    assertEquals(q.size, quotes.length, "no duplicated quote across pages");
    let n = 0;
    for (let k = 0; k < aggs.length; k++) {
      const ns0 = BigInt(aggs.t[k]!) * 1_000_000n, ns1 = ns0 + 60_000_000_000n;
      const inMin = trades.filter((t) =>
        (t.sip_timestamp as bigint) >= ns0 && (t.sip_timestamp as bigint) < ns1
      );
      n += inMin.length;
      assertEquals(inMin.length, aggs.n[k]);
      assertEquals(inMin[0]!.price, aggs.o[k]);
      assertEquals(inMin.at(-1)!.price, aggs.c[k]);
      assertEquals(inMin.reduce((a, t) => a + (t.size as number), 0), aggs.v[k]);
      const nbbo = quotes.find((x) =>
        (x.sip_timestamp as bigint) >= ns0 && (x.sip_timestamp as bigint) < ns1
      )!;
      for (const t of inMin) assert(t.price === nbbo.bid_price || t.price === nbbo.ask_price);
    }
    assertEquals(n, trades.length);
    // An equity's trades reproduce its minute bars.
    const eq = w.equityInfo.find((x) => w.equityMinuteBars(x.ticker, DAY))!;
    const em = w.equityMinuteBars(eq.ticker, DAY)!;
    const et = (await all(
      sim.baseUrl,
      `/v3/trades/${eq.ticker}?timestamp=${DAY}&order=asc&limit=50000&apiKey=k`,
    )).rows;
    assertEquals(et.length, em.n.reduce((a, b) => a + b, 0));
    assertEquals(et[0]!.price, em.o[0]);
    assertEquals(et.at(-1)!.price, em.c[em.length - 1]);
    assertEquals(et.reduce((a, t) => a + (t.size as number), 0), em.v.reduce((a, b) => a + b, 0));
    assertEquals(et[0]!.tape, eq.exchange === "NYSE" ? 1 : 3);
    // SPY quotes page on their own timestamps: no row repeats across pages.
    const p1 = await (await fetch(
      `${sim.baseUrl}/v3/quotes/SPY?timestamp=${DAY}&order=asc&limit=100&apiKey=k`,
    )).text();
    const p2 = await (await fetch(`${JSON.parse(p1).next_url}&apiKey=k`)).text();
    const last1 = BigInt([...p1.matchAll(/"sip_timestamp":(\d+)/g)].at(-1)![1]!);
    const first2 = BigInt([...p2.matchAll(/"sip_timestamp":(\d+)/g)][0]![1]!);
    assert(first2 > last1);
  } finally {
    await sim.close();
  }
});

Deno.test("polygon: a page of second bars generates only the sessions it covers", async () => {
  const sim = await startSimServer({
    seed: 4,
    world: { start: "2024-01-02", end: "2024-12-31", equityCount: 0 },
  });
  try {
    const url =
      `${sim.baseUrl}/v2/aggs/ticker/SPY/range/1/second/2024-06-03/2024-12-31?apiKey=k&limit=30000`;
    const p1 = await (await fetch(url)).json();
    assertEquals(p1.resultsCount, 30000);
    const p2 = await (await fetch(`${p1.next_url}&apiKey=k`)).json();
    assertEquals(p2.results[0].t, p1.results[29999].t + 1000);
    // Two pages of 30,000 seconds span three sessions; nothing else of the year is generated.
    assert(sim.world.spy.sessionsGenerated <= 3, `${sim.world.spy.sessionsGenerated} sessions`);
  } finally {
    await sim.close();
  }
});
