/**
 * The curated step of streamed bars is the backfill's: committed raw `A`/`AM` batches go
 * through the Polygon bar pipelines of lib/ingest/pipelines/polygon_bars.ts (`curate` then
 * their curated spec), so live and backfilled bars land in the same curated datasets
 * (`curated/polygon/{stock,index,option}_bars_{second,minute}`) with the same rules (OHLC
 * checks, `known_at` = bar close). Trades, quotes and index values have no curated step yet.
 */
import type pl from "nodejs-polars";
import { log } from "../core/log.ts";
import { writeDataset } from "../lake/mod.ts";
import { polygonBarPipeline, polygonOptionBarPipeline } from "./pipelines/polygon_bars.ts";
import type { Channel, Feed } from "./stream_events.ts";
import type { Pipeline } from "./types.ts";

/** The backfill pipeline whose curate step applies to a feed's channel, or null. */
export function barPipelineFor(feed: Feed, channel: Channel): Pipeline | null {
  if (channel !== "A" && channel !== "AM") return null;
  const span = channel === "A" ? "second" : "minute";
  if (feed === "options") return polygonOptionBarPipeline({ timespan: span });
  return polygonBarPipeline(feed === "indices" ? "index" : "stock", span);
}

/**
 * A `curate` hook for {@link runStream}: curates each committed raw batch with the backfill's
 * pipeline and writes the curated rows; rows the pipeline rejects are counted and logged.
 */
export function backfillCurator(
  feed: Feed,
  options: { root?: string; onRejected?: (n: number) => void } = {},
): (channel: Channel, raw: pl.DataFrame) => Promise<void> {
  const cache = new Map<Channel, Pipeline | null>();
  return async (channel, raw) => {
    if (!cache.has(channel)) cache.set(channel, barPipelineFor(feed, channel));
    const p = cache.get(channel);
    if (!p || raw.height === 0) return;
    const { curated, rejected } = await p.curate(raw);
    if (rejected.length) {
      options.onRejected?.(rejected.length);
      log.warn("stream.curate_rejected", {
        dataset: p.dataset,
        rows: rejected.length,
        reason: rejected[0]!.reason,
      });
    }
    if (curated.height === 0) return;
    await writeDataset(p.curatedSpec, curated, {
      transformId: p.transformId,
      sourceUri: `stream:${feed}`,
      root: options.root,
    });
  };
}
