/**
 * Missing sessions or periods between the bars of a backtest panel, on the dataset's declared
 * clock: the same clock ({@link sessionClock}) the training export counts its
 * `missing_sessions` with. A per-bar return across such a gap spans more than one period: pass
 * `count` as lib/report `summarizeBacktest`'s `gaps` option and vol, Sharpe, Sortino and turnover
 * are annualised over the bars observed per year, P * n / (n + count) (lib/core
 * `observedPeriodsPerYear`), not one period per bar; the backtest task prints the count and that
 * factor, and lib/backtest `runSpec` annualises the gate's and the in-sample Sharpe with the
 * count of each segment. Lives here (below lib/backtest and lib/report, which both use it; lib/report
 * re-exports it).
 *
 * Clock: `week`/`month`/`quarter`/`year` data: the periods (any calendar); daily and intraday
 * data on a calendar other than `none`: the calendar's sessions (intraday bars count by their
 * session: the backtest judges them on session returns, and a session without a bar is
 * missing); daily and intraday data on `none`: every UTC calendar day (`none`'s 365 periods a
 * year presume one: a weekday-only series on `none` has ~104 missing days a year, and its
 * observed periods per year, P * n / (n + G), are the ~261 it has). Unlike the training export's
 * {@link sessionClock}, which has no clock on `none` (features need not know whether weekends
 * are data), annualisation needs one: `none`'s P is every day.
 *
 * @example
 * ```ts
 * import { panelGaps } from "./data_gaps.ts";
 * const day = 86_400_000, mon = Date.UTC(2024, 0, 1);
 * panelGaps({ tsMs: Float64Array.from([mon, mon + 14 * day]), calendar: "none", frequency: "week" });
 * // { clock: "periods", count: 1, examples: ["2024-01-08"] }
 * ```
 */
import { clockKind, type MissingBetween, sessionClock } from "./session_clock.ts";
import { getCalendar } from "../time/mod.ts";

/** What {@link panelGaps} found. */
export interface PanelGaps {
  /** `sessions`, `periods` or `days` (calendar `none`): what `count` counts. */
  clock: "sessions" | "periods" | "days";
  /** Sessions or periods strictly between consecutive bars that have no bar. */
  count: number;
  /** The first few of them (YYYY-MM-DD; a period by its first day). */
  examples: string[];
}

/** Missing sessions or periods between a panel's bars (module doc); null without a clock. */
export function panelGaps(
  panel: {
    /** Bar instants (ms since epoch, ascending). */
    tsMs: ArrayLike<number>;
    /** Trading calendar. @default "nyse" (lib/backtest `BarPanel`'s default) */
    calendar?: string;
    /** Bar frequency. @default "day" */
    frequency?: string;
  },
  options: {
    /** How many examples to keep. @default 5 */
    examples?: number;
  } = {},
): PanelGaps | null {
  const meta = { calendar: panel.calendar ?? "nyse", frequency: panel.frequency ?? "day" };
  const kind = clockKind(meta);
  let clock: PanelGaps["clock"];
  let between: MissingBetween | null;
  if (kind === "periods") {
    clock = "periods";
    between = sessionClock(meta);
  } else if (meta.calendar === "none") {
    clock = "days";
    between = daysBetween;
  } else {
    // daily bars, or intraday bars by their session
    clock = "sessions";
    between = sessionClock({ calendar: meta.calendar, frequency: "session" });
  }
  if (between === null) return null;
  const cal = clock === "sessions" ? getCalendar(meta.calendar) : null;
  // a bar's date: its session date on a session clock (an FX session opens the evening before),
  // its UTC date for periods (ingest stamps a period's first day at 00:00 UTC)
  const dateOf = (ms: number) => cal?.sessionDateOf(ms) ?? new Date(ms).toISOString().slice(0, 10);
  const keep = options.examples ?? 5;
  const out: PanelGaps = { clock, count: 0, examples: [] };
  let prev: string | null = null;
  for (let i = 0; i < panel.tsMs.length; i++) {
    const d = dateOf(panel.tsMs[i]!);
    if (prev !== null && d > prev) {
      const miss = between(prev, d);
      out.count += miss.length;
      for (const m of miss) if (out.examples.length < keep) out.examples.push(m);
    }
    prev = d;
  }
  return out;
}

/** UTC calendar days strictly between two ISO dates (calendar `none`'s clock). */
function daysBetween(d1: string, d2: string): string[] {
  const out: string[] = [];
  const end = Date.parse(d2 + "T00:00:00Z");
  for (let t = Date.parse(d1 + "T00:00:00Z") + 86_400_000; t < end; t += 86_400_000) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}
