/** Shared pieces of the stream tests: a faulty replay market and the backfill comparison. */
import pl from "nodejs-polars";
import { Secret } from "../../lib/core/secret.ts";
import { streamRawSpec } from "../../lib/ingest/stream_events.ts";
import { startReplayServer } from "../../lib/ingest/stream_replay.ts";
import { syntheticSessionEvents } from "../../lib/ingest/stream_session.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { assertEquals } from "../_assert.ts";

export const DATE = "2024-03-15";
export const KEY = "test-key";
export const secret = new Secret(KEY);

/** A full SPY session (23,400 second bars + 390 minute bars) behind a faulty market. */
export function faultyMarket(options: { disconnectEvery?: number } = {}) {
  const events = syntheticSessionEvents(DATE, { tickers: ["SPY"], seed: 11 });
  const srv = startReplayServer({
    events: { stocks: events },
    apiKey: KEY,
    frameSize: 40,
    faults: {
      disconnectEvery: options.disconnectEvery ?? 3000,
      skipOnDisconnect: 150,
      duplicateEvery: 97,
      reorderEvery: 89,
    },
  });
  return { srv, events };
}

const COLS = ["ticker", "t", "o", "h", "l", "c", "v", "vw"];

/** Backfill the day through the REST aggregates (the same server) as sorted wire frames. */
export async function backfill(baseUrl: string, span: "second" | "minute"): Promise<pl.DataFrame> {
  const client = new PolygonClient({ baseUrl, apiKey: secret });
  const frames: pl.DataFrame[] = [];
  for await (const p of client.aggs("SPY", 1, span, DATE, DATE)) frames.push(p.frame);
  return pl.concat(frames).select(...COLS).sort("t");
}

/** The lake holds exactly the backfill's bars: same keys, no duplicates, same values. */
export async function assertLakeEqualsBackfill(root: string, baseUrl: string): Promise<void> {
  for (const [ch, span, n] of [["A", "second", 23_400], ["AM", "minute", 390]] as const) {
    const lake = (await readDataset(streamRawSpec("stocks", ch), { root })).select(...COLS).sort(
      "t",
    );
    const ref = await backfill(baseUrl, span);
    assertEquals(ref.height, n, `backfill ${span} rows`);
    assertEquals(lake.height, n, `lake ${ch} rows`);
    assertEquals(lake.getColumn("t").nUnique(), n, `lake ${ch} unique keys`);
    const diff = lake.join(ref, { on: COLS, how: "anti" });
    assertEquals(diff.height, 0, `lake ${ch} rows that differ from the backfill`);
  }
}
