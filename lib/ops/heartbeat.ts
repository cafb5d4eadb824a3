/**
 * Heartbeat files: each stream (or backfill) writes `_ops/heartbeats/<name>.json` every
 * `heartbeat_ms` (one minute by default) and whenever its alert set changes. `deno task health`
 * reads them; see health.ts for how state and alerts are derived.
 *
 * Alerts raised by the worker itself:
 * - `stall`: market open and no event for more than `stall_ms`.
 * - `error_rate`: rejected events + failed writes + failed connections over all outcomes in the
 *   last `error_window_ms` above `error_rate_max`.
 * - `rss`: resident set size above `rss_max_mb`.
 * - `gap`: a gap repair failed (the interval is listed so it can be backfilled).
 */
import { checkWorkerName, opsPath, readJson, writeJsonAtomic } from "./paths.ts";
import type { LatencySummary } from "./latency.ts";
import type { WorkerKind } from "./workers.ts";

/** One active alert. */
export interface Alert {
  kind: "stall" | "error_rate" | "rss" | "gap" | "heartbeat" | "dead";
  message: string;
  since: string;
}

/** Lifecycle states a worker reports. */
export type WorkerState =
  | "starting"
  | "live"
  | "reconnecting"
  | "idle"
  | "stopping"
  | "stopped"
  | "failed"
  | "running";

/** Contents of a heartbeat file. */
export interface Heartbeat {
  name: string;
  kind: WorkerKind;
  pid: number;
  state: WorkerState;
  started_at: string;
  heartbeat_at: string;
  heartbeat_ms: number;
  stall_ms: number;
  /** Whether the market was open at the heartbeat (stall alerts apply only then). */
  market_open: boolean;
  /** Wall-clock instant the last event was received (ISO), or null. */
  last_event_at: string | null;
  /** Event time of the newest event seen (ISO), or null. */
  last_event_time: string | null;
  /** Counters since start (events, duplicates, rejected, written_rows, reconnects, ...). */
  counts: Record<string, number>;
  /** Write time - event time of committed rows, ms. */
  latency_ms: LatencySummary;
  /** Wall-clock ms between the newest event time and now (feed lag). */
  lag_ms: number | null;
  error_rate: number;
  rss_mb: number;
  alerts: Alert[];
  /** Free-form detail (subscriptions, feed, pending repairs). */
  detail?: Record<string, unknown>;
}

/** Path of a worker's heartbeat file. */
export function heartbeatPath(name: string, root?: string): string {
  return opsPath(root, "heartbeats", `${checkWorkerName(name)}.json`);
}

/** Write a heartbeat atomically. */
export function writeHeartbeat(hb: Heartbeat, root?: string): void {
  writeJsonAtomic(heartbeatPath(hb.name, root), hb);
}

/** Read one heartbeat, or null. */
export function readHeartbeat(name: string, root?: string): Heartbeat | null {
  return readJson<Heartbeat>(heartbeatPath(name, root));
}

/** Resident set size of this process in MiB. */
export function rssMb(): number {
  return Deno.memoryUsage().rss / 1048576;
}
