import pl from "nodejs-polars";
import { join } from "node:path";
import { streamRawSpec } from "../../lib/ingest/stream_events.ts";
import { backfillCurator, barPipelineFor } from "../../lib/ingest/stream_curate.ts";
import { startReplayServer } from "../../lib/ingest/stream_replay.ts";
import { runStream, streamPaths } from "../../lib/ingest/stream_runner.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { collectHealth } from "../../lib/ops/health.ts";
import { listWorkers } from "../../lib/ops/workers.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { assertLakeEqualsBackfill, DATE, faultyMarket, KEY, secret } from "./_stream_fixture.ts";

const CLOSE = sessionBounds(DATE)!.close.getTime();

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("stream: a faulty full session ends in the lake exactly as the backfill", async () => {
  const root = await Deno.makeTempDir();
  const { srv } = faultyMarket();
  const ac = new AbortController();
  try {
    const run = runStream({
      name: "fault-session",
      feed: "stocks",
      symbols: ["SPY"],
      channels: ["A", "AM"],
      wsUrl: srv.wsUrl,
      apiKey: secret,
      rest: new PolygonClient({ baseUrl: srv.baseUrl, apiKey: secret }),
      root,
      flushMs: 300,
      heartbeatMs: 1000,
      stallMs: 5000,
      backoffInitialMs: 10,
      marketOpen: () => false,
      tailRepairTo: CLOSE,
      signal: ac.signal,
    });
    await until(() => srv.finished(), 30_000, "the session to be replayed");
    ac.abort();
    const s = await run;
    // The faults really happened, and were seen.
    assert(srv.faultLog.disconnects >= 7, `disconnects ${srv.faultLog.disconnects}`);
    assert(
      srv.faultLog.skipped > 0 && s.counts.repaired_rows! > 0,
      JSON.stringify([s.counts, srv.faultLog]),
    );
    assertEquals(s.counts.reconnects, srv.faultLog.disconnects);
    assertEquals(s.counts.duplicates, srv.faultLog.duplicates);
    assert(s.counts.reordered! > 0, "reordered events are counted");
    assertEquals(s.failedRepairs.length, 0);
    await assertLakeEqualsBackfill(root, srv.baseUrl);
    // Clean stop: registration removed, spool empty, checkpoint written.
    assertEquals(listWorkers({ root }).length, 0);
    const paths = streamPaths("fault-session", root);
    const segs = [...Deno.readDirSync(paths.spool)].filter((e) => e.name.endsWith(".jsonl"));
    assertEquals(segs.length, 0);
    const cp = JSON.parse(Deno.readTextFileSync(paths.checkpoint));
    assertEquals(cp.last["AM|SPY"], CLOSE - 60_000);
    assertEquals(collectHealth({ root })[0]!.state, "stopped");
  } finally {
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("stream: frames left in the spool by a dead process reach the lake on restart", async () => {
  const root = await Deno.makeTempDir();
  const srv = startReplayServer({ events: { stocks: [] }, apiKey: KEY });
  try {
    const paths = streamPaths("spool-restart", root);
    Deno.mkdirSync(paths.spool, { recursive: true });
    // Two frames received but never written (one torn at the kill), as a dead process leaves them.
    const f1 =
      `[{"ev":"AM","sym":"SPY","o":1,"h":2,"l":0.5,"c":1.5,"v":10,"vw":1.2,"s":1710509400000,"e":1710509460000}]`;
    const f2 =
      `[{"ev":"AM","sym":"SPY","o":1.5,"h":2,"l":1,"c":1.7,"v":20,"vw":1.6,"s":1710509460000,"e":1710509520000},` +
      `{"ev":"AM","sym":"SPY","o":1.5,"h":2,"l":1,"c":1.7,"v":20,"vw":1.6,"s":1710509460000,"e":1710509520000}]`;
    Deno.writeTextFileSync(
      join(paths.spool, "seg-000000003.jsonl"),
      `${f1}\n${f2}\n[{"ev":"AM","sy`,
    );
    const ac = new AbortController();
    ac.abort(); // replay the spool, then stop at once
    const s = await runStream({
      name: "spool-restart",
      feed: "stocks",
      symbols: ["SPY"],
      channels: ["AM"],
      wsUrl: srv.wsUrl,
      apiKey: secret,
      root,
      marketOpen: () => false,
      signal: ac.signal,
      curate: backfillCurator("stocks", { root }),
    });
    assertEquals(s.counts.spool_replayed_frames, 2);
    assertEquals(s.counts.duplicates, 1);
    const df = await readDataset(streamRawSpec("stocks", "AM"), { root });
    assertEquals(df.height, 2);
    assertEquals(df.getColumn("c").toArray(), [1.5, 1.7]);
    // The backfill's curated step ran on the same rows: known_at = bar open + 60 s.
    const cur = await readDataset(barPipelineFor("stocks", "AM")!.curatedSpec, { root });
    assertEquals(cur.getColumn("close").toArray(), [1.5, 1.7]);
    assertEquals(
      cur.getColumn("known_at").cast(pl.Int64).cast(pl.Utf8).toArray(),
      ["1710509460000", "1710509520000"],
    );
    assertEquals([...Deno.readDirSync(paths.spool)].length, 0);
  } finally {
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("health: a stream that stops receiving shows as stalled within the configured time", async () => {
  const root = await Deno.makeTempDir();
  const { srv } = faultyMarket({ disconnectEvery: Infinity });
  const ac = new AbortController();
  const STALL_MS = 600, HEARTBEAT_MS = 150;
  // Timer and scheduling delay allowed on a loaded 2-core machine.
  const SLACK_MS = 3000;
  try {
    const run = runStream({
      name: "stall",
      feed: "stocks",
      symbols: ["SPY"],
      channels: ["A", "AM"],
      wsUrl: srv.wsUrl,
      apiKey: secret,
      root,
      flushMs: 200,
      heartbeatMs: HEARTBEAT_MS,
      stallMs: STALL_MS,
      marketOpen: () => true,
      tailRepair: false,
      signal: ac.signal,
    });
    await until(() => (srv.sent.stocks ?? 0) > 500, 10_000, "first events");
    // Wait for the first heartbeat to show the stream live before pausing the market.
    await until(() => collectHealth({ root })[0]?.state === "live", 10_000, "live");
    srv.pause(true);
    await new Promise((r) => setTimeout(r, 50));
    const pausedAt = Date.now();
    let row = collectHealth({ root })[0]!;
    assert(row.state === "live" || row.state === "stalled", row.state);
    await until(
      () => {
        row = collectHealth({ root })[0]!;
        return row.state === "stalled";
      },
      5000,
      "stall",
    );
    const lastEvent = Date.parse(row.last_event_at!);
    assert(lastEvent <= pausedAt);
    const detectedAfter = Date.now() - lastEvent;
    assert(detectedAfter >= STALL_MS, `stalled too early (${detectedAfter} ms)`);
    assert(
      detectedAfter <= STALL_MS + HEARTBEAT_MS + SLACK_MS,
      `stall seen late (${detectedAfter} ms)`,
    );
    assertEquals(row.alerts.map((a) => a.kind), ["stall"]);
    srv.pause(false);
    await until(() => collectHealth({ root })[0]!.state === "live", 5000, "recovery");
    ac.abort();
    await run;
  } finally {
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
});
