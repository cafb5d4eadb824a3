/**
 * Private: the Polygon-style WebSocket (paths /stocks, /options, /indices). After `auth` and
 * `subscribe`, the server replays one simulated session (`ws.date`, default the last) for the
 * subscribed channels at `ws.speed` (1 = real time, 10 = ten times faster, 0 = as fast as
 * possible), in frames that are JSON arrays of events grouped by second. Supported channels:
 * A.<sym> (second aggregates, SPY), AM.<sym> (minute aggregates: SPY, equities, O: contracts,
 * I:VIX), V.I:VIX (index value per minute), T.SPY and Q.SPY (trades and quotes of the first
 * `ws.tickSeconds` seconds of the session, default 120), T.O:... and Q.O:... (option trades and
 * NBBO quotes of the whole session, consistent with the contract's minute aggregates), AM.* (SPY
 * and every equity).
 */
import type { World } from "./world.ts";
import type { FaultScheduler } from "./faults.ts";
import type { Bars } from "./bars.ts";
import { stepTrades } from "./_intraday.ts";

export interface WsOptions {
  /** Session to replay. @default the world's last session */
  date?: string;
  /** Replay speed: 1 real time, 10 ten times faster, 0 as fast as possible. @default 0 */
  speed?: number;
  /** Seconds of T/Q ticks replayed from the open. @default 120 */
  tickSeconds?: number;
  /**
   * Replay these prepared events (e.g. a lake day from `lakeReplayEvents`) instead of the
   * simulated world; subscriptions select by `ev.sym` (or `T`) and support `AM.*`.
   */
  replay?: { date: string; events: WsEvent[] };
}

/** One event and the epoch-ms instant at which it is emitted. */
export interface WsEvent {
  at: number;
  ev: Record<string, unknown>;
}

interface Ctx {
  world: World;
  faults: FaultScheduler;
  keys?: string[];
  ws: WsOptions;
  nextSeq: () => number;
  signal: AbortSignal;
}

type Ev = WsEvent;

function aggEvents(ev: "A" | "AM", sym: string, b: Bars, stepMs: number, index: boolean): Ev[] {
  const out: Ev[] = [];
  let av = 0, pv = 0;
  const op = b.o[0]!;
  for (let k = 0; k < b.length; k++) {
    av += b.v[k]!;
    pv += b.vw[k]! * b.v[k]!;
    const e: Record<string, unknown> = { ev, sym };
    if (!index) {
      e.v = b.v[k];
      e.av = av;
    }
    e.op = op;
    if (!index) e.vw = Math.round(b.vw[k]! * 1e4) / 1e4;
    e.o = b.o[k];
    e.c = b.c[k];
    e.h = b.h[k];
    e.l = b.l[k];
    if (!index) {
      e.a = Math.round(pv / av * 1e4) / 1e4;
      e.z = Math.round(b.v[k]! / Math.max(1, b.n[k]!));
    }
    e.s = b.t[k];
    e.e = b.t[k]! + stepMs;
    out.push({ at: b.t[k]! + stepMs, ev: e });
  }
  return out;
}

function eventsFor(c: Ctx, channel: string, date: string): Ev[] {
  const w = c.world;
  const dot = channel.indexOf(".");
  const kind = channel.slice(0, dot), sym = channel.slice(dot + 1);
  if (c.ws.replay) {
    return c.ws.replay.events.filter((x) =>
      x.ev.ev === kind && (sym === "*" || (x.ev.sym ?? x.ev.T) === sym)
    );
  }
  if (sym === "*" && kind === "AM") {
    return ["SPY", ...w.equityInfo.map((x) => x.ticker)].flatMap((s) =>
      eventsFor(c, `AM.${s}`, date)
    );
  }
  if (kind === "A" && sym === "SPY") {
    return aggEvents("A", sym, w.spySecondBars(date)!, 1000, false);
  }
  if (kind === "AM") {
    if (sym.startsWith("I:")) {
      const m = w.indexMinuteBars(sym, date);
      return m ? aggEvents("AM", sym, m, 60_000, true) : [];
    }
    if (sym.startsWith("O:")) {
      const ct = w.options.contract(sym);
      return ct ? aggEvents("AM", sym, w.options.minuteAggs(ct, date), 60_000, false) : [];
    }
    const m = w.equityMinuteBars(sym, date);
    return m ? aggEvents("AM", sym, m, 60_000, false) : [];
  }
  if (kind === "V" && sym.startsWith("I:")) {
    const m = w.indexMinuteBars(sym, date);
    if (!m) return [];
    const out: Ev[] = [];
    for (let k = 0; k < m.length; k++) {
      out.push({ at: m.t[k]! + 60_000, ev: { ev: "V", val: m.c[k], T: sym, t: m.t[k]! + 59_999 } });
    }
    return out;
  }
  if ((kind === "T" || kind === "Q") && sym.startsWith("O:")) {
    const ct = w.options.contract(sym);
    if (!ct) return [];
    const ticks = w.options.ticks(ct, date);
    const ms = (ns: bigint) => Number(ns / 1_000_000n);
    if (kind === "T") {
      return ticks.trades.map((t, i) => ({
        at: ms(t.sipNs),
        ev: {
          ev: "T",
          sym,
          x: 300 + (i % 17),
          p: t.price,
          s: t.size,
          c: [209],
          t: ms(t.sipNs),
          q: i + 1,
        },
      }));
    }
    return ticks.quotes.map((x) => ({
      at: ms(x.sipNs),
      ev: {
        ev: "Q",
        sym,
        bx: 300 + ((x.seq * 7) % 17),
        ax: 300 + (x.seq % 17),
        bp: x.bid,
        ap: x.ask,
        bs: x.bidSize,
        as: x.askSize,
        t: ms(x.sipNs),
        q: x.seq,
      },
    }));
  }
  if ((kind === "T" || kind === "Q") && sym === "SPY") {
    const s = w.spySecondBars(date)!;
    const out: Ev[] = [];
    let q = 0;
    for (let k = 0; k < Math.min(s.length, c.ws.tickSeconds ?? 120); k++) {
      const { prices, sizes } = stepTrades(s.o[k]!, s.h[k]!, s.l[k]!, s.c[k]!, s.v[k]!, s.n[k]!);
      prices.forEach((p, i) => {
        const t = s.t[k]! + Math.floor((i + 0.5) * 1000 / prices.length);
        q++;
        if (kind === "T") {
          out.push({
            at: t,
            ev: { ev: "T", sym, x: 12, i: String(q), z: 2, p, s: sizes[i], t, q },
          });
        } else {out.push({
            at: t,
            ev: {
              ev: "Q",
              sym,
              bx: 12,
              bp: Math.round((p - 0.01) * 100) / 100,
              bs: 3,
              ax: 11,
              ap: p,
              as: 2,
              c: 1,
              t,
              q,
              z: 2,
            },
          });}
      });
    }
    return out;
  }
  return [];
}

export function handleWebSocket(req: Request, _url: URL, c: Ctx): Response {
  const { socket, response } = Deno.upgradeWebSocket(req);
  let authed = false;
  const subs = new Set<string>();
  /** Channels whose events are not yet merged into the stream (subscribed after it started). */
  const added = new Set<string>();
  let changed = false;
  let streaming = false;
  let closed = false;
  const send = (x: unknown) => {
    if (!closed && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(x));
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const id = setTimeout(done, ms);
      function done() {
        clearTimeout(id);
        c.signal.removeEventListener("abort", done);
        resolve();
      }
      c.signal.addEventListener("abort", done, { once: true });
    });
  socket.onopen = () =>
    send([{ ev: "status", status: "connected", message: "Connected Successfully" }]);
  socket.onclose = () => {
    closed = true;
  };
  c.signal.addEventListener("abort", () => {
    closed = true;
    try {
      socket.close();
    } catch { /* already closed */ }
  }, { once: true });
  socket.onmessage = (e) => {
    let msg: { action?: string; params?: string };
    try {
      msg = JSON.parse(String(e.data));
    } catch {
      return send([{ ev: "status", status: "error", message: "Invalid JSON" }]);
    }
    if (msg.action === "auth") {
      const ok = !!msg.params && (!c.keys || c.keys.includes(msg.params));
      authed = ok;
      send([{
        ev: "status",
        status: ok ? "auth_success" : "auth_failed",
        message: ok ? "authenticated" : "authentication failed",
      }]);
      return;
    }
    if (!authed) return send([{ ev: "status", status: "error", message: "not authorized" }]);
    if (msg.action === "subscribe" || msg.action === "unsubscribe") {
      const list = String(msg.params ?? "").split(",").map((s) => s.trim()).filter(Boolean);
      for (const ch of list) {
        if (msg.action === "subscribe") {
          if (!subs.has(ch)) added.add(ch);
          subs.add(ch);
        } else {
          subs.delete(ch);
          added.delete(ch);
        }
        changed = true;
        send([{ ev: "status", status: "success", message: `${msg.action}d to: ${ch}` }]);
      }
      if (msg.action === "subscribe" && !streaming) {
        streaming = true;
        queueMicrotask(() => void stream());
      }
    }
  };
  const stream = async () => {
    const w = c.world;
    const date = c.ws.replay?.date ?? c.ws.date ?? w.today;
    const speed = c.ws.speed ?? 0;
    // Let further subscribe messages of the same burst arrive first.
    await sleep(20);
    type Tagged = Ev & { ch: string };
    let pending: Tagged[] = [];
    const seen = new Set<string>();
    /** Merge the events of newly subscribed channels (from `fromAt` on) and drop unsubscribed ones. */
    const refresh = (fromAt: number) => {
      pending = pending.filter((x) => subs.has(x.ch));
      for (const ch of added) {
        for (const x of eventsFor(c, ch, date)) {
          if (x.at < fromAt) continue;
          const e = x.ev;
          const key = `${e.ev}|${e.sym ?? e.T}|${e.s ?? e.t}|${e.q ?? ""}`;
          if (seen.has(key)) continue;
          seen.add(key);
          pending.push({ ...x, ch });
        }
      }
      added.clear();
      changed = false;
      pending.sort((a, b) => a.at - b.at);
    };
    refresh(-Infinity);
    const t0 = pending[0]?.at ?? 0;
    const wall0 = Date.now();
    let i = 0;
    let frames = 0;
    while (!closed) {
      if (changed) {
        pending = pending.slice(i);
        i = 0;
        refresh(pending[0]?.at ?? 0);
      }
      if (i >= pending.length) break;
      const sec = Math.floor(pending[i]!.at / 1000);
      if (speed > 0) {
        const due = wall0 + (sec * 1000 - t0) / speed;
        while (!closed && Date.now() < due) await sleep(Math.min(due - Date.now(), 1000));
        if (closed) break;
        if (changed) continue;
      } else if (++frames % 20 === 0) await sleep(0);
      const frame: Record<string, unknown>[] = [];
      while (
        i < pending.length && Math.floor(pending[i]!.at / 1000) === sec && frame.length < 5000
      ) {
        frame.push(pending[i++]!.ev);
      }
      const n = c.nextSeq();
      const rule = c.faults.next("ws", (k) => k.startsWith("ws"));
      const record = (detail: string) =>
        c.faults.record({
          requestSeq: n,
          route: "ws",
          kind: rule!.kind,
          path: `ws:${date}`,
          detail,
        });
      if (rule?.kind === "wsDisconnect") {
        record(`closed before frame at ${sec}`);
        closed = true;
        socket.close(1011, "simulated disconnect");
        return;
      }
      if (rule?.kind === "wsDuplicate" && frame.length) {
        frame.push(frame[0]!);
        record(`first event repeated at ${sec}`);
      }
      if (rule?.kind === "wsOutOfOrder" && frame.length >= 2) {
        const x = frame[0]!;
        frame[0] = frame[frame.length - 1]!;
        frame[frame.length - 1] = x;
        record(`first and last events swapped at ${sec}`);
      }
      send(frame);
    }
    streaming = false;
  };
  return response;
}
