/**
 * News polling for the streamed tickers: every `intervalMs`, ask `/v2/reference/news` for
 * articles published since the newest one seen (minus an overlap, since publication times are
 * not strictly increasing in arrival order), keep articles not seen before (by article id), and
 * write them to `raw/polygon_stream/news` (one row per article and insight ticker, natural key
 * `id, ticker`; `ticker` is "" for an article without insights; `ts` = published_utc).
 */
import pl from "nodejs-polars";
import { log } from "../core/log.ts";
import { type DatasetSpec, writeDataset } from "../lake/mod.ts";
import type { PolygonClient } from "../sources/polygon.ts";
import { STREAM_SOURCE } from "./stream_events.ts";

/** Raw spec of polled news. */
export const NEWS_STREAM_SPEC: DatasetSpec = {
  zone: "raw",
  source: STREAM_SOURCE,
  dataset: "news",
  partitioning: "date",
  timeColumn: "ts",
  naturalKey: ["id", "ticker"],
  schema: {
    id: "str",
    ticker: "str",
    ts: "ts_ms",
    published_utc: "str",
    title: "str",
    author: "str",
    publisher: "str",
    article_url: "str",
    tickers: "str",
    sentiment: "str",
    sentiment_reasoning: "str",
    query_ticker: "str",
  },
};

/** Options of {@link pollNewsOnce} and {@link runNewsPoller}. */
export interface NewsPollOptions {
  client: PolygonClient;
  tickers: string[];
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Look back this far before the newest article seen. @default 3600000 (1 h) */
  overlapMs?: number;
  /** First poll starts here (ISO). @default 24 h ago */
  since?: string;
}

/** State carried between polls: article ids seen and the newest publication time per ticker. */
export interface NewsPollState {
  seen: Set<string>;
  newest: Map<string, number>;
}

/** One poll over all tickers; returns the number of new articles written. */
export async function pollNewsOnce(
  o: NewsPollOptions,
  state: NewsPollState,
): Promise<{ articles: number; rows: number }> {
  const frames: pl.DataFrame[] = [];
  let articles = 0;
  for (const ticker of o.tickers) {
    const newest = state.newest.get(ticker);
    const gte = newest !== undefined
      ? new Date(newest - (o.overlapMs ?? 3_600_000)).toISOString()
      : o.since ?? new Date(Date.now() - 86_400_000).toISOString();
    for await (const page of o.client.news({ ticker, publishedGte: gte })) {
      const f = page.frame;
      if (f.height === 0) continue;
      const ids = f.getColumn("id").toArray() as string[];
      const pub = f.getColumn("published_utc").toArray() as string[];
      const keep: boolean[] = [];
      const fresh = new Set<string>();
      for (let i = 0; i < ids.length; i++) {
        const isNew = !state.seen.has(ids[i]!);
        keep.push(isNew);
        if (isNew) fresh.add(ids[i]!);
        const t = Date.parse(pub[i]!);
        if (Number.isFinite(t) && t > (state.newest.get(ticker) ?? -Infinity)) {
          state.newest.set(ticker, t);
        }
      }
      if (fresh.size === 0) continue;
      articles += fresh.size;
      const ms = pub.map((p) => Date.parse(p));
      frames.push(
        f.filter(pl.Series(keep)).withColumns(
          pl.Series("ts", ms.filter((_, i) => keep[i]), pl.Float64).cast(pl.Int64).cast(
            pl.Datetime("ms", "UTC"),
          ),
          pl.col("ticker").fillNull(pl.lit("")),
          pl.lit(ticker).alias("query_ticker"),
        ),
      );
      // Mark after the frame is built: a failed write below leaves them unseen for the retry.
      for (const id of fresh) state.seen.add(id);
    }
  }
  if (frames.length === 0) return { articles: 0, rows: 0 };
  const df = pl.concat(frames, { how: "diagonal" });
  const res = await writeDataset(NEWS_STREAM_SPEC, df, {
    transformId: "stream@1:polygon_news_poll",
    sourceUri: "polygon:/v2/reference/news",
    root: o.root,
  });
  return { articles, rows: res.rowsWritten };
}

/** Poll until `signal` aborts; errors are logged and retried at the next interval. */
export async function runNewsPoller(
  o: NewsPollOptions & { intervalMs?: number; signal?: AbortSignal; onPoll?: (n: number) => void },
): Promise<{ polls: number; articles: number; errors: number }> {
  const state: NewsPollState = { seen: new Set(), newest: new Map() };
  let polls = 0, articles = 0, errors = 0;
  while (!o.signal?.aborted) {
    try {
      const r = await pollNewsOnce(o, state);
      articles += r.articles;
      o.onPoll?.(r.articles);
    } catch (e) {
      errors++;
      log.warn("news.poll_failed", { error: String((e as Error).message) });
    }
    polls++;
    await new Promise<void>((res) => {
      const id = setTimeout(res, o.intervalMs ?? 60_000);
      o.signal?.addEventListener("abort", () => {
        clearTimeout(id);
        res();
      }, { once: true });
    });
  }
  return { polls, articles, errors };
}
