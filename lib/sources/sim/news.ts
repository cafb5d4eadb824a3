/**
 * News articles with tickers, publication times and sentiment insights (Polygon news fields).
 *
 * Per session d, Poisson(0.15 * alive names) articles; each names one alive ticker, is published
 * uniformly in [close_{d-1}, close_d) (previous close = 16:00 ET of the previous session), and has
 * sentiment +1 ("positive", p = 0.35), -1 ("negative", p = 0.35) or 0 ("neutral").
 * Planted drift (strength s = effects.sentiment, see equities.ts): the article's effect window is
 * the 5 sessions starting with the first session whose close is after publication (d if published
 * before d's close); each adds s * sentiment * sigma_idio_daily / 5 to the stock's expected log
 * return, so the 5-session cumulative drift is s * sentiment * sigma_idio_daily.
 */
import type { Rng } from "../../core/random.ts";
import type { EquityInfo } from "./universe.ts";

export const SENTIMENT_WINDOW = 5;

export interface NewsArticle {
  id: string;
  /** Epoch ms of publication. */
  publishedMs: number;
  ticker: string;
  sentiment: -1 | 0 | 1;
  /** Session index (incl. burn-in) where the drift window starts. */
  effectIndex: number;
  title: string;
  author: string;
  publisher: string;
}

const PUBLISHERS = ["Sim Wire", "Market Desk", "Quant Ledger", "The Tape"];
const POS = ["beats estimates", "raises guidance", "wins major contract", "upgraded to buy"];
const NEG = ["misses estimates", "cuts guidance", "faces probe", "downgraded to sell"];
const NEU = [
  "holds annual meeting",
  "names new director",
  "files quarterly report",
  "announces conference call",
];

/**
 * Draw articles for sessions [from, n). `closeMs[d]` is the close instant of session d.
 */
export function drawNews(
  rng: Rng,
  names: EquityInfo[],
  closeMs: Float64Array,
  from: number,
): NewsArticle[] {
  const r = rng.fork("news");
  const out: NewsArticle[] = [];
  const n = closeMs.length;
  let seq = 0;
  for (let d = Math.max(1, from); d < n; d++) {
    const alive = names.filter((x) => x.firstIndex <= d && (x.lastIndex < 0 || x.lastIndex > d));
    const count = r.poisson(0.15 * alive.length);
    const prev = closeMs[d - 1]!, cur = closeMs[d]!;
    const batch: NewsArticle[] = [];
    for (let i = 0; i < count && alive.length; i++) {
      const info = alive[r.int(0, alive.length - 1)]!;
      const u = r.uniform();
      const sentiment = u < 0.35 ? 1 : u < 0.7 ? -1 : 0;
      const publishedMs = Math.floor((prev + r.uniform() * (cur - prev)) / 1000) * 1000;
      const pool = sentiment > 0 ? POS : sentiment < 0 ? NEG : NEU;
      batch.push({
        id: "",
        publishedMs,
        ticker: info.ticker,
        sentiment: sentiment as -1 | 0 | 1,
        effectIndex: d,
        title: `${info.name} ${pool[r.int(0, pool.length - 1)]}`,
        author: `Reporter ${r.int(1, 40)}`,
        publisher: PUBLISHERS[r.int(0, PUBLISHERS.length - 1)]!,
      });
    }
    batch.sort((a, b) => a.publishedMs - b.publishedMs || a.ticker.localeCompare(b.ticker));
    for (const a of batch) {
      a.id = `sim${String(++seq).padStart(8, "0")}`;
      out.push(a);
    }
  }
  return out;
}

/** Polygon label of a sentiment score. */
export function sentimentLabel(s: -1 | 0 | 1): "positive" | "negative" | "neutral" {
  return s > 0 ? "positive" : s < 0 ? "negative" : "neutral";
}
