/**
 * Per-symbol coverage of a panel: where each symbol's bars start and end on the panel's clock
 * (the union of every symbol's timestamps) and how many of the panel's rows it has no bar on.
 * A panel's own gap count (lib/report `panelGaps`: calendar periods missing between the union's
 * rows) says nothing about one symbol listed for a year inside a twenty-year panel; this does.
 *
 * Conventions: a symbol "has a bar" on a row when its close is a positive number (the price the
 * engine marks at). `before` / `after` count the panel's rows before its first / after its last
 * bar; `inside` counts rows between them without a bar (holes). Periods missing from the union
 * itself (`panelGaps`) are missing for every symbol and are not repeated here.
 *
 * @example
 * ```ts ignore
 * symbolCoverage(panel); // [{ symbol: "MSFT", first: "2000-09-27", last: "2001-09-27", bars: 249, before: 4076, after: 1323, inside: 0 }, ...]
 * ```
 */

import type { BarPanel } from "./panel.ts";
import { panelShape } from "./panel.ts";

/** One symbol's coverage (module doc). */
export interface SymbolCoverage {
  symbol: string;
  /** Date (YYYY-MM-DD, UTC) of its first and last bar; null without any bar. */
  first: string | null;
  last: string | null;
  /** Rows with a bar. */
  bars: number;
  /** Panel rows before its first bar, after its last, and without a bar between them. */
  before: number;
  after: number;
  inside: number;
}

/** Coverage of every symbol of `panel` (module doc). */
export function symbolCoverage(panel: BarPanel): SymbolCoverage[] {
  const { nSym, nBars } = panelShape(panel);
  const day = (t: number) => new Date(panel.tsMs[t]!).toISOString().slice(0, 10);
  const out: SymbolCoverage[] = [];
  for (let s = 0; s < nSym; s++) {
    let first = -1, last = -1, bars = 0;
    for (let t = 0; t < nBars; t++) {
      if (panel.close[s * nBars + t]! > 0) {
        if (first < 0) first = t;
        last = t;
        bars++;
      }
    }
    out.push({
      symbol: panel.symbols[s]!,
      first: first < 0 ? null : day(first),
      last: last < 0 ? null : day(last),
      bars,
      before: first < 0 ? nBars : first,
      after: last < 0 ? 0 : nBars - 1 - last,
      inside: first < 0 ? 0 : last - first + 1 - bars,
    });
  }
  return out;
}

/**
 * One line on the symbols that do not cover every row of the panel, or "" when all do. A symbol
 * whose bars start or end inside the panel: "MSFT has bars 2000-09-27..2001-09-27 only (4076
 * panel rows before, 1323 after, 0 missing inside)"; one that spans the panel's first to last
 * row with holes: "BASI spans the whole panel, 1999-12-30..2008-10-17, but has no bar on 1 row
 * inside it". At most `max` symbols are named, then "and N more".
 */
export function coverageLine(cov: SymbolCoverage[], max = 5): string {
  const partial = cov.filter((c) => c.before + c.after + c.inside > 0);
  if (!partial.length) return "";
  const parts = partial.slice(0, max).map((c) =>
    c.first === null
      ? `${c.symbol} has no bar`
      : c.before === 0 && c.after === 0
      ? `${c.symbol} spans the whole panel, ${c.first}..${c.last}, but has no bar on ${c.inside} row${
        c.inside === 1 ? "" : "s"
      } inside it`
      : `${c.symbol} has bars ${c.first}..${c.last} only (${c.before} panel rows before, ${c.after} after, ${c.inside} missing inside)`
  );
  if (partial.length > max) parts.push(`and ${partial.length - max} more`);
  return parts.join("; ");
}
