import { assert, assertEquals } from "../../_assert.ts";
import { generateWorld } from "../../../lib/sources/sim/mod.ts";
import { sessionBounds } from "../../../lib/sources/sim/_calendar.ts";

Deno.test("universe: unique tickers across sectors; listings consistent with the paths", () => {
  const w = generateWorld({ seed: 3, start: "2023-06-01", end: "2023-12-29", equityCount: 120 });
  const tickers = w.equityInfo.map((x) => x.ticker);
  assertEquals(new Set(tickers).size, tickers.length);
  assert(!tickers.includes("SPY"));
  assertEquals(new Set(w.equityInfo.map((x) => x.sector)).size, 11);
  for (const l of w.listings().filter((l) => l.assetType === "Stock")) {
    const t = w.equityTruth(l.ticker)!;
    const listed = t.dates.filter((_, i) => Number.isFinite(t.close[i]!));
    if (l.ipoDate >= w.days[0]!) assertEquals(listed[0], l.ipoDate);
    if (l.delistingDate) assertEquals(listed.at(-1), l.delistingDate);
    else assertEquals(listed.at(-1), w.today);
  }
});

Deno.test("news: published between the previous close and the close of its effect session", () => {
  const w = generateWorld({ seed: 3, start: "2023-06-01", end: "2023-07-31", equityCount: 40 });
  assert(w.news.length > 50);
  const ids = new Set(w.news.map((a) => a.id));
  assertEquals(ids.size, w.news.length);
  for (const a of w.news) {
    const i = w.newsEffectIndex(a);
    if (i < 1) continue;
    const close = sessionBounds(w.days[i]!)!.close.getTime();
    const prev = sessionBounds(w.days[i - 1]!)!.close.getTime();
    assert(a.publishedMs >= prev && a.publishedMs < close, a.id);
    assert(w.isEquity(a.ticker));
  }
  for (let i = 1; i < w.news.length; i++) {
    assert(w.news[i]!.publishedMs >= w.news[i - 1]!.publishedMs);
  }
});
