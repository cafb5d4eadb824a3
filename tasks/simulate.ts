/**
 * deno task simulate --date YYYY-MM-DD [--speed 10] [--symbols SPY] [--faults] [--out DIR]
 *
 * Rehearsal: replays a lake day (the stream's raw second/minute bars of that date; a seeded
 * synthetic session when the lake has none) through a loopback market speaking the Polygon
 * WebSocket protocol, at `speed` times real time, into a stream writing to a rehearsal lake
 * (default `${lakeRoot}/_ops/rehearsal/<date>`). --faults turns on disconnects, duplicates and
 * reordering. Prints the stream's counters and whether the rehearsal lake matches the day.
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { Secret } from "../lib/core/secret.ts";
import { log } from "../lib/core/log.ts";
import { lakeRoot, readDataset } from "../lib/lake/mod.ts";
import { startReplayServer } from "../lib/ingest/stream_replay.ts";
import { runStream } from "../lib/ingest/stream_runner.ts";
import { lakeDayEvents, syntheticSessionEvents } from "../lib/ingest/stream_session.ts";
import { streamRawSpec } from "../lib/ingest/stream_events.ts";
import { PolygonClient } from "../lib/sources/polygon.ts";
import { isTradingDay, sessionBounds } from "../lib/time/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    date: { type: "string" },
    speed: { type: "string", default: "10" },
    symbols: { type: "string", default: "SPY" },
    faults: { type: "boolean", default: false },
    out: { type: "string" },
  },
});
const date = values.date ?? "";
if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isTradingDay(date)) {
  console.error(`--date must be a trading day YYYY-MM-DD, got ${values.date}`);
  Deno.exit(2);
}
const speed = Number(values.speed);
if (!Number.isFinite(speed) || speed <= 0) {
  console.error(`--speed must be positive, got ${values.speed}`);
  Deno.exit(2);
}
const symbols = values.symbols.split(",").filter(Boolean);
let events = await lakeDayEvents("stocks", date, { tickers: symbols });
if (events.length === 0) {
  log.info("simulate.synthetic", { date, reason: "no stream bars in the lake for this date" });
  events = syntheticSessionEvents(date, { tickers: symbols, seed: 1 });
}
const key = "rehearsal-key";
const srv = startReplayServer({
  events: { stocks: events },
  apiKey: key,
  speed,
  faults: values.faults
    ? { disconnectEvery: 3000, skipOnDisconnect: 100, duplicateEvery: 101, reorderEvery: 89 }
    : {},
});
const out = values.out ?? join(lakeRoot(), "_ops", "rehearsal", date);
const ac = new AbortController();
for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, () => ac.abort());
const watch = setInterval(() => {
  if (srv.finished()) ac.abort();
}, 500);
const secret = new Secret(key);
try {
  const summary = await runStream({
    name: `simulate-${date}`,
    feed: "stocks",
    symbols,
    channels: ["A", "AM"],
    wsUrl: srv.wsUrl,
    apiKey: secret,
    rest: new PolygonClient({ baseUrl: srv.baseUrl, apiKey: secret }),
    root: out,
    flushMs: 2000,
    heartbeatMs: 5000,
    stallMs: 30_000,
    marketOpen: () => true,
    repairFrom: sessionBounds(date)!.open.getTime() - 1,
    tailRepairTo: sessionBounds(date)!.close.getTime(),
    signal: ac.signal,
  });
  const a = await readDataset(streamRawSpec("stocks", "A"), { root: out });
  const am = await readDataset(streamRawSpec("stocks", "AM"), { root: out });
  const want = {
    A: events.filter((e) => e.ev === "A").length,
    AM: events.filter((e) => e.ev === "AM").length,
  };
  console.log(
    JSON.stringify(
      {
        date,
        speed,
        counts: summary.counts,
        faults: srv.faultLog,
        rows: { A: a.height, AM: am.height },
        expected: want,
      },
      null,
      1,
    ),
  );
  Deno.exit(a.height === want.A && am.height === want.AM ? 0 : 1);
} finally {
  clearInterval(watch);
  await srv.close();
}
