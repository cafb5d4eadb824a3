/**
 * A backtest panel from a dataset reference into the lake (lib/dataset): the bars as a
 * {@link BarPanel} with the dataset's calendar, currency, frequency and annualisation attached,
 * the engine's corporate actions, and the manifest string that pins exactly the files read.
 *
 * - Sessions: intraday bars (time column `ts`, an interval frequency such as `30m`) get their
 *   session index from the dataset's calendar (`getCalendar(meta.calendar).sessionDateOf`), not
 *   from a hard-wired NYSE.
 * - Close-only data (FX closes, index levels; or a value series, whose `value` is the close):
 *   opens stay NaN; the event engine fills market-on-open orders at the bar's close and counts
 *   them (`result.orders.closeFillsForMissingOpen`). Nothing is invented.
 * - Units (lib/lake/units.ts): a dataset whose values are not a price or index level (a yield
 *   in percent, a count, returns) is refused with a `NotAPriceError`, and so is one of unknown
 *   units without a currency (a series ingested with --currency none and no --units); unknown
 *   units with a currency give a warning that the values are taken as prices. A bar with a
 *   price <= 0 (logs, returns taken as prices) is refused with a `NotAPriceError` naming what to
 *   re-ingest with (the backtest exits 2).
 * - Volume: null volume stays NaN (unknown); cost models that need volume refuse such a panel.
 * - Corporate actions by adjustment mode of the reference: `raw` prices get splits and
 *   dividends applied by the engine (positions scale, cash dividends paid); `split` prices
 *   already hold the splits, so only dividends are paid, per split-adjusted share (amount /
 *   product of the ratios of the splits read on or after the ex-date, up to the last bar: those
 *   loadDataset applied); `total_return` prices hold both,
 *   so none are applied (applying them again would count them twice).
 */

import { DataError } from "../core/mod.ts";
import { MS_PER_DAY } from "../core/constants.ts";
import {
  type DatasetRef,
  isDateFrequency,
  loadDataset,
  type LoadedDataset,
} from "../dataset/mod.ts";
import { getCalendar } from "../time/mod.ts";
import { NotAPriceError, requirePriceUnits, resolveUnits, unitsLabel } from "../lake/units.ts";
import type { CorporateAction } from "./engine.ts";
import { panelFromFrame } from "./frame_panel.ts";
import { type BarPanel, NON_POSITIVE_PRICE } from "./panel.ts";

/** A panel read from the lake, with what the engine and the report need to know about it. */
export interface LakePanel {
  panel: BarPanel;
  corporateActions: CorporateAction[];
  /** Identifier of exactly the data read (dataset, filters, hash of the files). */
  manifest: string;
  /** Lake files read (relative to the lake root) with their sha256. */
  files: { path: string; sha256: string }[];
  /** Display name of the dataset, e.g. "curated/user/msft_daily". */
  dataset: string;
  /** Warnings about the data (unknown units: values taken as prices). */
  warnings: string[];
}

/** Whether a dataset's bars are intraday (several per session): a `ts` time column and a frequency that is not daily or slower. */
export function isIntradayFrequency(frequency: string, timeColumn: string): boolean {
  return timeColumn !== "date" && !isDateFrequency(frequency);
}

/**
 * Turn a loaded dataset into a panel (module doc).
 *
 * @example
 * ```ts ignore
 * const { panel } = panelFromDataset(await loadDataset("user/ttrc_daily"));
 * panel.periodsPerYear; // 252 on the nyse calendar
 * ```
 */
export function panelFromDataset(ds: LoadedDataset): LakePanel {
  // A backtest trades prices: a yield, rate, ratio or count is refused (NotAPriceError).
  const unitsWarning = requirePriceUnits(
    ds.ref.dataset,
    ds.meta,
    "a backtest trades prices",
    "backtest a price or index dataset (e.g. a bond price or total-return index), or, if these values are prices, re-ingest with --units price --replace",
  );
  if (ds.frame.height === 0) {
    throw new DataError(
      `Cannot build a panel from ${ds.name}: no rows for the reference (symbols, start, end, asOf)`,
      { dataset: ds.name },
    );
  }
  const cal = getCalendar(ds.meta.calendar);
  const intraday = isIntradayFrequency(ds.meta.frequency, ds.timeColumn);
  let panel: BarPanel;
  try {
    panel = panelFromFrame(ds.frame, { timeColumn: ds.timeColumn, intraday, calendar: cal.name });
  } catch (e) {
    // A price <= 0 in the dataset is a problem of the data as declared (returns, logs or yields
    // taken as prices), not a failure of the run: refused like other units (exit 2).
    if (e instanceof DataError && e.message.includes(NON_POSITIVE_PRICE)) {
      throw new NotAPriceError(
        `${ds.ref.dataset} (units ${unitsLabel(ds.meta)}): ${e.message}`,
        ds.ref.dataset,
        resolveUnits(ds.meta).units,
      );
    }
    throw e;
  }
  panel.calendar = cal.name;
  panel.currency = ds.meta.currency;
  panel.frequency = ds.meta.frequency;
  panel.periodsPerYear = ds.periodsPerYear;
  panel.sessionsPerYear = intraday ? cal.sessionsPerYear : ds.periodsPerYear;
  return {
    panel,
    corporateActions: engineActions(panel, ds.corporateActions, ds.ref.adjust ?? "raw", cal),
    manifest: ds.manifest,
    files: ds.files,
    dataset: ds.name,
    warnings: unitsWarning ? [unitsWarning] : [],
  };
}

/**
 * Read a dataset reference and build its panel ({@link panelFromDataset}).
 *
 * @example
 * ```ts ignore
 * const lp = await loadPanel({ source: "lake", dataset: "user/ttrc_daily", adjust: "raw" });
 * ```
 */
export async function loadPanel(
  ref: DatasetRef | string,
  o: { root?: string } = {},
): Promise<LakePanel> {
  return panelFromDataset(await loadDataset(ref, o.root ? { root: o.root } : {}));
}

/** Session date (ISO) of each bar of a panel on its calendar. */
function barDates(panel: BarPanel, cal: ReturnType<typeof getCalendar>): string[] {
  // The UTC date of a stamp, formatted once per UTC day (a minute panel has ~390 bars a day).
  const isoOfDay = new Map<number, string>();
  const iso = (t: number) => {
    const d = Math.floor(t / MS_PER_DAY);
    let s = isoOfDay.get(d);
    if (s === undefined) isoOfDay.set(d, s = new Date(d * MS_PER_DAY).toISOString().slice(0, 10));
    return s;
  };
  return Array.from(panel.tsMs, (t) => panel.day ? cal.sessionDateOf(t) ?? iso(t) : iso(t));
}

function engineActions(
  panel: BarPanel,
  actions: LoadedDataset["corporateActions"],
  adjust: string,
  cal: ReturnType<typeof getCalendar>,
): CorporateAction[] {
  if (!actions.length || adjust === "total_return") return [];
  const dates = barDates(panel, cal);
  const symbols = new Set(panel.symbols);
  /** First bar on or after an ex-date (-1 when after the last bar). */
  const barOf = (exDate: string) => {
    let lo = 0, hi = dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dates[mid]! < exDate) lo = mid + 1;
      else hi = mid;
    }
    return lo < dates.length ? lo : -1;
  };
  const first = dates[0]!, last = dates.at(-1)!;
  const out: CorporateAction[] = [];
  for (const a of actions) {
    // nothing can be held before the first bar: earlier actions change nothing
    if (!symbols.has(a.symbol) || a.exDate <= first) continue;
    const bar = barOf(a.exDate);
    if (bar < 0) continue;
    const div = a.cashDividend ?? 0;
    if (div !== 0) {
      let amount = div;
      if (adjust === "split") {
        for (const b of actions) {
          if (
            b.symbol === a.symbol && b.exDate >= a.exDate && b.exDate <= last &&
            (b.splitRatio ?? 1) !== 1
          ) {
            amount /= b.splitRatio!;
          }
        }
      }
      // a dividend is per pre-split share: paid before a split of the same ex-date
      out.push({ type: "dividend", symbol: a.symbol, bar, amount });
    }
    const ratio = a.splitRatio ?? 1;
    if (ratio !== 1 && adjust === "raw") out.push({ type: "split", symbol: a.symbol, bar, ratio });
  }
  return out;
}
