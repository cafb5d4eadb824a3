/**
 * Survivorship-free universe: the symbols listed and not yet delisted on a date, from
 * LISTING_STATUS-style reference data (Alpha Vantage's CSV carries both active and delisted rows:
 * symbol, name, exchange, assetType, ipoDate, delistingDate, status).
 *
 * A symbol is in the universe on date D when ipoDate <= D <= delistingDate (or no delistingDate):
 * the delisting date is the LAST session the symbol traded, the convention of the simulated
 * market's LISTING_STATUS (lib/sources/sim), so a name is in the universe on its delisting date
 * and absent from the next day on. An empty ipoDate (some vendor rows) means "listed before the
 * data starts". The vendor sentinel string "null" and "" count as absent.
 */

/** One listing row; dates are "YYYY-MM-DD", null/""/"null" when absent. */
export interface Listing {
  symbol: string;
  ipoDate?: string | null;
  delistingDate?: string | null;
  /** "Stock" | "ETF" in Alpha Vantage's data. */
  assetType?: string;
  exchange?: string;
}

const absent = (d: string | null | undefined) =>
  d === undefined || d === null || d === "" || d === "null";

/** Options for {@linkcode universeAsOf}. */
export interface UniverseOptions {
  /** Keep only these asset types (e.g. ["Stock"]). @default all */
  assetTypes?: string[];
}

/** Whether a listing is live on a date (see the module doc). */
export function isListedOn(listing: Listing, date: string): boolean {
  if (!absent(listing.ipoDate) && listing.ipoDate! > date) return false;
  if (!absent(listing.delistingDate) && date > listing.delistingDate!) return false;
  return true;
}

/**
 * Symbols live on `date`, sorted, each once (a symbol reused after a delisting is live if any of
 * its listings is live).
 *
 * @example
 * ```ts
 * universeAsOf([{ symbol: "OLD", ipoDate: "2001-01-02", delistingDate: "2020-03-02" }], "2020-03-03"); // []
 * ```
 */
export function universeAsOf(
  listings: Listing[],
  date: string,
  options: UniverseOptions = {},
): string[] {
  const types = options.assetTypes ? new Set(options.assetTypes) : null;
  const out = new Set<string>();
  for (const l of listings) {
    if (types && !types.has(l.assetType ?? "")) continue;
    if (isListedOn(l, date)) out.add(l.symbol);
  }
  return [...out].sort();
}

/**
 * Membership mask of a date x symbol panel (date-major, 1 = live): use it to blank prices of
 * names not yet listed or already delisted, so panels built from today's survivors do not leak.
 *
 * @example
 * ```ts
 * const mask = universeMask(listings, dates, symbols); // mask[t * symbols.length + s]
 * ```
 */
export function universeMask(listings: Listing[], dates: string[], symbols: string[]): Uint8Array {
  const bySym = new Map<string, Listing[]>();
  for (const l of listings) bySym.set(l.symbol, [...(bySym.get(l.symbol) ?? []), l]);
  const mask = new Uint8Array(dates.length * symbols.length);
  symbols.forEach((s, j) => {
    const ls = bySym.get(s) ?? [];
    dates.forEach((d, t) => {
      if (ls.some((l) => isListedOn(l, d))) mask[t * symbols.length + j] = 1;
    });
  });
  return mask;
}
