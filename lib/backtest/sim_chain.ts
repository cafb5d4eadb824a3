/**
 * A {@link ChainSource} over the simulated market's SPY option chain (close quotes), for the
 * options sleeve in notebooks and tests. Quotes come from `world.options.quote` at the last
 * minute of the session; the underlying close is SPY's session close.
 */

import type { World } from "../sources/sim/mod.ts";
import { SPY_DIVIDEND_YIELD } from "../sources/sim/options.ts";
import type { ChainContract, ChainSource } from "./options_sleeve.ts";

/** Chain source over a simulated world, optionally restricted to sessions in [start, end]. */
export function simChainSource(
  world: World,
  o: { start?: string; end?: string } = {},
): ChainSource {
  const days = world.days.filter((d) => (!o.start || d >= o.start) && (!o.end || d <= o.end));
  const idx = new Map(world.days.map((d, i) => [d, i] as const));
  const spyClose = world.spyDaily.close;
  const om = world.options;
  const cache = new Map<string, ReturnType<typeof om.quote>>();
  const contractOf = (c: ChainContract) => {
    const all = om.listed(cDate);
    return all.find((x) => x.strike === c.strike && x.expiration === c.expiry && x.type === c.type);
  };
  let cDate = days[0] ?? "";
  return {
    days,
    spot: (date) => {
      const i = idx.get(date);
      if (i === undefined) throw new RangeError(`No simulated session ${date}`);
      return spyClose[i]!;
    },
    rate: (date) => om.rateOn(date),
    div: SPY_DIVIDEND_YIELD,
    expiries: (date) => om.expiriesOn(date).map((e) => e.date),
    strikes: (expiry, date) => {
      const e = om.expiriesOn(date).find((x) => x.date === expiry);
      return e ? om.strikes(e, date) : [];
    },
    quote: (c, date) => {
      const key = `${c.expiry}:${c.type}:${c.strike}:${date}`;
      let q = cache.get(key);
      if (!q) {
        cDate = date;
        const k = contractOf(c);
        if (!k) {
          throw new RangeError(`Contract ${c.type} ${c.strike} ${c.expiry} not listed on ${date}`);
        }
        q = om.quote(k, date);
        cache.set(key, q);
      }
      return { bid: q.bid, ask: q.ask, t: q.t };
    },
  };
}
