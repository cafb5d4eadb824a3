/** `deno task simulate`: rehearse a stream day against a loopback Polygon WebSocket market. */
import { join } from "node:path";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { Secret } from "../lib/core/secret.ts";
import { log } from "../lib/core/log.ts";
import { lakeRoot, readDataset } from "../lib/lake/mod.ts";
import { startReplayServer } from "../lib/ingest/stream_replay.ts";
import { runStream } from "../lib/ingest/stream_runner.ts";
import { lakeDayEvents, syntheticSessionEvents } from "../lib/ingest/stream_session.ts";
import { streamRawSpec } from "../lib/ingest/stream_events.ts";
import { PolygonClient } from "../lib/sources/polygon.ts";
import { isTradingDay, sessionBounds } from "../lib/time/mod.ts";

const TASK = defineTask({
  name: "simulate",
  summary: "Rehearse a stream day: replay it through a loopback market into a rehearsal lake.",
  options: {
    date: {
      type: "date",
      required: true,
      example: "2024-03-15",
      description: "Session to replay (a NYSE trading day)",
    },
    speed: { type: "number", default: 10, description: "Times real time (> 0)" },
    symbols: { type: "list", default: ["SPY"], description: "Symbols to subscribe" },
    faults: {
      type: "boolean",
      description: "Inject disconnects, duplicates and reordering",
    },
    out: {
      type: "path",
      example: "/tmp/rehearsal",
      description: "Rehearsal lake root (default ${WORKBENCH_DATA}/_ops/rehearsal/<date>)",
    },
  },
  details: `Replays the lake's stream raw second/minute bars of --date (a seeded synthetic session
when the lake has none) through a loopback market speaking the Polygon WebSocket protocol, into
a stream writing to the rehearsal lake. Prints the stream's counters as JSON and whether the
rehearsal lake holds every event of the day.

Exit codes: 0 the rehearsal lake matches the day, 1 it does not (or a failure), 2 bad arguments.`,
  examples: ["--date 2024-03-15 --speed 100 --faults"],
});

await runTask(TASK, async ({ values }) => {
  const date = values.date;
  let trading: boolean;
  try {
    trading = isTradingDay(date);
  } catch (e) {
    throw new UsageError(`--date ${date}: ${(e as Error).message}`);
  }
  if (!trading) throw new UsageError(`--date ${date} is not a NYSE trading day`);
  const speed = values.speed;
  if (!(speed > 0)) throw new UsageError(`--speed must be positive, got ${speed}`);
  const symbols = values.symbols;
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
    return a.height === want.A && am.height === want.AM ? 0 : 1;
  } finally {
    clearInterval(watch);
    await srv.close();
  }
});
