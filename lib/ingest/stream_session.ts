/**
 * Session events for rehearsals, tests and benchmarks: a seeded random walk per ticker turned
 * into Polygon WebSocket aggregate events, second bars (`A`) and the minute bars (`AM`) that
 * aggregate them exactly (o = first o, c = last c, h = max, l = min, v = sum, vw = sum(vw*v)/v),
 * over the regular session of a date from the exchange calendar (early closes included); or
 * the aggregate events of a lake day, read back from the stream's raw datasets.
 */
import { Rng } from "../core/random.ts";
import { readDataset } from "../lake/mod.ts";
import { sessionBounds } from "../time/mod.ts";
import { type Feed, streamRawSpec } from "./stream_events.ts";

/** Options of {@link syntheticSessionEvents}. */
export interface SyntheticSessionOptions {
  tickers: string[];
  /** @default 1 */
  seed?: number;
  /** Emit second bars. @default true */
  secondBars?: boolean;
  /** Emit minute bars. @default true */
  minuteBars?: boolean;
  /** Starting price. @default 500 */
  price?: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * A/AM events of one session. They carry `n` (trade count), which Polygon's WebSocket
 * aggregates omit but its REST aggregates (served from these events for gap repair) include.
 * Sorted by window start (minute bars right after their last second).
 */
export function syntheticSessionEvents(
  date: string,
  options: SyntheticSessionOptions,
): Record<string, unknown>[] {
  const b = sessionBounds(date);
  if (!b) throw new RangeError(`Cannot simulate ${date}: not a trading day`);
  const rng = new Rng(options.seed ?? 1);
  const open = b.open.getTime();
  const seconds = (b.close.getTime() - open) / 1000;
  const out: Record<string, unknown>[] = [];
  const px = new Map(options.tickers.map((t) => [t, options.price ?? 500]));
  const minute = new Map<
    string,
    { o: number; h: number; l: number; c: number; v: number; n: number; pv: number }
  >();
  for (let i = 0; i < seconds; i++) {
    const s = open + i * 1000;
    for (const t of options.tickers) {
      const p0 = px.get(t)!;
      const o = p0;
      const c = round2(p0 * (1 + 0.0002 * rng.normal()));
      const h = round2(Math.max(o, c) + Math.abs(rng.normal()) * 0.02);
      const l = round2(Math.min(o, c) - Math.abs(rng.normal()) * 0.02);
      const v = 100 * (1 + rng.int(0, 50));
      const vw = Math.round(((o + c + h + l) / 4) * 10_000) / 10_000;
      const n = v / 100; // trades in the window
      px.set(t, c);
      if (options.secondBars ?? true) {
        out.push({
          ev: "A",
          sym: t,
          v,
          av: 0,
          op: 0,
          vw,
          o,
          c,
          h,
          l,
          a: vw,
          z: 100,
          n,
          s,
          e: s + 1000,
        });
      }
      const m = minute.get(t);
      if (!m || i % 60 === 0) minute.set(t, { o, h, l, c, v, n, pv: vw * v });
      else {
        m.h = Math.max(m.h, h);
        m.l = Math.min(m.l, l);
        m.c = c;
        m.v += v;
        m.n += n;
        m.pv += vw * v;
      }
      if ((options.minuteBars ?? true) && i % 60 === 59) {
        const mm = minute.get(t)!;
        const ms = s - 59_000;
        out.push({
          ev: "AM",
          sym: t,
          v: mm.v,
          n: mm.n,
          vw: Math.round((mm.pv / mm.v) * 10_000) / 10_000,
          o: mm.o,
          c: mm.c,
          h: mm.h,
          l: mm.l,
          s: ms,
          e: ms + 60_000,
        });
      }
    }
  }
  return out;
}

/**
 * Aggregate events of a lake day from the stream's raw datasets (`<feed>_a`, `<feed>_am`), in
 * event order, for replaying a recorded day. Empty when the lake holds nothing for the date.
 */
export async function lakeDayEvents(
  feed: Feed,
  date: string,
  options: { root?: string; tickers?: string[] } = {},
): Promise<Record<string, unknown>[]> {
  const b = sessionBounds(date);
  const start = new Date(b ? b.open.getTime() - 6 * 3_600_000 : Date.parse(`${date}T00:00:00Z`));
  const end = new Date(start.getTime() + 24 * 3_600_000);
  const out: Record<string, unknown>[] = [];
  for (const ch of ["A", "AM"] as const) {
    const df = await readDataset(streamRawSpec(feed, ch), { start, end, root: options.root });
    if (df.height === 0) continue;
    const cols = Object.fromEntries(
      ["ticker", "t", "e", "o", "h", "l", "c", "v", "vw", "n"].map((c) => [
        c,
        df.getColumn(c).toArray() as (number | string | null)[],
      ]),
    );
    for (let i = 0; i < df.height; i++) {
      const sym = cols.ticker![i] as string;
      if (options.tickers && !options.tickers.includes(sym)) continue;
      const e: Record<string, unknown> = { ev: ch, sym, s: cols.t![i], e: cols.e![i] };
      for (const k of ["o", "h", "l", "c", "v", "vw", "n"]) {
        if (cols[k]![i] !== null) e[k] = cols[k]![i];
      }
      out.push(e);
    }
  }
  // Minute bars follow their last second bar, as on the live feed.
  const key = (e: Record<string, unknown>) => e.ev === "AM" ? (e.e as number) - 1 : (e.s as number);
  return out.sort((a, b) => key(a) - key(b));
}
