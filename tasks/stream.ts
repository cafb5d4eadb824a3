/**
 * deno task stream --feed stocks|options|indices|news --symbols SPY,QQQ [--until HH:MM]
 *   [--name X] [--now] [--channels AM,A] [--flush-ms N] [--heartbeat-ms N] [--stall-ms N]
 *   [--repair-from ISO] [--tail-repair-to ISO] [--interval-ms N (news)] [--raw-only]
 *
 * Bars are curated by the backfill's pipelines as they are committed (--raw-only to skip).
 *
 * Waits for the session window (15 min before the open to 15 min after the close, early closes
 * included) unless --now; stops at --until (New York wall time, today) or the window's end.
 * SIGTERM/SIGINT: flush, checkpoint, exit 0. Exit codes: 0 ok, 1 failure, 2 bad arguments.
 * Endpoints and key come from the configuration (POLYGON_WS_URL, POLYGON_BASE_URL,
 * POLYGON_API_KEY).
 */
import { parseArgs } from "node:util";
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

const { values } = parseArgs({
  args: Deno.args,
  options: {
    feed: { type: "string" },
    symbols: { type: "string" },
    until: { type: "string" },
    name: { type: "string" },
    now: { type: "boolean", default: false },
    channels: { type: "string" },
    "flush-ms": { type: "string" },
    "heartbeat-ms": { type: "string" },
    "stall-ms": { type: "string" },
    "repair-from": { type: "string" },
    "tail-repair-to": { type: "string" },
    "interval-ms": { type: "string" },
    "always-open": { type: "boolean", default: false },
    "raw-only": { type: "boolean", default: false },
  },
});

function fail(msg: string): never {
  console.error(msg);
  Deno.exit(2);
}

const feed = values.feed;
if (!feed || !["stocks", "options", "indices", "news"].includes(feed)) {
  fail("--feed must be stocks, options, indices or news");
}
const symbols = (values.symbols ?? "").split(",").map((s) => s.trim()).filter(Boolean);
if (symbols.length === 0) fail("--symbols is required (comma-separated)");
const num = (k: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) fail(`--${k} must be a positive number, got ${v}`);
  return n;
};
const iso = (k: string, v: string | undefined) => {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (!Number.isFinite(t)) fail(`--${k} must be an ISO instant, got ${v}`);
  return t;
};

const cfg = loadConfig();
const key = cfg.vendors.polygon.apiKey ?? new Secret("");
const rest = new PolygonClient({ baseUrl: cfg.vendors.polygon.baseUrl, apiKey: key });
const name = values.name ??
  `${feed}-${symbols.join("_").replace(/[^A-Za-z0-9_.:-]/g, "")}`.slice(0, 100);

const ac = new AbortController();
for (const sig of ["SIGTERM", "SIGINT"] as const) Deno.addSignalListener(sig, () => ac.abort());

const now = Date.now();
const window = nextStreamWindow(now);
let untilMs = window.stop.getTime();
if (values.until) {
  const m = /^(\d{1,2}):(\d{2})$/.exec(values.until);
  if (!m) fail(`--until must be HH:MM (New York time), got ${values.until}`);
  const today = nyDate(now);
  const utcGuess = Date.parse(`${today}T${m[1]!.padStart(2, "0")}:${m[2]}:00Z`);
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

try {
  if (feed === "news") {
    const unregister = registerWorker(name, "news", { args: Deno.args });
    const stopAt = setTimeout(() => ac.abort(), Math.max(0, untilMs - Date.now()));
    try {
      const r = await runNewsPoller({
        client: rest,
        tickers: symbols,
        intervalMs: num("interval-ms", values["interval-ms"]) ?? 60_000,
        signal: ac.signal,
      });
      log.info("news.done", r);
    } finally {
      clearTimeout(stopAt);
      unregister();
    }
  } else {
    const startedAfterOpen = Date.now() > window.open.getTime();
    const summary = await runStream({
      name,
      feed: feed as Feed,
      symbols,
      channels: values.channels?.split(",") as Channel[] | undefined,
      wsUrl: cfg.vendors.polygonWsUrl,
      apiKey: key,
      rest,
      flushMs: num("flush-ms", values["flush-ms"]),
      heartbeatMs: num("heartbeat-ms", values["heartbeat-ms"]),
      stallMs: num("stall-ms", values["stall-ms"]),
      until: values.now && !values.until ? undefined : new Date(untilMs),
      repairFrom: iso("repair-from", values["repair-from"]) ??
        (startedAfterOpen ? window.open.getTime() : undefined),
      tailRepairTo: iso("tail-repair-to", values["tail-repair-to"]),
      marketOpen: values["always-open"] ? () => true : undefined,
      signal: ac.signal,
      args: Deno.args,
      curate: values["raw-only"] ? undefined : backfillCurator(feed as Feed),
    });
    log.info("stream.done", { name, ...summary.counts, gaps: summary.gaps.length });
  }
  Deno.exit(0);
} catch (e) {
  log.error("stream.failed", { name, error: String((e as Error).message) });
  Deno.exit(1);
}
