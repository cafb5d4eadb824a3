/**
 * Private: a Monday-Friday exchange calendar built from yearly holiday and early-close rules,
 * with fixed local session hours in one IANA time zone (used by `lse` and `xetra`).
 *
 * On first use the sessions of 1925-2101 are laid out once in sorted arrays with a dense
 * per-calendar-day index (as for NYSE in calendar.ts), so every look-up is O(1).
 */
import {
  type DateInput,
  dayNumber,
  FIRST_SUPPORTED_DATE,
  FIRST_SUPPORTED_DAY,
  instantMs,
  isoOf,
  LAST_SUPPORTED_DATE,
  LAST_SUPPORTED_DAY,
  parseDay,
  TABLE_FIRST_YEAR,
  TABLE_LAST_YEAR,
  weekdayOf,
} from "./_date.ts";
import { ZoneClock } from "./_zone.ts";

/** Rules of one exchange (see lse.ts, xetra.ts). */
export interface ExchangeRules {
  timeZone: string;
  /** Regular session [open, close] in minutes of the local day. */
  hours: readonly [number, number];
  /** Full-day holidays of a year on weekdays, day number -> name. */
  holidays(year: number): Map<number, string>;
  /** Early closes of a year, [day number, close minute]; ignored on non-session days. */
  earlyCloses(year: number): [number, number][];
}

/** The built calendar of one exchange; all look-ups O(1). */
export interface RuleCalendar {
  isSession(date: DateInput): boolean;
  holidayName(date: DateInput): string | null;
  isEarlyClose(date: DateInput): boolean;
  sessionBounds(date: DateInput): { open: Date; close: Date } | null;
  sessionDateOf(instant: Date | number): string | null;
  sessions(start: DateInput, end: DateInput): string[];
}

interface Table {
  firstDay: number;
  days: Int32Array;
  earlyByDay: Map<number, number>;
  nextIndex: Int32Array;
  isSession: Uint8Array;
  openMs: Float64Array;
  closeMs: Float64Array;
  early: Set<number>;
  names: Map<number, string>;
}

/** A lazily built calendar from exchange rules (module doc). */
export function ruleCalendar(rules: ExchangeRules): RuleCalendar {
  const clock = new ZoneClock(rules.timeZone);
  let table: Table | null = null;
  const get = (): Table => {
    if (table !== null) return table;
    const firstDay = dayNumber(TABLE_FIRST_YEAR, 1, 1);
    const lastDay = dayNumber(TABLE_LAST_YEAR, 12, 31);
    const names = new Map<number, string>();
    const earlyByDay = new Map<number, number>();
    for (let y = TABLE_FIRST_YEAR; y <= TABLE_LAST_YEAR; y++) {
      for (const [d, name] of rules.holidays(y)) names.set(d, name);
      for (const [d, m] of rules.earlyCloses(y)) earlyByDay.set(d, m);
    }
    const n = lastDay - firstDay + 1;
    const isSession = new Uint8Array(n);
    const days: number[] = [];
    for (let d = firstDay; d <= lastDay; d++) {
      const wd = weekdayOf(d);
      if (wd !== 0 && wd !== 6 && !names.has(d)) {
        isSession[d - firstDay] = 1;
        days.push(d);
      }
    }
    const nextIndex = new Int32Array(n + 1);
    let k = days.length;
    nextIndex[n] = k;
    for (let i = n - 1; i >= 0; i--) {
      if (isSession[i] === 1) k--;
      nextIndex[i] = k;
    }
    const early = new Set<number>();
    for (const [d, e] of earlyByDay) {
      if (isSession[d - firstDay] === 1 && e < rules.hours[1]) early.add(d);
    }
    table = {
      firstDay,
      days: Int32Array.from(days),
      earlyByDay,
      nextIndex,
      isSession,
      openMs: new Float64Array(days.length).fill(NaN),
      closeMs: new Float64Array(days.length).fill(NaN),
      early,
      names,
    };
    return table;
  };
  /** Fills session i's open/close instants on first use. */
  const ensureBounds = (t: Table, i: number) => {
    if (t.openMs[i] === t.openMs[i]) return;
    const d = t.days[i]!;
    const e = t.early.has(d) ? t.earlyByDay.get(d)! : rules.hours[1];
    t.openMs[i] = clock.wallToMs(d, rules.hours[0]);
    t.closeMs[i] = clock.wallToMs(d, e);
  };
  const indexOf = (t: Table, d: number) =>
    t.isSession[d - t.firstDay] === 1 ? t.nextIndex[d - t.firstDay]! : -1;
  return {
    isSession: (date) => {
      const t = get();
      return t.isSession[parseDay(date) - t.firstDay] === 1;
    },
    holidayName: (date) => get().names.get(parseDay(date)) ?? null,
    isEarlyClose: (date) => get().early.has(parseDay(date)),
    sessionBounds(date) {
      const t = get();
      const i = indexOf(t, parseDay(date));
      if (i < 0) return null;
      ensureBounds(t, i);
      return { open: new Date(t.openMs[i]!), close: new Date(t.closeMs[i]!) };
    },
    sessionDateOf(instant) {
      const ms = instantMs(instant);
      const t = get();
      const d = clock.dayNumber(ms);
      if (d < FIRST_SUPPORTED_DAY || d > LAST_SUPPORTED_DAY) {
        throw new RangeError(
          `Instant ${new Date(ms).toISOString()} is outside the supported calendar range ` +
            `${FIRST_SUPPORTED_DATE}..${LAST_SUPPORTED_DATE}`,
        );
      }
      const i = indexOf(t, d);
      if (i < 0) return null;
      ensureBounds(t, i);
      return ms >= t.openMs[i]! && ms < t.closeMs[i]! ? isoOf(d) : null;
    },
    sessions(start, end) {
      const t = get();
      const a = parseDay(start, "start date");
      const b = parseDay(end, "end date");
      if (a > b) return [];
      const from = t.nextIndex[a - t.firstDay]!, to = t.nextIndex[b + 1 - t.firstDay]!;
      const out = new Array<string>(Math.max(0, to - from));
      for (let i = from; i < to; i++) out[i - from] = isoOf(t.days[i]!);
      return out;
    },
  };
}
