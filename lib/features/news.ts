/**
 * News sentiment on a daily panel, as of each session close.
 *
 * news_sentiment_w(t, s) = sum of the sentiment (in [-1, 1]) of the articles about symbol s whose
 * known_at lies in (close_{t-w}, close_t]: the articles of the last w sessions that were public by
 * the close of t. 0 when there were none, NaN on dates before the first session close of the panel.
 */
import { sessionBounds } from "../time/mod.ts";

/** One article, reduced to what the feature needs. */
export interface NewsItem {
  symbol: string;
  /** Epoch ms when it became public. */
  knownAt: number;
  sentiment: number;
}

/** Options for {@linkcode newsSentimentPanel}. */
export interface NewsSentimentOptions {
  /** Number of sessions an article counts for. @default 5 */
  windowSessions?: number;
}

/**
 * Sentiment panel (date-major) over `windowSessions` sessions.
 *
 * @example
 * ```ts
 * const s = newsSentimentPanel(articles, { dates, symbols }, { windowSessions: 5 });
 * ```
 */
export function newsSentimentPanel(
  news: NewsItem[],
  grid: { dates: string[]; symbols: string[] },
  options: NewsSentimentOptions = {},
): Float64Array {
  const w = options.windowSessions ?? 5;
  if (!Number.isInteger(w) || w < 1) {
    throw new RangeError(`Cannot build news sentiment: window ${w} must be an integer >= 1`);
  }
  const nS = grid.symbols.length, nT = grid.dates.length;
  const closeMs = grid.dates.map((d) => {
    const b = sessionBounds(d);
    if (!b) throw new RangeError(`Cannot build news sentiment: ${d} is not a trading day`);
    return b.close.getTime();
  });
  const sIdx = new Map(grid.symbols.map((s, i) => [s, i]));
  const out = new Float64Array(nS * nT);
  for (const a of news) {
    const s = sIdx.get(a.symbol);
    if (s === undefined || !Number.isFinite(a.sentiment)) continue;
    // first session whose close is at or after knownAt
    let lo = 0, hi = nT;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (closeMs[mid]! < a.knownAt) lo = mid + 1;
      else hi = mid;
    }
    for (let t = lo; t < Math.min(nT, lo + w); t++) out[t * nS + s]! += a.sentiment;
  }
  return out;
}
