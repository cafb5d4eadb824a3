import type { Heartbeat } from "../../lib/ops/heartbeat.ts";
import { assessWorker, collectHealth, formatHealth } from "../../lib/ops/health.ts";
import { LatencyWindow, RateWindow } from "../../lib/ops/latency.ts";
import { writeHeartbeat } from "../../lib/ops/heartbeat.ts";
import {
  listWorkers,
  pidAlive,
  pruneWorkers,
  registerWorker,
  stopWorker,
  WorkerBusyError,
} from "../../lib/ops/workers.ts";
import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";

const TOL = 1e-12;
const NOW = Date.parse("2024-03-15T15:00:00Z");

function hb(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    name: "s1",
    kind: "stream",
    pid: 1,
    state: "live",
    started_at: "2024-03-15T13:00:00.000Z",
    heartbeat_at: new Date(NOW - 10_000).toISOString(),
    heartbeat_ms: 60_000,
    stall_ms: 120_000,
    market_open: true,
    last_event_at: new Date(NOW - 5_000).toISOString(),
    last_event_time: null,
    counts: { events: 10, written_rows: 10 },
    latency_ms: { p50: 1, p95: 2, p99: 3, samples: 3 },
    lag_ms: 5,
    error_rate: 0,
    rss_mb: 100,
    alerts: [],
    ...over,
  };
}
const alive = {
  name: "s1",
  kind: "stream" as const,
  pid: 1,
  started_at: "",
  args: [],
  alive: true,
};

Deno.test("health rules: live, stalled, closed market, unresponsive, dead, stopped", () => {
  assertEquals(assessWorker(hb(), alive, NOW).state, "live");
  // 121 s without an event at the heartbeat (10 s ago) while open: stalled; 120 s is not yet.
  const quiet = hb({ last_event_at: new Date(NOW - 131_000).toISOString() });
  assertEquals(assessWorker(quiet, alive, NOW).state, "stalled");
  assertEquals(assessWorker(quiet, alive, NOW).alerts.map((a) => a.kind), ["stall"]);
  const edge = hb({ last_event_at: new Date(NOW - 130_000).toISOString() });
  assertEquals(assessWorker(edge, alive, NOW).state, "live");
  assertEquals(assessWorker({ ...quiet, market_open: false }, alive, NOW).state, "live");
  // Never an event since start counts from the start.
  assertEquals(assessWorker(hb({ last_event_at: null }), alive, NOW).state, "stalled");
  const old = hb({ heartbeat_at: new Date(NOW - 181_000).toISOString() });
  assertEquals(assessWorker(old, alive, NOW).state, "unresponsive");
  assertEquals(assessWorker(hb(), { ...alive, alive: false }, NOW).state, "dead");
  assertEquals(assessWorker(hb({ state: "stopped" }), null, NOW).state, "stopped");
  const withRss = hb({ alerts: [{ kind: "rss", message: "RSS high", since: "" }] });
  assertEquals(assessWorker(withRss, alive, NOW).alerts.map((a) => a.kind), ["rss"]);
});

Deno.test("latency window: linear-interpolation percentiles, window pruning, empty", () => {
  const w = new LatencyWindow(1000, 10_000);
  assert(Number.isNaN(w.summary(0).p50)); // empty
  // Latencies 1..100 ms: p50 = 50.5, p95 = 95.05, p99 = 99.01 (numpy "linear").
  w.add(1000, Array.from({ length: 100 }, (_, i) => 1000 - (i + 1)));
  const s = w.summary(1000);
  assertAlmostEquals(s.p50, 50.5, TOL);
  assertAlmostEquals(s.p95, 95.05, 1e-9);
  assertAlmostEquals(s.p99, 99.01, 1e-9);
  assertEquals(w.summary(2500).samples, 0); // pruned
  const one = new LatencyWindow();
  one.add(10, [7]);
  assertEquals(one.summary(10).p99, 3);
});

Deno.test("error-rate window: bad / all over the window", () => {
  const r = new RateWindow(10_000);
  assertEquals(r.rate(0).rate, 0);
  r.add(1000, 99, 1);
  r.add(2000, 0, 1);
  assertAlmostEquals(r.rate(2000).rate, 2 / 101, TOL);
  assertEquals(r.rate(20_000).rate, 0);
});

Deno.test("workers: register, refuse a live duplicate, list, stop with SIGTERM, prune", async () => {
  const root = await Deno.makeTempDir();
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    assertThrows(() => registerWorker("../x", "stream", { root }), TypeError);
    const un = registerWorker("w1", "backfill", { root, pid: sleeper.pid, args: ["--x"] });
    assertThrows(() => registerWorker("w1", "backfill", { root }), WorkerBusyError);
    assertEquals(listWorkers({ root }).map((w) => [w.name, w.alive, w.args]), [["w1", true, [
      "--x",
    ]]]);
    writeHeartbeat({
      ...hb({ name: "w1", kind: "backfill", pid: sleeper.pid }),
      heartbeat_at: new Date().toISOString(),
    }, root);
    assertEquals(collectHealth({ root }).map((r) => r.name), ["w1"]);
    assert(formatHealth(collectHealth({ root })).includes("w1"));
    const res = await stopWorker("w1", { root, timeoutMs: 5000 });
    assertEquals(res.outcome, "stopped");
    await sleeper.status;
    assert(!pidAlive(sleeper.pid));
    assertEquals(collectHealth({ root })[0]!.state, "dead");
    assertEquals(pruneWorkers({ root }), ["w1"]);
    un(); // removing an already removed registration is fine
    assertEquals((await stopWorker("w1", { root })).outcome, "not-running");
    assertEquals(formatHealth([]), "no streams or backfills registered");
  } finally {
    try {
      sleeper.kill("SIGKILL");
    } catch { /* exited */ }
    await sleeper.status;
    await Deno.remove(root, { recursive: true });
  }
});
