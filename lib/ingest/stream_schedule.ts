/**
 * Market-hours awareness for streams, from the exchange calendar (lib/time): a stream starts
 * `leadMinutes` before the open and stops `lagMinutes` after the close of the session, early
 * closes (13:00 ET) included; on a non-trading day there is no window.
 */
import { nextTradingDay, nyDate, sessionBounds } from "../time/mod.ts";
import { MS_PER_MINUTE } from "../core/constants.ts";

/** Options of {@link streamWindow}. */
export interface StreamWindowOptions {
  /** Minutes before the open to connect. @default 15 */
  leadMinutes?: number;
  /** Minutes after the close to keep collecting (late prints, closing auction bars). @default 15 */
  lagMinutes?: number;
}

/** Start and stop instants of the stream for a session date, or null on a non-trading day. */
export function streamWindow(
  date: string,
  options: StreamWindowOptions = {},
): { start: Date; stop: Date; open: Date; close: Date } | null {
  const b = sessionBounds(date);
  if (!b) return null;
  return {
    open: b.open,
    close: b.close,
    start: new Date(b.open.getTime() - (options.leadMinutes ?? 15) * MS_PER_MINUTE),
    stop: new Date(b.close.getTime() + (options.lagMinutes ?? 15) * MS_PER_MINUTE),
  };
}

/** Whether the regular session is open at an instant (epoch ms). */
export function isMarketOpen(ms: number): boolean {
  const b = sessionBounds(nyDate(ms));
  return b !== null && ms >= b.open.getTime() && ms < b.close.getTime();
}

/**
 * The window of the session the stream should run for at `nowMs`: today's if its stop is still
 * ahead, else the next trading day's.
 */
export function nextStreamWindow(
  nowMs: number,
  options: StreamWindowOptions = {},
): { date: string; start: Date; stop: Date; open: Date; close: Date } {
  let date = nyDate(nowMs);
  for (let i = 0; i < 10; i++) {
    const w = streamWindow(date, options);
    if (w && w.stop.getTime() > nowMs) return { date, ...w };
    date = nextTradingDay(date);
  }
  throw new RangeError(
    `No trading session found within 10 days of ${new Date(nowMs).toISOString()}`,
  );
}
