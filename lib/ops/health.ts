/**
 * The health view: every stream and backfill known from `_ops/heartbeats/` and
 * `_ops/workers/`, with its state, last heartbeat, counts, lag and alerts.
 *
 * State, first rule that applies:
 * 1. heartbeat says `stopped` or `failed`      -> that state
 * 2. registered pid not running (or, with no registration, a heartbeat older than 3 intervals
 *    that never said stopped)                   -> `dead` (crash or SIGKILL; alert `dead`)
 * 3. heartbeat older than 3 x heartbeat_ms     -> `unresponsive` (alert `heartbeat`)
 * 4. market open and heartbeat_at - last_event_at > stall_ms (or since start without events)
 *                                              -> `stalled` (alert `stall`). Measured at the
 *    heartbeat, not at `now`: the worker may have received events since its last heartbeat,
 *    and it writes a heartbeat as soon as its own stall check fires (every stall_ms / 4 at
 *    most 1 s), so a stall shows within stall_ms + that check interval + the write.
 * 5. otherwise the state the worker reported (`live`, `reconnecting`, `idle`, `running`, ...).
 * Alerts the worker reported (error rate, RSS, failed gap repairs) are kept.
 *
 * Gap accounting of a stream (from its counts, see stream_runner.ts): `repairs` is the number of
 * missing spans repaired through REST (after a reconnect, a watchdog drop, a hole inside a live
 * connection, or the tail at the stop); `unrepaired` is the number of gaps that could not be
 * repaired (REST failed after retries, or no REST client) and need a backfill.
 */
import { join } from "node:path";
import type { Alert, Heartbeat } from "./heartbeat.ts";
import { opsPath, readJson } from "./paths.ts";
import { listWorkers, type WorkerStatus } from "./workers.ts";

/** One row of the health view. */
export interface HealthRow {
  name: string;
  kind: string;
  pid: number | null;
  state: string;
  alive: boolean;
  last_heartbeat: string | null;
  heartbeat_age_ms: number | null;
  last_event_at: string | null;
  counts: Record<string, number>;
  lag_ms: number | null;
  latency_ms: { p50: number; p95: number; p99: number } | null;
  alerts: Alert[];
  /** Gap spans repaired through REST (streams; 0 for others). */
  repairs: number;
  /** Gaps that could not be repaired and need a backfill (streams; 0 for others). */
  unrepaired: number;
}

function listHeartbeats(root?: string): Heartbeat[] {
  const dir = opsPath(root, "heartbeats");
  const out: Heartbeat[] = [];
  try {
    for (const e of Deno.readDirSync(dir)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      const hb = readJson<Heartbeat>(join(dir, e.name));
      if (hb && typeof hb.name === "string") out.push(hb);
    }
  } catch { /* no heartbeats yet */ }
  return out;
}

/** Derive the health of one worker from its heartbeat and registration at `now` (ms). */
export function assessWorker(
  hb: Heartbeat | null,
  reg: WorkerStatus | null,
  now: number,
): HealthRow {
  const name = hb?.name ?? reg!.name;
  const alerts: Alert[] = [...(hb?.alerts ?? [])].filter((a) => a.kind !== "stall");
  const hbAt = hb ? Date.parse(hb.heartbeat_at) : NaN;
  const age = Number.isFinite(hbAt) ? now - hbAt : null;
  const alive = reg ? reg.alive : false;
  let state: string = hb?.state ?? "registered";
  const iso = new Date(now).toISOString();
  if (hb && (hb.state === "stopped" || hb.state === "failed")) {
    state = hb.state;
  } else if ((reg && !reg.alive) || (!reg && hb && age !== null && age > 3 * hb.heartbeat_ms)) {
    state = "dead";
    alerts.push({
      kind: "dead",
      message: `process ${reg?.pid ?? hb?.pid} is not running`,
      since: iso,
    });
  } else if (hb && age !== null && age > 3 * hb.heartbeat_ms) {
    state = "unresponsive";
    alerts.push({
      kind: "heartbeat",
      message: `no heartbeat for ${Math.round(age / 1000)} s (interval ${
        hb.heartbeat_ms / 1000
      } s)`,
      since: iso,
    });
  } else if (hb && hb.market_open && hb.kind !== "backfill") {
    const ref = Date.parse(hb.last_event_at ?? hb.started_at);
    const quiet = hbAt - ref;
    if (quiet > hb.stall_ms) {
      state = "stalled";
      alerts.push({
        kind: "stall",
        message: `no event for ${Math.round(quiet / 1000)} s during market hours (limit ${
          hb.stall_ms / 1000
        } s)`,
        since: new Date(ref + hb.stall_ms).toISOString(),
      });
    }
  }
  return {
    name,
    kind: hb?.kind ?? reg!.kind,
    pid: reg?.pid ?? hb?.pid ?? null,
    state,
    alive,
    last_heartbeat: hb?.heartbeat_at ?? null,
    heartbeat_age_ms: age,
    last_event_at: hb?.last_event_at ?? null,
    counts: hb?.counts ?? {},
    lag_ms: hb?.lag_ms ?? null,
    latency_ms: hb
      ? { p50: hb.latency_ms.p50, p95: hb.latency_ms.p95, p99: hb.latency_ms.p99 }
      : null,
    alerts,
    repairs: hb?.counts?.repairs ?? 0,
    unrepaired: hb?.counts?.gaps_unrepaired ?? 0,
  };
}

/** The health of every known worker, sorted by name. */
export function collectHealth(options: { root?: string; now?: number } = {}): HealthRow[] {
  const now = options.now ?? Date.now();
  const hbs = new Map(listHeartbeats(options.root).map((h) => [h.name, h]));
  const regs = new Map(listWorkers({ root: options.root }).map((w) => [w.name, w]));
  const names = [...new Set([...hbs.keys(), ...regs.keys()])].sort();
  return names.map((n) => assessWorker(hbs.get(n) ?? null, regs.get(n) ?? null, now));
}

const fmtMs = (v: number | null | undefined) =>
  v === null || v === undefined || !Number.isFinite(v) ? "-" : `${Math.round(v)}`;

/** A fixed-width text table of the health rows (the default `deno task health` output). */
export function formatHealth(rows: HealthRow[]): string {
  if (rows.length === 0) return "no streams or backfills registered";
  const head = [
    "name",
    "kind",
    "pid",
    "state",
    "heartbeat",
    "events",
    "written",
    "repairs",
    "unrepaired",
    "lag_ms",
    "p95_ms",
    "alerts",
  ];
  const body = rows.map((r) => [
    r.name,
    r.kind,
    r.pid === null ? "-" : String(r.pid),
    r.state,
    r.heartbeat_age_ms === null ? "-" : `${Math.round(r.heartbeat_age_ms / 1000)}s ago`,
    String(r.counts.events ?? r.counts.rows ?? 0),
    String(r.counts.written_rows ?? 0),
    String(r.repairs),
    String(r.unrepaired),
    fmtMs(r.lag_ms),
    fmtMs(r.latency_ms?.p95),
    r.alerts.map((a) => `${a.kind}: ${a.message}`).join("; ") || "-",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(head), ...body.map(line)].join("\n");
}
