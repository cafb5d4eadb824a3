/**
 * Run one stream into the lake: WebSocket client -> spool -> validated columns -> raw zone
 * (batched every `flushMs` or `flushRows`) with gap repair, deduplication, heartbeats and a clean
 * stop. This is what `deno task stream` and `deno task simulate` call.
 *
 * Guarantees and how they are met:
 * - Nothing received is lost by a crash: each frame is appended to the spool before it is
 *   parsed; a restart writes the leftover spool to the lake first (writes are idempotent).
 * - Nothing missed while disconnected is lost: after every (re)connect, the first aggregate
 *   event of each (channel, ticker) is compared with the last one seen (or the checkpoint of a
 *   previous run); the bars in between are fetched through the REST aggregates and go through
 *   the same path (spooled, deduplicated, written) marked `origin = "rest"`. Pending repairs are
 *   checkpointed so a crash does not forget them. Every (re)connection is also written to the
 *   spool (in order with the frames) and the keys still owed a gap check are checkpointed, so a
 *   restart replaying the spool re-runs the same check: a gap opened by a disconnect in a process
 *   killed before its next checkpoint is repaired, not skipped over. On stop, the tail up to
 *   `until` (or now) is repaired the same way.
 * - Nothing missed by a silent feed is lost: a connection that sends nothing (not even a status)
 *   for `silenceMs` while `feedLive` says the feed should be sending is dropped by the watchdog
 *   and reconnected with backoff (stream.ts); the reconnect's gap check repairs the silent span.
 * - Nothing withheld inside a live connection is lost: for second (`A`) and minute (`AM`)
 *   aggregates, an event more than `liveGapMin[channel]` intervals after the previous one of its
 *   ticker (a hole that no-trade intervals do not plausibly explain) queues a REST repair of the
 *   hole. The REST answer decides: bars found are stored (`repaired_rows`), an empty answer
 *   confirms a no-trade span (`repairs_empty`); nothing is ever filled in without it.
 * - Every stop path (signal, `until`) ends within `stopTimeoutMs`: the socket is closed with a
 *   timeout and abandoned if a half-open connection never answers; the tail is repaired while
 *   the budget lasts; what is left is checkpointed as pending (`repairs_deferred`) and repaired
 *   by the next run; then the last flush and checkpoint.
 * - Counted in the summary and the heartbeat (hence `deno task health`): `gaps_reconnect`,
 *   `gaps_live`, `gaps_tail` (spans queued), `repairs` (spans repaired), `repairs_empty`,
 *   `repairs_failed` (unrepairable after retries), `gaps_unrepaired` (failed, or found with no
 *   REST client), `repairs_deferred`, `watchdog_drops`, `sockets_abandoned`, `stop_ms`.
 * - Duplicates: an event key (channel, symbol, time, sequence) seen in the last `dedupCapacity`
 *   events is dropped; the lake writer's natural-key dedup is the backstop.
 * - Reordering: events up to `reorderWindowMs` older than the newest of their key are counted
 *   as reordered (beyond it, late) and written; the writer sorts by event time.
 * - What is repaired: second (`A`) and minute (`AM`) aggregates of the subscribed tickers
 *   (not of a `*` wildcard subscription), from the REST aggregates, when `rest` is given.
 *   What is not: trades (`T`), quotes (`Q`) and index values (`V`) have no gap detection (a
 *   tick stream has no expected cadence to detect a hole from), so a disconnect or a dead
 *   process can lose ticks; the reconnect is logged and the aggregates of the same tickers
 *   are complete, but a tick-exact day needs a REST tick backfill (`deno task backfill`).
 *   Aggregate gaps found without `rest` are reported as `gap` alerts with the interval.
 */
import type pl from "nodejs-polars";
import { join } from "node:path";
import { log } from "../core/log.ts";
import type { Secret } from "../core/secret.ts";
import { writeDataset } from "../lake/mod.ts";
import { type Alert, type Heartbeat, rssMb, writeHeartbeat } from "../ops/heartbeat.ts";
import { LatencyWindow, RateWindow } from "../ops/latency.ts";
import { checkWorkerName, opsPath, readJson, writeJsonAtomic } from "../ops/paths.ts";
import { registerWorker } from "../ops/workers.ts";
import type { PolygonClient } from "../sources/polygon.ts";
import { isMarketOpen } from "./stream_schedule.ts";
import { PolygonStream } from "./stream.ts";
import {
  type Channel,
  ChannelBatch,
  type Feed,
  pushEvent,
  type PushOutcome,
  STREAM_SOURCE,
  streamRawSpec,
} from "./stream_events.ts";
import { FrameScanner } from "./stream_scan.ts";
import { type QuarantineRow, writeQuarantine } from "./quarantine.ts";
import { Spool } from "./spool.ts";

/** Code version + transform name stored as lineage on stream rows. */
export const STREAM_TRANSFORM_ID = "stream@1:polygon_ws";

/** Options of {@link runStream}. */
export interface StreamRunOptions {
  /** Worker name (heartbeat, spool, checkpoint, pid file). */
  name: string;
  feed: Feed;
  /** Tickers (`SPY`, `O:SPY...`, `I:VIX`). */
  symbols: string[];
  /** Channels. @default stocks/options ["AM","A","T","Q"], indices ["AM","A","V"] */
  channels?: Channel[];
  wsUrl: string;
  apiKey: Secret;
  /** REST client for gap repair; without it gaps are only reported. */
  rest?: PolygonClient;
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Flush to the lake at least this often. @default 5000 */
  flushMs?: number;
  /** Flush when this many rows are buffered. @default 200000 */
  flushRows?: number;
  /** Out-of-order tolerance. @default 5000 */
  reorderWindowMs?: number;
  /** Event keys remembered for dedup. @default 2000000 */
  dedupCapacity?: number;
  /** Heartbeat interval. @default 60000 */
  heartbeatMs?: number;
  /** Stall alert after this long without an event while the market is open. @default 120000 */
  stallMs?: number;
  /**
   * Watchdog: drop and reconnect a connection silent (no data, no status) this long while
   * `feedLive` is true. @default 60000
   */
  silenceMs?: number;
  /** Whether the feed should be sending at an instant (watchdog). @default `marketOpen` */
  feedLive?: (nowMs: number) => boolean;
  /**
   * Missing intervals inside a live connection that trigger a REST check of the hole, per
   * aggregate channel (a hole of fewer is taken for no-trade intervals). @default { A: 5, AM: 1 }
   */
  liveGapMin?: Partial<Record<"A" | "AM", number>>;
  /** Every stop path ends within this many ms (close, tail repair, flush). @default 10000 */
  stopTimeoutMs?: number;
  /** Longest wait for a close handshake before the socket is abandoned. @default min(2000, stopTimeoutMs / 5) */
  closeTimeoutMs?: number;
  /** Error-rate window. @default 300000 */
  errorWindowMs?: number;
  /** Error-rate alert threshold. @default 0.01 */
  errorRateMax?: number;
  /** RSS alert threshold in MiB. @default 2048 */
  rssMaxMb?: number;
  /** Market-open test for stall alerts. @default the exchange calendar (lib/time) */
  marketOpen?: (nowMs: number) => boolean;
  /** Stop at this instant. @default run until `signal` */
  until?: Date;
  /** Repair from here (epoch ms) for tickers never seen before (e.g. the session open). */
  repairFrom?: number;
  /** Repair the tail up to `until` (or now) on stop. @default true */
  tailRepair?: boolean;
  /** End of the tail repair (epoch ms), e.g. the session close of a replayed day. @default min(now, until) */
  tailRepairTo?: number;
  /** Stop when aborted (SIGTERM/SIGINT handlers abort it). */
  signal?: AbortSignal;
  /** Reconnect backoff. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Register a pid file under `_ops/workers`. @default true */
  register?: boolean;
  /** Extra arguments recorded in the worker registration. */
  args?: string[];
  /**
   * Called with each committed raw batch (the backfill's curate step plugs in here so live and
   * backfilled rows are curated by the same code).
   */
  curate?: (channel: Channel, raw: pl.DataFrame) => Promise<void>;
  /** Test hook: the live client (to force disconnects). */
  onClient?: (client: PolygonStream) => void;
}

/** Counters of a finished run. */
export interface StreamSummary {
  counts: Record<string, number>;
  gaps: Repair[];
  failedRepairs: Repair[];
}

/** A missing interval of one aggregate channel and ticker (epoch ms, inclusive). */
export interface Repair {
  channel: Channel;
  sym: string;
  from: number;
  to: number;
  /**
   * How it was found: after a (re)connection, inside a live connection, or at the stop (tail).
   * Absent in checkpoints written before issue 23.
   */
  kind?: "reconnect" | "live" | "tail";
}

interface Checkpoint {
  last: Record<string, number>;
  pending: Repair[];
  /** Keys whose first event after a (re)connect was not yet seen (gap check still owed). */
  needs?: string[];
  updated_at: string;
}

/**
 * Spool line written at every (re)connection, in order with the frames. A restart replaying the
 * spool re-runs the gap check at each of them: without it, a gap opened by a disconnect and
 * detected by a process killed before its next checkpoint would be forgotten (the replayed
 * frames on both sides of it would simply advance `last` past the hole).
 */
export const SPOOL_CONNECT_MARK = '{"connect":1}';

const STEP: Partial<Record<Channel, number>> = { A: 1000, AM: 60_000 };

function defaultChannels(feed: Feed): Channel[] {
  return feed === "indices" ? ["AM", "A", "V"] : ["AM", "A", "T", "Q"];
}

/** What the stream knows of one (channel, ticker): its newest event time, gap check, dedup keys. */
interface KeyState {
  /** Checkpoint key `<channel>|<ticker>`. */
  key: string;
  /** Newest event time seen (ms). */
  last: number | undefined;
  /** The first event after a (re)connection is still owed a gap check. */
  needsGap: boolean;
  /** Dedup generation of `cur` (see {@link KeyTable}). */
  gen: number;
  /** Recent event identities: primary number -> secondary number (see {@link KeyTable.seen}). */
  cur: Map<number, number>;
  old: Map<number, number> | null;
}

/**
 * Per-(channel, ticker) state and the dedup memory. An event's identity (channel, ticker, time,
 * sequence) is held as two numbers under its ticker's state: trades and quotes by sequence ->
 * time, aggregates and values by time -> sequence (0). A second identity with the same primary
 * number (never seen on Polygon feeds) goes to a string set. Two generations, rolled when the
 * current one holds `capacity / 2` identities (lazily per ticker), so at least the last
 * `capacity / 2` events are remembered, as with a two-generation set of string keys, without
 * building one string per event.
 */
class KeyTable {
  readonly byKey = new Map<string, KeyState>();
  readonly #byCh: Record<string, Map<string, KeyState>> = {};
  readonly #half: number;
  #gen = 0;
  #count = 0;
  #collide = new Set<string>();
  #collideOld = new Set<string>();

  constructor(capacity: number) {
    this.#half = Math.max(1, Math.floor(capacity / 2));
  }

  get(ch: string, sym: string): KeyState {
    const m = this.#byCh[ch] ??= new Map();
    let st = m.get(sym);
    if (st === undefined) {
      const key = `${ch}|${sym}`;
      st = { key, last: undefined, needsGap: false, gen: this.#gen, cur: new Map(), old: null };
      m.set(sym, st);
      this.byKey.set(key, st);
    }
    return st;
  }

  /** Channel and ticker of a checkpoint key. */
  getKey(key: string): KeyState {
    const bar = key.indexOf("|");
    return this.get(key.slice(0, bar), key.slice(bar + 1));
  }

  #roll(st: KeyState): void {
    if (st.gen !== this.#gen) {
      st.old = st.gen === this.#gen - 1 ? st.cur : null;
      st.cur = new Map();
      st.gen = this.#gen;
    }
  }

  /** True if (primary, secondary) was seen under `st` recently (does not remember it). */
  has(st: KeyState, primary: number, secondary: number): boolean {
    this.#roll(st);
    let prev = st.cur.get(primary);
    if (prev === undefined && st.old) prev = st.old.get(primary);
    if (prev === secondary) return true;
    if (prev === undefined) return false;
    const k = `${st.key}|${primary}|${secondary}`;
    return this.#collide.has(k) || this.#collideOld.has(k);
  }

  /** True if (primary, secondary) was seen under `st` recently; else remembers it. */
  seen(st: KeyState, primary: number, secondary: number): boolean {
    this.#roll(st);
    let prev = st.cur.get(primary);
    if (prev === undefined && st.old) prev = st.old.get(primary);
    if (prev === secondary) return true;
    if (prev !== undefined) {
      const k = `${st.key}|${primary}|${secondary}`;
      if (this.#collide.has(k) || this.#collideOld.has(k)) return true;
      this.#collide.add(k);
    } else st.cur.set(primary, secondary);
    if (++this.#count >= this.#half) {
      this.#gen++;
      this.#count = 0;
      this.#collideOld = this.#collide;
      this.#collide = new Set();
    }
    return false;
  }
}

/** Largest number of rejected events quarantined per flush (the rest are counted). */
const QUARANTINE_MAX = 10_000;

/**
 * Run a stream until `until`, `signal` or a fatal error (auth refused). Returns the counters.
 *
 * @example
 * ```ts
 * const ac = new AbortController();
 * Deno.addSignalListener("SIGTERM", () => ac.abort());
 * await runStream({ name: "stocks-spy", feed: "stocks", symbols: ["SPY"], wsUrl, apiKey,
 *   rest: new PolygonClient({ baseUrl, apiKey }), signal: ac.signal });
 * ```
 */
export async function runStream(o: StreamRunOptions): Promise<StreamSummary> {
  checkWorkerName(o.name);
  const channels = o.channels ?? defaultChannels(o.feed);
  const chanSet = new Set<string>(channels);
  const flushMs = o.flushMs ?? 5000;
  const flushRows = o.flushRows ?? 200_000;
  const reorderWindow = o.reorderWindowMs ?? 5000;
  const heartbeatMs = o.heartbeatMs ?? 60_000;
  const stallMs = o.stallMs ?? 120_000;
  if (stallMs < heartbeatMs) {
    throw new RangeError(
      `Cannot run stream ${o.name}: stallMs (${stallMs}) must be at least heartbeatMs (${heartbeatMs})`,
    );
  }
  const marketOpen = o.marketOpen ?? ((ms: number) => isMarketOpen(ms));
  const unregister = o.register === false
    ? () => {}
    : registerWorker(o.name, "stream", { root: o.root, args: o.args ?? [] });
  const cpPath = opsPath(o.root, "streams", o.name, "checkpoint.json");
  const spool = new Spool(opsPath(o.root, "spool", o.name));
  const sourceUri = `${o.wsUrl.replace(/\/+$/, "")}/${o.feed}`;

  const counts: Record<string, number> = {
    events: 0,
    frames: 0,
    duplicates: 0,
    rejected: 0,
    reordered: 0,
    late: 0,
    repaired_rows: 0,
    repairs: 0,
    written_rows: 0,
    flushes: 0,
    reconnects: 0,
    write_errors: 0,
    spool_replayed_frames: 0,
    gaps_reconnect: 0,
    gaps_live: 0,
    gaps_tail: 0,
    repairs_empty: 0,
    repairs_failed: 0,
    repairs_deferred: 0,
    gaps_unrepaired: 0,
    watchdog_drops: 0,
    sockets_abandoned: 0,
    stop_ms: 0,
  };
  const symSet = new Set(o.symbols.filter((s) => s !== "*"));
  const liveGapMin: Partial<Record<Channel, number>> = {
    A: o.liveGapMin?.A ?? 5,
    AM: o.liveGapMin?.AM ?? 1,
  };
  for (const [ch, v] of Object.entries(liveGapMin)) {
    if (!(v! >= 1)) {
      throw new RangeError(
        `Cannot run stream ${o.name}: liveGapMin.${ch} must be at least 1 interval, got ${v}`,
      );
    }
  }
  const stopTimeoutMs = o.stopTimeoutMs ?? 10_000;
  const closeTimeoutMs = o.closeTimeoutMs ?? Math.min(2000, stopTimeoutMs / 5);
  const startedAt = new Date().toISOString();
  let state: Heartbeat["state"] = "starting";
  const keys = new KeyTable(o.dedupCapacity ?? 2_000_000);
  const cp = readJson<Checkpoint>(cpPath);
  for (const [k, t] of Object.entries(cp?.last ?? {})) keys.getKey(k).last = t;
  for (const k of cp?.needs ?? []) keys.getKey(k).needsGap = true;
  const scanner = new FrameScanner();
  let rejects: QuarantineRow[] = [];
  const queue: Repair[] = [...(cp?.pending ?? [])];
  const gaps: Repair[] = [];
  const failedRepairs: Repair[] = [];
  let batches: Partial<Record<Channel, ChannelBatch>> = {};
  let buffered = 0;
  let lastEventAt: number | null = null;
  let newestEventTime: number | null = null;
  const latency = new LatencyWindow(o.errorWindowMs ?? 300_000);
  const errors = new RateWindow(o.errorWindowMs ?? 300_000);
  const extraAlerts: Alert[] = [];
  let alertKinds = "";

  /**
   * Validate, deduplicate and buffer parsed events (the reference path: REST repairs, frames
   * the scanner leaves to `JSON.parse`). `live`: events from the socket now (stall clock);
   * `gapCheck`: run the after-reconnect gap check (live frames and replayed spool frames).
   */
  function ingest(
    events: unknown[],
    origin: "ws" | "rest",
    live: boolean,
    gapCheck = live,
  ): void {
    let ok = 0, bad = 0;
    for (const e of events) {
      const r = ingestOne(e, origin, gapCheck);
      if (r === 1) ok++;
      else if (r === -1) bad++;
    }
    afterEvents(live, ok, bad);
  }

  /** One parsed event: 1 buffered, -1 rejected, 0 otherwise (duplicate, status, ignored). */
  function ingestOne(e: unknown, origin: "ws" | "rest", gapCheck: boolean): number {
    const r = e as Record<string, unknown> | null;
    const ev = r?.ev;
    if (typeof ev === "string" && ev !== "status" && !chanSet.has(ev)) return 0;
    const out = pushEventIfNew(r, e, origin);
    if (out.kind === "rejected") {
      reject(out.reason, e, ev);
      return -1;
    }
    if (out.kind === "status") {
      log.info("stream.status", { name: o.name, status: out.status, message: out.message });
      return 0;
    }
    if (out.kind !== "data" || !("st" in out)) return 0;
    accepted(out.st, out.channel, out.sym, out.time, origin, gapCheck);
    return 1;
  }

  /** Dedup check, then `pushEvent` (zod-validated) into the batches. */
  function pushEventIfNew(
    r: Record<string, unknown> | null,
    e: unknown,
    origin: string,
  ):
    | PushOutcome
    | { kind: "data"; st: KeyState; channel: Channel; sym: string; time: number }
    | { kind: "duplicate" } {
    const ev = r?.ev;
    let st: KeyState | null = null;
    let primary = 0, secondary = 0;
    if (r && (ev === "A" || ev === "AM" || ev === "T" || ev === "Q" || ev === "V")) {
      const sym = ev === "V" ? r.T : r.sym;
      const time = ev === "A" || ev === "AM" ? r.s : r.t;
      const q = typeof r.q === "number" ? r.q : 0;
      if (typeof sym === "string" && typeof time === "number") {
        st = keys.get(ev, sym);
        [primary, secondary] = ev === "T" || ev === "Q" ? [q, time] : [time, q];
        // Only look (do not remember) before the event is known to be valid.
        if (keys.has(st, primary, secondary)) {
          counts.duplicates!++;
          return { kind: "duplicate" };
        }
      }
    }
    const out = pushEvent(batches, e, origin);
    if (out.kind !== "data" || st === null) return out;
    keys.seen(st, primary, secondary);
    return { ...out, st };
  }

  /** Count and quarantine a rejected event. */
  function reject(reason: string, e: unknown, ev: unknown): void {
    counts.rejected!++;
    if (counts.rejected! <= 20) log.warn("stream.rejected", { name: o.name, reason });
    if (rejects.length < QUARANTINE_MAX) {
      let payload: string;
      try {
        payload = typeof e === "string" ? e : JSON.stringify(e) ?? String(e);
      } catch {
        payload = String(e);
      }
      rejects.push({
        dataset: `${o.feed}_${typeof ev === "string" ? ev.toLowerCase() : "unknown"}`,
        unitId: o.name,
        unitStart: new Date().toISOString().slice(0, 10),
        stage: "parse",
        reason,
        payload,
        payloadRef: sourceUri,
      });
    }
  }

  /** Bookkeeping of one buffered event: counters, reordering, the gap check, newest times. */
  function accepted(
    st: KeyState,
    channel: Channel,
    sym: string,
    time: number,
    origin: "ws" | "rest",
    gapCheck: boolean,
  ): void {
    buffered++;
    counts.events!++;
    const prev = st.last;
    if (origin === "ws" && prev !== undefined && time < prev) {
      if (prev - time <= reorderWindow) counts.reordered!++;
      else counts.late!++;
    }
    if (gapCheck && st.needsGap) {
      st.needsGap = false;
      const base = prev ?? o.repairFrom;
      const step = STEP[channel];
      if (base !== undefined && time - base > (step ?? Infinity)) {
        foundGap({ channel, sym, from: base + 1, to: time - 1, kind: "reconnect" }, step);
      }
    } else if (gapCheck && prev !== undefined && time > prev + 1000 && origin === "ws") {
      // Continuity inside a live connection: `time - prev` is one step when nothing is missing.
      // (Cheapest tests first: this runs for every event of the hot path.)
      const step = STEP[channel];
      if (
        step !== undefined && (time - prev) / step - 1 >= liveGapMin[channel]! && symSet.has(sym)
      ) {
        foundGap({ channel, sym, from: prev + 1, to: time - 1, kind: "live" }, step);
      }
    }
    if (prev === undefined || time > prev) st.last = time;
    if (newestEventTime === null || time > newestEventTime) newestEventTime = time;
  }

  /** A hole found by a gap check: queued for a REST repair, or reported when there is no REST. */
  function foundGap(gap: Repair, step: number | undefined): void {
    gaps.push(gap);
    counts[gap.kind === "live" ? "gaps_live" : "gaps_reconnect"]!++;
    if (gap.kind === "live") {
      log.warn("stream.live_gap", {
        name: o.name,
        channel: gap.channel,
        sym: gap.sym,
        from: new Date(gap.from).toISOString(),
        to: new Date(gap.to).toISOString(),
      });
    }
    if (step !== undefined && o.rest) queue.push(gap);
    else {
      counts.gaps_unrepaired!++;
      extraAlerts.push({
        kind: "gap",
        message: `${gap.channel}.${gap.sym} missing ${new Date(gap.from).toISOString()}..${
          new Date(gap.to).toISOString()
        }`,
        since: new Date().toISOString(),
      });
    }
    kickRepairs();
  }

  function afterEvents(live: boolean, ok: number, bad: number): void {
    if (live && ok > 0) lastEventAt = Date.now();
    errors.add(Date.now(), ok, bad);
    if (buffered >= flushRows) void flush();
  }

  /**
   * One frame of socket text (live, or replayed from the spool): the scanner's fast path, the
   * reference path for what it leaves.
   */
  function ingestFrame(
    text: string,
    live: boolean,
    gapCheck: boolean,
    utf8?: Uint8Array,
  ): void {
    if (!scanner.scan(text, utf8)) {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        log.warn("stream.bad_frame", { name: o.name, bytes: text.length });
        errors.add(Date.now(), 0, 1);
        return;
      }
      ingest(Array.isArray(v) ? v : [v], "ws", live, gapCheck);
      return;
    }
    let ok = 0, bad = 0;
    const n = scanner.count;
    for (let k = 0; k < n; k++) {
      const ch = scanner.channel(k);
      if (ch === null) {
        // Status, other channels, or a schema failure: the reference path gives the reason.
        const r = ingestOne(JSON.parse(scanner.eventText(k)), "ws", gapCheck);
        if (r === 1) ok++;
        else if (r === -1) bad++;
        continue;
      }
      if (!chanSet.has(ch)) continue;
      const sym = scanner.symbol(k);
      const time = scanner.time(k);
      const q = scanner.seq(k);
      const st = keys.get(ch, sym);
      const dup = ch === "T" || ch === "Q" ? keys.seen(st, q, time) : keys.seen(st, time, q);
      if (dup) {
        counts.duplicates!++;
        continue;
      }
      scanner.push(batches[ch] ??= new ChannelBatch(ch), k, "ws");
      accepted(st, ch, sym, time, "ws", gapCheck);
      ok++;
    }
    afterEvents(live, ok, bad);
  }

  // ---- repairs -------------------------------------------------------------------------
  let repairing: Promise<void> | null = null;
  /** Set when the stop budget ran out: no repair starts or stores anything any more. */
  let halted = false;
  function kickRepairs(): void {
    if (repairing || queue.length === 0 || !o.rest || halted) return;
    repairing = (async () => {
      while (queue.length && !halted) {
        const r = queue[0]!;
        let done = false;
        for (let attempt = 0; attempt < 3 && !done && !halted; attempt++) {
          try {
            await repairOne(r);
            done = true;
          } catch (e) {
            if (halted) break;
            errors.add(Date.now(), 0, 1);
            log.warn("stream.repair_failed", {
              name: o.name,
              channel: r.channel,
              sym: r.sym,
              attempt,
              error: String((e as Error).message),
            });
            await new Promise((res) => setTimeout(res, 200 * 2 ** attempt));
          }
        }
        if (halted) break; // left in the queue: checkpointed as pending for the next run
        if (!done) {
          failedRepairs.push(r);
          counts.repairs_failed!++;
          counts.gaps_unrepaired!++;
          extraAlerts.push({
            kind: "gap",
            message: `repair failed for ${r.channel}.${r.sym} ${new Date(r.from).toISOString()}..${
              new Date(r.to).toISOString()
            }`,
            since: new Date().toISOString(),
          });
        }
        queue.shift();
      }
    })().finally(() => {
      repairing = null;
      if (queue.length && !halted) kickRepairs();
    });
  }

  async function repairOne(r: Repair): Promise<void> {
    const step = STEP[r.channel]!;
    const span = r.channel === "A" ? "second" : "minute";
    const now = Date.now();
    let rows = 0;
    for await (const page of o.rest!.aggs(r.sym, 1, span, r.from, r.to)) {
      if (halted) return; // the stop budget ran out while this page was on its way
      if (page.rejected.length) {
        counts.rejected! += page.rejected.length;
        errors.add(Date.now(), 0, page.rejected.length);
        log.warn("stream.repair_rows_rejected", {
          name: o.name,
          rows: page.rejected.length,
          reason: page.rejected[0]!.reason,
        });
      }
      const f = page.frame;
      const t = f.getColumn("t").toArray() as number[];
      const cols = ["o", "h", "l", "c", "v", "vw", "n"].map((c) =>
        f.getColumn(c).toArray() as (number | null)[]
      );
      const events: Record<string, unknown>[] = [];
      for (let i = 0; i < t.length; i++) {
        const s = t[i]!;
        // Only whole windows inside the gap whose window has ended (no forming bar).
        if (s < r.from || s > r.to || s + step > now) continue;
        const e: Record<string, unknown> = { ev: r.channel, sym: r.sym, s, e: s + step };
        ["o", "h", "l", "c", "v", "vw", "n"].forEach((c, j) => {
          const v = cols[j]![i];
          if (v !== null && v !== undefined) e[c] = v;
        });
        events.push(e);
      }
      if (events.length) {
        spool.append(JSON.stringify({ origin: "rest", events }));
        const before = counts.events!;
        ingest(events, "rest", false);
        counts.repaired_rows! += counts.events! - before;
        rows += events.length;
      }
    }
    counts.repairs!++;
    // The vendor has no bar in the hole: no trades then (a confirmed no-trade span).
    if (rows === 0) counts.repairs_empty!++;
  }

  // ---- flushes -------------------------------------------------------------------------
  let flushing: Promise<void> = Promise.resolve();
  /** A flush queued behind the running one and not started yet (it will take every row). */
  let queued: Promise<void> | null = null;
  let retry: ChannelBatch[] = [];
  /**
   * Flush everything buffered so far. At most one flush waits behind the running one: while a
   * write is in progress, every frame past `flushRows` would otherwise queue its own flush, and
   * the lake would get one tiny write per frame (each one a partition merge).
   */
  function flush(): Promise<void> {
    if (queued) return queued;
    const start = () => {
      queued = null;
      return doFlush();
    };
    queued = flushing = flushing.then(start, start);
    return queued;
  }
  async function doFlush(): Promise<void> {
    const upTo = spool.rotate();
    const todo = [...retry, ...Object.values(batches).filter((b) => b && b.length > 0)];
    batches = {};
    buffered = 0;
    retry = [];
    const quarantined = rejects;
    rejects = [];
    const lastOf: Record<string, number> = {};
    const needs: string[] = [];
    for (const st of keys.byKey.values()) {
      if (st.last !== undefined) lastOf[st.key] = st.last;
      if (st.needsGap) needs.push(st.key);
    }
    const snapshot: Checkpoint = {
      last: lastOf,
      pending: [...queue],
      needs,
      updated_at: new Date().toISOString(),
    };
    let failed = false;
    for (const b of todo) {
      try {
        const df = b.toFrame();
        const res = await writeDataset(streamRawSpec(o.feed, b.channel), df, {
          transformId: STREAM_TRANSFORM_ID,
          sourceUri,
          root: o.root,
        });
        counts.written_rows! += res.rowsWritten;
        latency.add(Date.now(), b.eventTimes());
        if (o.curate) await o.curate(b.channel, df);
      } catch (e) {
        failed = true;
        counts.write_errors!++;
        errors.add(Date.now(), 0, 1);
        retry.push(b);
        log.error("stream.write_failed", { name: o.name, error: String((e as Error).message) });
      }
    }
    if (quarantined.length) {
      try {
        await writeQuarantine(STREAM_SOURCE, quarantined, {
          transformId: STREAM_TRANSFORM_ID,
          sourceUri,
          root: o.root,
        });
      } catch (e) {
        // The events are still in the spool until the next successful flush; keep them here.
        failed = true;
        rejects = [...quarantined, ...rejects].slice(0, QUARANTINE_MAX);
        log.error("stream.quarantine_failed", {
          name: o.name,
          error: String((e as Error).message),
        });
      }
    }
    counts.flushes!++;
    if (failed) return; // keep the spool: the rows are still only there
    writeJsonAtomic(cpPath, snapshot);
    spool.release(upTo);
  }

  // ---- heartbeats and alerts -----------------------------------------------------------
  function alerts(now: number): Alert[] {
    const out: Alert[] = [...extraAlerts];
    const open = marketOpen(now);
    const ref = lastEventAt ?? Date.parse(startedAt);
    if (open && now - ref > stallMs && state !== "stopping") {
      out.push({
        kind: "stall",
        message: `no event for ${Math.round((now - ref) / 1000)} s during market hours`,
        since: new Date(ref + stallMs).toISOString(),
      });
    }
    const er = errors.rate(now);
    if (er.rate > (o.errorRateMax ?? 0.01)) {
      out.push({
        kind: "error_rate",
        message: `${(er.rate * 100).toFixed(2)}% errors (${er.bad} of ${er.ok + er.bad})`,
        since: new Date(now).toISOString(),
      });
    }
    const rss = rssMb();
    if (rss > (o.rssMaxMb ?? 2048)) {
      out.push({
        kind: "rss",
        message: `RSS ${rss.toFixed(0)} MiB above ${o.rssMaxMb ?? 2048} MiB`,
        since: new Date(now).toISOString(),
      });
    }
    return out;
  }

  function beat(): void {
    const now = Date.now();
    const al = alerts(now);
    alertKinds = al.map((a) => a.kind).sort().join(",");
    const hb: Heartbeat = {
      name: o.name,
      kind: "stream",
      pid: Deno.pid,
      state,
      started_at: startedAt,
      heartbeat_at: new Date(now).toISOString(),
      heartbeat_ms: heartbeatMs,
      stall_ms: stallMs,
      market_open: marketOpen(now),
      last_event_at: lastEventAt === null ? null : new Date(lastEventAt).toISOString(),
      last_event_time: newestEventTime === null ? null : new Date(newestEventTime).toISOString(),
      counts: {
        ...counts,
        frames: client?.frames ?? 0,
        watchdog_drops: client?.watchdogDrops ?? 0,
        sockets_abandoned: client?.abandoned ?? 0,
      },
      latency_ms: latency.summary(now),
      lag_ms: newestEventTime === null ? null : now - newestEventTime,
      error_rate: errors.rate(now).rate,
      rss_mb: rssMb(),
      alerts: al,
      detail: {
        feed: o.feed,
        symbols: o.symbols,
        channels,
        pending_repairs: queue.length,
        buffered_rows: buffered,
      },
    };
    try {
      writeHeartbeat(hb, o.root);
    } catch (e) {
      log.warn("stream.heartbeat_failed", { name: o.name, error: String((e as Error).message) });
    }
  }

  /** After a (re)connection: the first event of every aggregate key is checked for a gap. */
  function markReconnect(): void {
    for (const ch of channels) {
      if (STEP[ch] === undefined) continue;
      for (const s of o.symbols) if (s !== "*") keys.get(ch, s).needsGap = true;
    }
    for (const st of keys.byKey.values()) st.needsGap = true;
  }

  // ---- replay what a previous process left in the spool ----------------------------------
  for (const { text } of spool.pending()) {
    if (text === SPOOL_CONNECT_MARK) {
      markReconnect();
      continue;
    }
    counts.spool_replayed_frames!++;
    if (text.charCodeAt(0) === 91 /* [ */) {
      ingestFrame(text, false, true); // a socket frame
      continue;
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      continue;
    }
    if (v && typeof v === "object" && Array.isArray((v as { events?: unknown }).events)) {
      ingest((v as { events: unknown[] }).events, "rest", false);
    }
  }
  const hadSpool = counts.spool_replayed_frames! > 0;
  if (hadSpool) {
    log.info("stream.spool_replayed", { name: o.name, frames: counts.spool_replayed_frames });
  }
  await flush();
  kickRepairs(); // repairs a previous process left pending

  // ---- the live connection --------------------------------------------------------------
  const subs: string[] = [];
  for (const ch of channels) {
    for (const s of o.symbols) subs.push(`${ch}.${s}`);
  }
  const client = new PolygonStream({
    wsUrl: o.wsUrl,
    feed: o.feed,
    apiKey: o.apiKey,
    subscriptions: subs,
    backoffInitialMs: o.backoffInitialMs,
    backoffMaxMs: o.backoffMaxMs,
    silenceMs: o.silenceMs ?? 60_000,
    isLive: o.feedLive ?? marketOpen,
    closeTimeoutMs,
    onSilence: ({ silentMs }) => {
      log.warn("stream.watchdog_drop", { name: o.name, silent_ms: Math.round(silentMs) });
    },
    onFrame: (text) => {
      const utf8 = spool.append(text);
      ingestFrame(text, true, true, utf8);
    },
    onConnect: ({ attempt }) => {
      state = "live";
      if (attempt > 0) counts.reconnects!++;
      spool.append(SPOOL_CONNECT_MARK);
      markReconnect();
    },
    onDisconnect: ({ reason }) => {
      if (state === "live") state = "reconnecting";
      log.info("stream.disconnected", { name: o.name, reason });
    },
  });
  o.onClient?.(client);

  const timers: ReturnType<typeof setTimeout>[] = [];
  timers.push(setInterval(() => void flush(), flushMs));
  timers.push(setInterval(beat, heartbeatMs));
  timers.push(setInterval(() => {
    const kinds = alerts(Date.now()).map((a) => a.kind).sort().join(",");
    if (kinds !== alertKinds) beat();
  }, Math.max(50, Math.min(1000, stallMs / 4))));
  beat();

  const stopped = new Promise<void>((resolve) => {
    if (o.signal?.aborted) return resolve();
    o.signal?.addEventListener("abort", () => resolve(), { once: true });
    if (o.until) {
      const wait = o.until.getTime() - Date.now();
      timers.push(setTimeout(resolve, Math.max(0, wait)));
    }
  });
  const running = client.run();
  let fatal: unknown = null;
  await Promise.race([stopped, running.catch((e) => (fatal = e))]);
  // ---- the stop: bounded by stopTimeoutMs whatever the socket does ----------------------
  const stopT0 = performance.now();
  const stopDeadline = stopT0 + stopTimeoutMs;
  state = "stopping";
  client.stop();
  // run() ends within closeTimeoutMs (the socket is abandoned if the close is not answered);
  // the extra wait only covers timer slack.
  await raceTimeout(running.catch((e) => (fatal ??= e)), closeTimeoutMs + 1000);
  for (const t of timers) clearInterval(t);

  // Tail repair: bars after the last one seen up to the stop instant.
  if (o.tailRepair !== false && o.rest && !fatal) {
    const end = o.tailRepairTo ?? Math.min(Date.now(), o.until?.getTime() ?? Infinity);
    for (const ch of channels) {
      const step = STEP[ch];
      if (step === undefined) continue;
      for (const s of o.symbols) {
        if (s === "*") continue;
        const base = keys.get(ch, s).last ?? o.repairFrom;
        if (base !== undefined && end - base > step) {
          queue.push({ channel: ch, sym: s, from: base + 1, to: end, kind: "tail" });
          counts.gaps_tail!++;
        }
      }
    }
    kickRepairs();
  }
  // Repairs while the budget lasts, keeping a reserve for the last flush and checkpoint.
  const reserve = Math.min(3000, stopTimeoutMs * 0.3);
  while (repairing) {
    const left = stopDeadline - reserve - performance.now();
    if (left <= 0 || !(await raceTimeout(repairing, left))) {
      halted = true;
      counts.repairs_deferred = queue.length;
      log.warn("stream.repairs_deferred", {
        name: o.name,
        pending: queue.length,
        note: "checkpointed; the next run repairs them",
      });
      break;
    }
  }
  await flush();
  counts.stop_ms = Math.round(performance.now() - stopT0);
  counts.watchdog_drops = client.watchdogDrops;
  counts.sockets_abandoned = client.abandoned;
  spool.close();
  state = fatal ? "failed" : "stopped";
  beat();
  unregister();
  if (fatal) throw fatal;
  return { counts: { ...counts, frames: client.frames }, gaps, failedRepairs };
}

/** Resolves true when `p` settles within `ms`, false when the time runs out first. */
function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((res) => {
    id = setTimeout(() => res(false), Math.max(0, ms));
  });
  return Promise.race([p.then(() => true, () => true), timeout]).finally(() => clearTimeout(id));
}

/** Where a stream keeps its spool and checkpoint (for tests and tools). */
export function streamPaths(name: string, root?: string): { spool: string; checkpoint: string } {
  return {
    spool: opsPath(root, "spool", name),
    checkpoint: join(opsPath(root, "streams", name), "checkpoint.json"),
  };
}
