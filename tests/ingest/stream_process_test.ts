/**
 * The stream as a process (tasks/stream.ts): SIGKILL mid-session then a restart loses nothing;
 * SIGTERM flushes, checkpoints, unregisters and exits 0 within a few seconds.
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { startReplayServer } from "../../lib/ingest/stream_replay.ts";
import { streamPaths } from "../../lib/ingest/stream_runner.ts";
import { syntheticSessionEvents } from "../../lib/ingest/stream_session.ts";
import { collectHealth } from "../../lib/ops/health.ts";
import { listWorkers, stopWorker } from "../../lib/ops/workers.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { assertLakeEqualsBackfill, DATE, faultyMarket, KEY } from "./_stream_fixture.ts";

const TASK = fromFileUrl(new URL("../../tasks/stream.ts", import.meta.url));
const SIGTERM_EXIT_MS = 5000;

function spawnStream(
  root: string,
  wsUrl: string,
  baseUrl: string,
  extra: string[] = [],
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      TASK,
      "--feed=stocks",
      "--symbols=SPY",
      "--channels=A,AM",
      "--name=proc",
      "--now",
      "--flush-ms=200",
      "--heartbeat-ms=500",
      "--stall-ms=5000",
      `--tail-repair-to=${sessionBounds(DATE)!.close.toISOString()}`,
      ...extra,
    ],
    env: {
      WORKBENCH_DATA: root,
      POLYGON_WS_URL: wsUrl,
      POLYGON_BASE_URL: baseUrl,
      POLYGON_API_KEY: KEY,
      WORKBENCH_LOG_LEVEL: "warn",
    },
    stdout: "null",
    stderr: "piped",
  }).spawn();
}

async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Issue 5: this lost the 147 bars of one disconnect gap in about 1 run in 3. The kill lands
// near the market's second disconnect; the first process had queued the gap's repair but died
// before its next checkpoint, and the restart replayed the spool frames on both sides of the gap
// without the after-reconnect gap check. Fixed by spooling a mark at every connection and
// checkpointing the keys still owed a gap check (see stream_runner.ts and the deterministic
// "a gap opened before a kill" test in stream_runner_test.ts).
Deno.test("stream process: SIGKILL mid-session + restart loses nothing; SIGTERM exits cleanly", async () => {
  const root = await Deno.makeTempDir();
  // Slow the market a little so the kill lands mid-session: large frames are not needed.
  const { srv } = faultyMarket();
  let child: Deno.ChildProcess | null = null;
  try {
    child = spawnStream(root, srv.wsUrl, srv.baseUrl);
    await until(() => (srv.sent.stocks ?? 0) > 6000, 30_000, "the first process to stream");
    child.kill("SIGKILL");
    const killed = await child.status;
    assertEquals(killed.signal, "SIGKILL");
    await child.stderr.cancel();
    const sentBeforeKill = srv.sent.stocks!;
    assert(sentBeforeKill < 23_000, "the kill landed mid-session");
    // The dead worker is still registered, with a pid that is gone.
    assertEquals(listWorkers({ root }).map((w) => [w.name, w.alive]), [["proc", false]]);

    child = spawnStream(root, srv.wsUrl, srv.baseUrl);
    await until(() => srv.finished(), 40_000, "the session to finish");
    await new Promise((r) => setTimeout(r, 300));
    await until(() => listWorkers({ root }).some((w) => w.alive), 10_000, "registration");
    const t0 = performance.now();
    const res = await stopWorker("proc", { root, timeoutMs: SIGTERM_EXIT_MS });
    const status = await child.status;
    const exitMs = performance.now() - t0;
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    child = null;
    assertEquals(res.outcome, "stopped", err);
    assertEquals(status.code, 0, err);
    assert(exitMs < SIGTERM_EXIT_MS, `SIGTERM exit took ${exitMs} ms`);
    assertEquals(listWorkers({ root }).length, 0);
    const paths = streamPaths("proc", root);
    assertEquals(
      [...Deno.readDirSync(paths.spool)].filter((e) => e.name.endsWith(".jsonl")).length,
      0,
    );
    assert(Deno.statSync(paths.checkpoint).isFile);
    await assertLakeEqualsBackfill(root, srv.baseUrl);
  } finally {
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await child.stderr.cancel().catch(() => {});
    }
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
});

// Issue 23: the server goes silent just before the close without closing the connection, and
// never answers a close. SIGTERM used to hang for minutes (the runner waited for a close event
// that never came) and the tail was never repaired. Now: exit 0 within the stop bound, the
// socket abandoned, the tail repaired up to the close, every bar of the session exactly once.
Deno.test("stream process: SIGTERM on a hung socket (silent from 15:59) exits 0 within the bound, tail repaired", async () => {
  const STOP_TIMEOUT_MS = 10_000;
  // Deno's start-up is not part of the stop, but the signal handler needs the process up.
  const SLACK_MS = 2000;
  const root = await Deno.makeTempDir();
  const close = sessionBounds(DATE)!.close.getTime();
  const silentAt = close - 60_000;
  const events = syntheticSessionEvents(DATE, { tickers: ["SPY"], seed: 11 });
  const srv = startReplayServer({
    events: { stocks: events },
    apiKey: KEY,
    frameSize: 40,
    faults: { halfOpen: [{ at: silentAt, lostMs: 60_000 }], restOmitNEvery: 13 },
  });
  let child: Deno.ChildProcess | null = null;
  try {
    child = spawnStream(root, srv.wsUrl, srv.baseUrl, ["--silence-ms=600000"]);
    await until(() => srv.faultLog.halfOpens === 1, 60_000, "the connection to go half-open");
    await until(() => listWorkers({ root }).some((w) => w.alive), 10_000, "registration");
    await new Promise((r) => setTimeout(r, 500));
    const t0 = performance.now();
    child.kill("SIGTERM");
    const status = await child.status;
    const exitMs = performance.now() - t0;
    const err = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
    child = null;
    assertEquals(status.code, 0, err);
    assert(exitMs < STOP_TIMEOUT_MS + SLACK_MS, `SIGTERM exit took ${exitMs} ms`);
    // 60 second bars and 1 minute bar never sent: repaired at the stop.
    assertEquals(srv.faultLog.halfOpenLost, 61);
    const row = collectHealth({ root })[0]!;
    assertEquals(row.state, "stopped");
    assertEquals(row.counts.sockets_abandoned, 1);
    assertEquals(row.counts.gaps_tail, 2);
    assertEquals(row.counts.repaired_rows, 61);
    assertEquals([row.repairs, row.unrepaired], [2, 0]);
    await assertLakeEqualsBackfill(root, srv.baseUrl);
  } finally {
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
      await child.stderr.cancel().catch(() => {});
    }
    await srv.close();
    await Deno.remove(root, { recursive: true });
  }
});
