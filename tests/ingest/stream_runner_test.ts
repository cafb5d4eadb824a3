import pl from "nodejs-polars";
import { join } from "node:path";
import { streamRawSpec } from "../../lib/ingest/stream_events.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { backfillCurator, barPipelineFor } from "../../lib/ingest/stream_curate.ts";
import { startReplayServer } from "../../lib/ingest/stream_replay.ts";
import { runStream, SPOOL_CONNECT_MARK, streamPaths } from "../../lib/ingest/stream_runner.ts";
import { syntheticSessionEvents } from "../../lib/ingest/stream_session.ts";
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

/**
 * A process killed after a reconnect opened a gap but before its next checkpoint leaves the
 * frames on both sides of the gap in the spool. The restart must still repair the gap: from the
 * connection mark in the spool, or from the keys the checkpoint says are owed a gap check.
 */
Deno.test("stream: a gap opened before a kill is repaired by the restart (spool mark or checkpoint)", async () => {
  const bars = syntheticSessionEvents(DATE, { tickers: ["SPY"], seed: 3, minuteBars: false })
    .slice(0, 30);
  const srv = startReplayServer({ events: { stocks: bars }, apiKey: KEY });
  srv.pause(true); // the socket sends nothing: only the spool and the REST repair feed the lake
  const frame = (from: number, to: number) => JSON.stringify(bars.slice(from, to));
  const cases: { name: string; spool: string[]; checkpoint?: unknown }[] = [
    {
      // First process: connect, 10 bars, disconnect (10 bars lost), reconnect, 10 bars, kill.
      name: "mark",
      spool: [SPOOL_CONNECT_MARK, frame(0, 10), SPOOL_CONNECT_MARK, frame(20, 30)],
    },
    {
      // The checkpoint was written between the reconnect and the first frame after it.
      name: "checkpoint",
      spool: [frame(20, 30)],
      checkpoint: {
        last: { "A|SPY": bars[9]!.s },
        pending: [],
        needs: ["A|SPY"],
        updated_at: new Date().toISOString(),
      },
    },
  ];
  try {
    for (const c of cases) {
      const root = await Deno.makeTempDir();
      try {
        const paths = streamPaths(`gap-${c.name}`, root);
        Deno.mkdirSync(paths.spool, { recursive: true });
        Deno.writeTextFileSync(join(paths.spool, "seg-000000002.jsonl"), c.spool.join("\n") + "\n");
        if (c.checkpoint) {
          Deno.mkdirSync(join(paths.checkpoint, ".."), { recursive: true });
          Deno.writeTextFileSync(paths.checkpoint, JSON.stringify(c.checkpoint));
        }
        const ac = new AbortController();
        ac.abort(); // replay the spool, repair, then stop at once
        const s = await runStream({
          name: `gap-${c.name}`,
          feed: "stocks",
          symbols: ["SPY"],
          channels: ["A"],
          wsUrl: srv.wsUrl,
          apiKey: secret,
          rest: new PolygonClient({ baseUrl: srv.baseUrl, apiKey: secret }),
          root,
          tailRepair: false,
          register: false,
          marketOpen: () => false,
          signal: ac.signal,
        });
        assertEquals(s.counts.repaired_rows, 10, c.name);
        assertEquals(s.failedRepairs.length, 0, c.name);
        const df = await readDataset(streamRawSpec("stocks", "A"), { root });
        const want = c.name === "mark" ? bars : bars.slice(10);
        assertEquals(
          df.sort("t").getColumn("t").toArray().map(Number),
          want.map((b) => b.s as number),
          c.name,
        );
        const rest = df.filter(pl.col("origin").eq(pl.lit("rest"))).sort("t");
        assertEquals(rest.getColumn("c").toArray(), bars.slice(10, 20).map((b) => b.c), c.name);
      } finally {
        await Deno.remove(root, { recursive: true });
      }
    }
  } finally {
    await srv.close();
  }
});

Deno.test("stream: trades through the scanner: duplicates dropped, a malformed event quarantined", async () => {
  const root = await Deno.makeTempDir();
  const t0 = Date.parse("2024-03-15T14:00:00Z");
  const trades: Record<string, unknown>[] = [];
  for (let q = 1; q <= 3000; q++) {
    const sym = ["SPY", "QQQ", "O:SPY240621C00450000"][q % 3]!;
    trades.push({
      ev: "T",
      sym,
      x: 4,
      i: `id${q}`,
      z: 3,
      p: 500 + q / 100,
      s: 100,
      c: [14, 41],
      t: t0 + q,
      q,
    });
  }
  // Same sequence number and time on two tickers: not duplicates of each other.
  trades.push({ ev: "T", sym: "IWM", p: 200, s: 5, t: t0 + 1, q: 1 });
  const bad = { ev: "T", sym: "SPY", p: 1, s: 1, t: "soon", q: 99_999 };
  trades.splice(1500, 0, bad);
  const srv = startReplayServer({
    events: { stocks: trades },
    apiKey: KEY,
    frameSize: 50,
    faults: { duplicateEvery: 37, reorderEvery: 41 },
  });
  const ac = new AbortController();
  try {
    const run = runStream({
      name: "trades",
      feed: "stocks",
      symbols: ["*"],
      channels: ["T"],
      wsUrl: srv.wsUrl,
      apiKey: secret,
      root,
      flushMs: 100,
      marketOpen: () => false,
      tailRepair: false,
      register: false,
      signal: ac.signal,
    });
    await until(() => srv.finished(), 20_000, "the trades to be sent");
    await new Promise((r) => setTimeout(r, 300));
    ac.abort();
    const s = await run;
    assert(srv.faultLog.duplicates > 50, `duplicates sent ${srv.faultLog.duplicates}`);
    assertEquals(s.counts.duplicates, srv.faultLog.duplicates);
    assertEquals(s.counts.rejected, 1);
    const df = (await readDataset(streamRawSpec("stocks", "T"), { root })).sort(["ticker", "q"]);
    assertEquals(df.height, 3001);
    const spy = df.filter(pl.col("ticker").eq(pl.lit("SPY")));
    assertEquals(spy.height, 1000);
    assertEquals(spy.getColumn("c").get(0), "14,41");
    assertEquals(spy.getColumn("i").get(0), "id3");
    const q = await readDataset(quarantineSpec("polygon_stream"), { root });
    assertEquals(q.height, 1);
    assertEquals(q.getColumn("dataset").get(0), "stocks_t");
    assertEquals(JSON.parse(q.getColumn("payload").get(0) as string), bad);
    assertEquals(q.getColumn("reason").get(0), "schema_mismatch");
    assert(
      (q.getColumn("detail").get(0) as string).startsWith("T: t"),
      q.getColumn("detail").get(0),
    );
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
