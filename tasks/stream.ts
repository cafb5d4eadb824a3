/**
 * `deno task stream`: Polygon/Massive WebSocket events into the lake's raw zone (bars curated by
 * the backfill's pipelines as they are committed, unless --raw-only), with gap repair through
 * the REST aggregates, a silence watchdog and a bounded stop; `--feed news` polls the REST news.
 *
 * Waits for the session window (15 min before the open to 15 min after the close, early closes
 * included) unless --now; stops at --until (New York wall time, today) or the window's end.
 * SIGTERM/SIGINT/--until: close (abandoning a socket that does not answer), tail repair, flush,
 * checkpoint, exit 0, all within --stop-timeout-ms. Endpoints and key come from the
 * configuration (POLYGON_WS_URL, POLYGON_BASE_URL, POLYGON_API_KEY).
 */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { loadConfig } from "../lib/config/mod.ts";
import { Secret } from "../lib/core/secret.ts";
import { log } from "../lib/core/log.ts";
import { runStream } from "../lib/ingest/stream_runner.ts";
import { backfillCurator } from "../lib/ingest/stream_curate.ts";
import { runNewsPoller } from "../lib/ingest/stream_news.ts";
import { nextStreamWindow } from "../lib/ingest/stream_schedule.ts";
import type { Channel, Feed } from "../lib/ingest/stream_events.ts";
import { registerWorker } from "../lib/ops/workers.ts";
import { PolygonClient } from "../lib/sources/polygon.ts";
import { nyDate, nyOffsetMinutes } from "../lib/time/mod.ts";

const TASK = defineTask({
  name: "stream",
  summary: "Stream Polygon/Massive WebSocket events (or poll news) into the lake.",
  options: {
    feed: {
      type: "enum",
      values: ["stocks", "options", "indices", "news"],
      required: true,
      description: "WebSocket cluster, or news (REST poller)",
    },
    symbols: {
      type: "list",
      required: true,
      example: "SPY,QQQ",
      description: "Tickers (SPY, O:SPY240621C00450000, I:VIX, *)",
    },
    channels: {
      type: "list",
      example: "A,AM",
      description: "Channels [stocks/options AM,A,T,Q; indices AM,A,V]",
    },
    name: { type: "string", description: "Worker name (heartbeat, spool, checkpoint)" },
    now: {
      type: "boolean",
      default: false,
      description: "Start now, not at the session window; the watchdog then runs always",
    },
    until: { type: "string", example: "16:15", description: "Stop at this New York time today" },
    "flush-ms": { type: "number", min: 1, default: 5000, description: "Flush at least this often" },
    "heartbeat-ms": { type: "number", min: 1, default: 60_000, description: "Heartbeat interval" },
    "stall-ms": {
      type: "number",
      min: 1,
      default: 120_000,
      description: "Stall alert after this long without an event in market hours",
    },
    "silence-ms": {
      type: "number",
      min: 1,
      default: 60_000,
      description: "Watchdog: reconnect after this long without any frame while the feed is live",
    },
    "live-gap-seconds": {
      type: "number",
      min: 1,
      default: 5,
      description: "Second bars missing inside a connection that trigger a REST check",
    },
    "live-gap-minutes": {
      type: "number",
      min: 1,
      default: 1,
      description: "Minute bars missing inside a connection that trigger a REST check",
    },
    "stop-timeout-ms": {
      type: "number",
      min: 100,
      default: 10_000,
      description: "Every stop (SIGTERM, SIGINT, --until) ends within this",
    },
    "repair-from": {
      type: "string",
      example: "2024-03-15T13:30:00Z",
      description: "Repair from this instant for tickers never seen [the open, if later]",
    },
    "tail-repair-to": {
      type: "string",
      example: "2024-03-15T20:00:00Z",
      description: "End of the tail repair at the stop [min(now, --until)]",
    },
    "interval-ms": { type: "number", min: 1, default: 60_000, description: "News poll interval" },
    "always-open": {
      type: "boolean",
      default: false,
      description: "Treat the market as open for stall alerts",
    },
    "raw-only": { type: "boolean", default: false, description: "Do not curate committed bars" },
  },
  details: `Gaps (a reconnect, a silent feed dropped by the watchdog, bars missing inside a live
connection) are repaired through the REST aggregates; the run summary and \`deno task health\`
count repairs and unrepaired gaps. Exit codes: 0 done (also after SIGTERM/SIGINT), 1 failure,
2 bad arguments.`,
});

const iso = (k: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) throw new UsageError(`--${k} must be an ISO instant, got ${v}`);
  return t;
};

await runTask(TASK, async ({ values }) => {
  const feed = values.feed;
  const symbols = values.symbols.map((s) => s.trim()).filter(Boolean);
  if (symbols.length === 0) throw new UsageError("--symbols names no ticker");
  const channels = values.channels?.map((c) => c.trim()) as Channel[] | undefined;
  for (const c of channels ?? []) {
    if (!["A", "AM", "T", "Q", "V"].includes(c)) {
      throw new UsageError(`--channels must list A, AM, T, Q or V, got ${c}`);
    }
  }
  let untilHm: [number, number] | null = null;
  if (values.until !== undefined) {
    const m = /^(\d{1,2}):(\d{2})$/.exec(values.until);
    if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) {
      throw new UsageError(`--until must be HH:MM (New York time), got ${values.until}`);
    }
    untilHm = [Number(m[1]), Number(m[2])];
  }
  if (values["stall-ms"] < values["heartbeat-ms"]) {
    throw new UsageError("--stall-ms must be at least --heartbeat-ms");
  }
  const repairFrom = iso("repair-from", values["repair-from"]);
  const tailRepairTo = iso("tail-repair-to", values["tail-repair-to"]);
  const stopTimeoutMs = values["stop-timeout-ms"];

  const cfg = loadConfig();
  const key = cfg.vendors.polygon.apiKey ?? new Secret("");
  const rest = new PolygonClient({ baseUrl: cfg.vendors.polygon.baseUrl, apiKey: key });
  const name = values.name ??
    `${feed}-${symbols.join("_").replace(/[^A-Za-z0-9_.:-]/g, "")}`.slice(0, 100);

  const ac = new AbortController();
  for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, () => ac.abort());
  // Backstop of the bounded stop: runStream ends within --stop-timeout-ms of a stop; should
  // anything still hang (a lake write on a stuck disk), the process does not.
  ac.signal.addEventListener("abort", () => {
    setTimeout(() => {
      log.error("stream.stop_overrun", { name, stop_timeout_ms: stopTimeoutMs });
      Deno.exit(1);
    }, stopTimeoutMs + 5000);
  });

  const now = Date.now();
  const window = nextStreamWindow(now);
  let untilMs = window.stop.getTime();
  if (untilHm) {
    const hh = String(untilHm[0]).padStart(2, "0"), mm = String(untilHm[1]).padStart(2, "0");
    const utcGuess = Date.parse(`${nyDate(now)}T${hh}:${mm}:00Z`);
    untilMs = utcGuess - nyOffsetMinutes(utcGuess) * 60_000;
  }
  if (!values.now && now < window.start.getTime()) {
    log.info("stream.waiting", { name, start: window.start.toISOString() });
    await new Promise<void>((res) => {
      const id = setTimeout(res, window.start.getTime() - now);
      ac.signal.addEventListener("abort", () => {
        clearTimeout(id);
        res();
      });
    });
  }

  if (feed === "news") {
    const unregister = registerWorker(name, "news", { args: Deno.args });
    const stopAt = setTimeout(() => ac.abort(), Math.max(0, untilMs - Date.now()));
    try {
      const r = await runNewsPoller({
        client: rest,
        tickers: symbols,
        intervalMs: values["interval-ms"],
        signal: ac.signal,
      });
      log.info("news.done", r);
    } finally {
      clearTimeout(stopAt);
      unregister();
    }
    return 0;
  }
  const startedAfterOpen = Date.now() > window.open.getTime();
  const summary = await runStream({
    name,
    feed: feed as Feed,
    symbols,
    channels,
    wsUrl: cfg.vendors.polygonWsUrl,
    apiKey: key,
    rest,
    flushMs: values["flush-ms"],
    heartbeatMs: values["heartbeat-ms"],
    stallMs: values["stall-ms"],
    silenceMs: values["silence-ms"],
    // The session window of the exchange calendar, or always with --now.
    feedLive: values.now ? () => true : undefined,
    liveGapMin: { A: values["live-gap-seconds"], AM: values["live-gap-minutes"] },
    stopTimeoutMs,
    until: values.now && values.until === undefined ? undefined : new Date(untilMs),
    repairFrom: repairFrom ?? (startedAfterOpen ? window.open.getTime() : undefined),
    tailRepairTo,
    marketOpen: values["always-open"] ? () => true : undefined,
    signal: ac.signal,
    args: Deno.args,
    curate: values["raw-only"] ? undefined : backfillCurator(feed as Feed),
  });
  log.info("stream.done", { name, ...summary.counts, gaps: summary.gaps.length });
  if (summary.counts.gaps_unrepaired! > 0) {
    log.warn("stream.unrepaired_gaps", {
      name,
      gaps: summary.counts.gaps_unrepaired,
      note: "backfill these intervals (listed in the heartbeat's gap alerts)",
    });
  }
  return 0;
});
