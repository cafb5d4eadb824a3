/**
 * Issue 23: the stream survives a silent feed. Each test reproduces one of the failures
 * against the replay market (lib/ingest/stream_replay.ts) with a fault mode, and checks the fix
 * with counts:
 * 1. a half-open connection (the server stops sending at 12:00 ET without closing, and never
 *    answers a close): the watchdog drops it, reconnects and repairs the silent span; a stop on
 *    a hung socket ends within the bound with the tail repaired;
 * 2. 120 s of bars withheld inside a live connection: detected and repaired through REST;
 * 3. REST bars without `n`: stored by the repair exactly like the live path stores them.
 * Every case ends with every bar of the session in the lake exactly once (the REST backfill of
 * the same day, compared row by row).
 */
import pl from "nodejs-polars";
import { streamRawSpec } from "../../lib/ingest/stream_events.ts";
import {
  type ReplayFaults,
  type ReplayServer,
  startReplayServer,
} from "../../lib/ingest/stream_replay.ts";
import { runStream, type StreamSummary } from "../../lib/ingest/stream_runner.ts";
import { syntheticSessionEvents } from "../../lib/ingest/stream_session.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { collectHealth, formatHealth } from "../../lib/ops/health.ts";
import { PolygonClient } from "../../lib/sources/polygon.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { assertLakeEqualsBackfill, DATE, KEY, secret } from "./_stream_fixture.ts";

const CLOSE = sessionBounds(DATE)!.close.getTime();
/** 12:00 New York on 2024-03-15 (EDT, UTC-4). */
const NOON = Date.parse("2024-03-15T16:00:00Z");
/** Watchdog silence of the tests: short, so that they stay fast. */
const SILENCE_MS = 1000;
const STOP_TIMEOUT_MS = 10_000;
/** Timer and scheduling slack on a loaded 2-core machine. */
const SLACK_MS = 1500;

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const session = () => syntheticSessionEvents(DATE, { tickers: ["SPY"], seed: 11 });

/** Events of the session inside [from, to) by window start, per channel. */
function countIn(events: Record<string, unknown>[], from: number, to: number) {
  const inside = events.filter((e) => (e.s as number) >= from && (e.s as number) < to);
  return {
    A: inside.filter((e) => e.ev === "A").length,
    AM: inside.filter((e) => e.ev === "AM").length,
  };
}

function streamOptions(name: string, root: string, srv: { wsUrl: string; baseUrl: string }) {
  return {
    name,
    feed: "stocks" as const,
    symbols: ["SPY"],
    channels: ["A", "AM"] as ("A" | "AM")[],
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
    stopTimeoutMs: STOP_TIMEOUT_MS,
  };
}

/**
 * Replay `events` (with `faults`) to a stream worker `name` on a fresh lake, run `body` on it,
 * then close the server and remove the lake. `stop` aborts the worker and returns its summary;
 * `stopWhenReplayed` first waits for the whole session to be sent.
 */
async function withReplay(
  name: string,
  events: Record<string, unknown>[],
  options: { faults?: ReplayFaults; silenceMs?: number },
  body: (r: {
    srv: ReplayServer;
    root: string;
    stop: () => Promise<StreamSummary>;
    stopWhenReplayed: () => Promise<StreamSummary>;
  }) => Promise<void>,
): Promise<void> {
  const root = await Deno.makeTempDir();
  const srv = startReplayServer({
    events: { stocks: events },
    apiKey: KEY,
    frameSize: 40,
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const ac = new AbortController();
  try {
    const run = runStream({
      ...streamOptions(name, root, srv),
      ...(options.silenceMs !== undefined ? { silenceMs: options.silenceMs } : {}),
      feedLive: () => true, // as with --now: the replayed day is not today
      signal: ac.signal,
    });
    const stop = () => {
      ac.abort();
      return run;
    };
    const stopWhenReplayed = async () => {
      await until(() => srv.finished(), 60_000, "the session to be replayed");
      return stop();
    };
    await body({ srv, root, stop, stopWhenReplayed });
  } finally {
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("stream: a half-open connection at 12:00 is dropped by the watchdog, reconnected and repaired; REST bars without n are stored", async () => {
  const events = session();
  const LOST_MS = 5 * 60_000;
  const faults = { halfOpen: [{ at: NOON, lostMs: LOST_MS }], restOmitNEvery: 7 };
  await withReplay("half-open", events, { faults, silenceMs: SILENCE_MS }, async (r) => {
    const { srv, root } = r;
    const s = await r.stopWhenReplayed();
    const lost = countIn(events, NOON, NOON + LOST_MS);
    // The fault happened: 300 second bars and 5 minute bars never sent on the socket.
    assertEquals([lost.A, lost.AM], [300, 5]);
    assertEquals(srv.faultLog.halfOpens, 1);
    assertEquals(srv.faultLog.halfOpenLost, 305);
    // ...and was handled: one watchdog drop, the unanswered close abandoned, one reconnect.
    assertEquals(s.counts.watchdog_drops, 1);
    assertEquals(s.counts.sockets_abandoned, 1);
    assertEquals(s.counts.reconnects, 1);
    // The silent span repaired through REST right after the reconnect (A and AM), not at stop.
    assertEquals(s.counts.gaps_reconnect, 2);
    assertEquals(s.counts.repaired_rows, 305);
    assertEquals(s.counts.gaps_live, 0);
    assertEquals(s.counts.gaps_unrepaired, 0);
    assertEquals(s.failedRepairs.length, 0);
    assert(s.counts.stop_ms! < STOP_TIMEOUT_MS, `stop took ${s.counts.stop_ms} ms`);
    await assertLakeEqualsBackfill(root, srv.baseUrl);
    // Issue failure 3: the repaired bars whose REST row had no `n` are in the lake, with n null.
    const noN = (ch: "A" | "AM") =>
      events.filter((e) =>
        e.ev === ch && (e.s as number) >= NOON && (e.s as number) < NOON + LOST_MS &&
        Math.floor((e.s as number) / 1000) % 7 === 0
      ).length;
    // Counted from the events, not from the code under test: 300 consecutive seconds hold 42
    // or 43 multiples of 7 (checked below).
    for (const ch of ["A", "AM"] as const) {
      const raw = await readDataset(streamRawSpec("stocks", ch), { root });
      const rest = raw.filter(pl.col("origin").eq(pl.lit("rest")));
      assertEquals(rest.height, ch === "A" ? 300 : 5);
      assertEquals(rest.filter(pl.col("n").isNull()).height, noN(ch), ch);
    }
    assert(noN("A") >= 42 && noN("A") <= 43, `bars without n: ${noN("A")}`);
    assert(srv.faultLog.restWithoutN > 0);
    // The health output counts the repairs.
    const row = collectHealth({ root })[0]!;
    assertEquals([row.state, row.repairs, row.unrepaired], ["stopped", 2, 0]);
    assert(/\brepairs\s+unrepaired\b/.test(formatHealth([row])), formatHealth([row]));
  });
});

Deno.test("stream: 120 s withheld inside a live connection are detected and repaired through REST", async () => {
  const faults = {
    withhold: [{ from: NOON, to: NOON + 120_000 }],
    duplicateEvery: 97,
    reorderEvery: 89,
  };
  await withReplay("withheld", session(), { faults, silenceMs: 30_000 }, async (r) => {
    const { srv, root } = r;
    const s = await r.stopWhenReplayed();
    // The numbers: 120 second bars and 2 minute bars withheld, no disconnect.
    assertEquals(srv.faultLog.withheld, 122);
    assertEquals(srv.faultLog.disconnects, 0);
    assertEquals(s.counts.reconnects, 0);
    assertEquals(s.counts.watchdog_drops, 0);
    // One hole per channel, found inside the connection, confirmed and filled through REST.
    assertEquals(s.counts.gaps_live, 2);
    assertEquals(s.counts.repaired_rows, 122);
    assertEquals(s.counts.repairs_empty, 0);
    assertEquals(s.counts.duplicates, srv.faultLog.duplicates);
    const live = s.gaps.filter((g) => g.kind === "live").map((g) => [g.channel, g.from, g.to]);
    assertEquals(
      live.sort(),
      [
        ["A", NOON - 1000 + 1, NOON + 120_000 - 1],
        ["AM", NOON - 60_000 + 1, NOON + 120_000 - 1],
      ].sort(),
    );
    await assertLakeEqualsBackfill(root, srv.baseUrl);
  });
});

Deno.test("stream: a hole of no-trade seconds is confirmed empty through REST, nothing invented", async () => {
  // Ten seconds without any trade at 12:00: the vendor has no bar there, live or REST.
  const events = session().filter((e) =>
    !(e.ev === "A" && (e.s as number) >= NOON && (e.s as number) < NOON + 10_000)
  );
  await withReplay("no-trades", events, {}, async (r) => {
    const { root } = r;
    const s = await r.stopWhenReplayed();
    assertEquals(s.counts.gaps_live, 1);
    assertEquals(s.counts.repairs_empty, 1);
    assertEquals(s.counts.repaired_rows, 0);
    const raw = await readDataset(streamRawSpec("stocks", "A"), { root });
    assertEquals(raw.height, 23_400 - 10);
  });
});

Deno.test("stream: a stop on a hung socket (silent from 12:00 to the close) ends within the bound, tail repaired", async () => {
  const events = session();
  const faults = { halfOpen: [{ at: NOON, lostMs: CLOSE - NOON }] };
  // No watchdog before the stop: the socket is hung when it comes.
  await withReplay("hung-stop", events, { faults, silenceMs: 600_000 }, async (r) => {
    const { srv, root } = r;
    await until(() => srv.faultLog.halfOpens === 1, 60_000, "the connection to go half-open");
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    const s = await r.stop();
    const stopMs = performance.now() - t0;
    assert(stopMs < STOP_TIMEOUT_MS + SLACK_MS, `stop took ${stopMs} ms`);
    assertEquals(s.counts.sockets_abandoned, 1);
    assertEquals(s.counts.gaps_tail, 2);
    const lost = countIn(events, NOON, CLOSE);
    assertEquals([lost.A, lost.AM], [14_400, 240]);
    assertEquals(s.counts.repaired_rows, 14_640);
    assertEquals(s.counts.repairs_deferred, 0);
    await assertLakeEqualsBackfill(root, srv.baseUrl);
  });
});
