/**
 * Options sleeve: a rolling, delta-hedged option book on one underlying (SPY), driven by
 * end-of-day chain quotes.
 *
 * Each session (close): legs are marked at the quote mid; implied vols are solved from the mids
 * with lib/options `impliedVol` and Greeks computed with `bsGreeks` (the chain's own Greeks are
 * not trusted). On a roll session (first session, the book's expiry reached, or every
 * `rollEvery` sessions) the old legs are closed and a new book opened on the expiry whose
 * calendar days to expiry are closest to `targetDte` (at least `minDte`): buys pay the ask and
 * sells receive the bid, so the option cost is |qty| x (ask - bid) / 2 against the mid. Legs that
 * reach expiry settle at intrinsic on the close. The delta hedge (shares = -book delta) is reset
 * (truncated toward zero to whole shares) each session ("daily") or when |book delta + shares| exceeds `hedgeBand` shares, paying
 * `hedgeCostBps` on traded notional. Cash earns nothing (zero financing; stated, not modelled).
 *
 * Attribution per session: option P&L = change in the mid value of the legs held over the
 * session (settlements included); hedge P&L = shares held x change in spot; costs = option
 * half-spreads + hedge costs. total = option + hedge - costs, exactly.
 */

import { bsGreeks, impliedVol, toOptionColumns } from "../options/mod.ts";
import { roundLot } from "../execution/mod.ts";
import { MS_PER_DAY } from "../core/mod.ts";

/** A contract of the chain. */
export interface ChainContract {
  strike: number;
  /** Expiry session "YYYY-MM-DD". */
  expiry: string;
  type: "call" | "put";
}

/** Quote of a contract at a session's close. */
export interface ChainQuote {
  bid: number;
  ask: number;
  /** Time to expiry in years at the quote. */
  t: number;
}

/** Where the sleeve reads the market. */
export interface ChainSource {
  /** Sessions in order. */
  days: readonly string[];
  /** Underlying close of a session. */
  spot(date: string): number;
  /** Continuous risk-free rate of a session. */
  rate(date: string): number;
  /** Continuous dividend yield of the underlying. */
  div: number;
  /** Expiries listed on the session. */
  expiries(date: string): string[];
  /** Strikes listed for an expiry on the session (ascending). */
  strikes(expiry: string, date: string): number[];
  /** Close quote of a contract on the session. */
  quote(c: ChainContract, date: string): ChainQuote;
}

/** The book opened at each roll. */
export interface OptionBookSpec {
  /** Structure. "strangle" uses strikes at spot x (1 -+ width). @default "straddle" */
  structure?: "straddle" | "strangle" | "call" | "put";
  /** Long or short the structure. @default "short" */
  side?: "long" | "short";
  /** Contracts per leg. @default 10 */
  contracts?: number;
  /** Shares per contract. @default 100 */
  multiplier?: number;
  /** Target calendar days to expiry at the roll. @default 30 */
  targetDte?: number;
  /** Minimum calendar days to expiry at the roll. @default 7 */
  minDte?: number;
  /** Roll every N sessions (also at expiry); 0 = only at expiry. @default 0 */
  rollEvery?: number;
  /** Strangle half-width in moneyness. @default 0.05 */
  width?: number;
  /** Hedge every session, or only outside a band of this many shares (0 = daily). @default 0 */
  hedgeBand?: number;
  /** Cost of hedge trades, bps of traded notional. @default 1 */
  hedgeCostBps?: number;
  /** Do not hedge at all (naked book). @default false */
  unhedged?: boolean;
}

interface Leg extends ChainContract {
  qty: number; // signed shares-equivalent (contracts x multiplier)
}

/** Result of {@link runOptionsSleeve}; arrays have one entry per session. */
export interface OptionsSleeveResult {
  days: string[];
  /** Cumulative P&L, USD. */
  pnl: Float64Array;
  optionPnl: Float64Array;
  hedgePnl: Float64Array;
  /** Costs per session (positive numbers). */
  optionCosts: Float64Array;
  hedgeCosts: Float64Array;
  /** Book Greeks at the close (after rolls), in USD per unit: vega per 1.00 vol, gamma per $. */
  netVega: Float64Array;
  netGamma: Float64Array;
  netDelta: Float64Array;
  hedgeShares: Float64Array;
  totals: { option: number; hedge: number; optionCosts: number; hedgeCosts: number; total: number };
  rolls: { date: string; legs: Leg[] }[];
}

/**
 * Run the sleeve over the source's sessions (module doc).
 *
 * @example
 * ```ts ignore
 * const res = runOptionsSleeve(simChainSource(world), { structure: "straddle", side: "short" });
 * res.totals; // { option, hedge, optionCosts, hedgeCosts, total }
 * ```
 */
export function runOptionsSleeve(src: ChainSource, spec: OptionBookSpec = {}): OptionsSleeveResult {
  const structure = spec.structure ?? "straddle";
  const sign = (spec.side ?? "short") === "short" ? -1 : 1;
  const contracts = spec.contracts ?? 10;
  const mult = spec.multiplier ?? 100;
  const targetDte = spec.targetDte ?? 30, minDte = spec.minDte ?? 7;
  const rollEvery = spec.rollEvery ?? 0;
  const width = spec.width ?? 0.05;
  const band = spec.hedgeBand ?? 0;
  const hedgeBps = (spec.hedgeCostBps ?? 1) * 1e-4;
  if (!(contracts > 0 && mult > 0)) throw new RangeError(`contracts and multiplier must be > 0`);
  const days = [...src.days];
  const n = days.length;
  const arr = () => new Float64Array(n);
  const out: OptionsSleeveResult = {
    days,
    pnl: arr(),
    optionPnl: arr(),
    hedgePnl: arr(),
    optionCosts: arr(),
    hedgeCosts: arr(),
    netVega: arr(),
    netGamma: arr(),
    netDelta: arr(),
    hedgeShares: arr(),
    totals: { option: 0, hedge: 0, optionCosts: 0, hedgeCosts: 0, total: 0 },
    rolls: [],
  };
  let legs: Leg[] = [];
  let prevMid: number[] = [];
  let shares = 0;
  let prevSpot = NaN;
  let sinceRoll = 0;
  let cum = 0;
  const dte = (expiry: string, date: string) =>
    (Date.parse(expiry) - Date.parse(date)) / MS_PER_DAY;

  for (let d = 0; d < n; d++) {
    const date = days[d]!;
    const spot = src.spot(date);
    if (!(spot > 0)) throw new RangeError(`Options sleeve: bad spot ${spot} on ${date}`);
    // 1) hedge P&L over the session (shares held since the previous close)
    const hedge = Number.isFinite(prevSpot) ? shares * (spot - prevSpot) : 0;
    // 2) option P&L: mark (or settle) the legs held since the previous close
    let opt = 0;
    const live: Leg[] = [];
    const liveMid: number[] = [];
    legs.forEach((l, i) => {
      if (l.expiry <= date) {
        const intrinsic = l.type === "call"
          ? Math.max(0, spot - l.strike)
          : Math.max(0, l.strike - spot);
        opt += l.qty * (intrinsic - prevMid[i]!);
      } else {
        const q = src.quote(l, date);
        const mid = (q.bid + q.ask) / 2;
        opt += l.qty * (mid - prevMid[i]!);
        live.push(l);
        liveMid.push(mid);
      }
    });
    legs = live;
    prevMid = liveMid;
    // 3) roll
    let optCost = 0;
    sinceRoll++;
    const expired = legs.length === 0;
    if (expired || (rollEvery > 0 && sinceRoll >= rollEvery)) {
      legs.forEach((l) => {
        const q = src.quote(l, date);
        optCost += Math.abs(l.qty) * (q.ask - q.bid) / 2; // close at the touch
      });
      legs = [];
      prevMid = [];
      const exps = src.expiries(date).filter((e) => dte(e, date) >= minDte);
      if (exps.length) {
        const expiry = exps.reduce((
          a,
          b,
        ) => (Math.abs(dte(b, date) - targetDte) < Math.abs(dte(a, date) - targetDte) ? b : a));
        const ks = src.strikes(expiry, date);
        const nearest = (x: number) =>
          ks.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
        const q = contracts * mult * sign;
        const want: Leg[] = [];
        if (structure === "straddle") {
          const k = nearest(spot);
          want.push({ strike: k, expiry, type: "call", qty: q }, {
            strike: k,
            expiry,
            type: "put",
            qty: q,
          });
        } else if (structure === "strangle") {
          want.push(
            { strike: nearest(spot * (1 + width)), expiry, type: "call", qty: q },
            { strike: nearest(spot * (1 - width)), expiry, type: "put", qty: q },
          );
        } else want.push({ strike: nearest(spot), expiry, type: structure, qty: q });
        for (const l of want) {
          const qt = src.quote(l, date);
          optCost += Math.abs(l.qty) * (qt.ask - qt.bid) / 2;
          legs.push(l);
          prevMid.push((qt.bid + qt.ask) / 2);
        }
        out.rolls.push({ date, legs: legs.map((l) => ({ ...l })) });
      }
      sinceRoll = 0;
    }
    // 4) Greeks of the book with lib/options (IV solved from the mids)
    let delta = 0, gamma = 0, vega = 0;
    if (legs.length) {
      const r = src.rate(date);
      const quotes = legs.map((l) => src.quote(l, date));
      const cols = toOptionColumns(legs.map((l, i) => ({
        spot,
        strike: l.strike,
        t: quotes[i]!.t,
        rate: r,
        div: src.div,
        isCall: l.type === "call",
      })));
      const iv = impliedVol(cols, Float64Array.from(prevMid), { logSummary: false });
      const g = bsGreeks(cols, iv);
      legs.forEach((l, i) => {
        if (Number.isFinite(iv[i]!)) {
          delta += l.qty * g.delta[i]!;
          gamma += l.qty * g.gamma[i]!;
          vega += l.qty * g.vega[i]!;
        }
      });
    }
    // 5) re-hedge
    let hedgeCost = 0;
    if (!spec.unhedged) {
      const target = roundLot(-delta, 1);
      if (band === 0 ? target !== shares : Math.abs(delta + shares) > band) {
        hedgeCost = Math.abs(target - shares) * spot * hedgeBps;
        shares = target;
      }
    }
    out.optionPnl[d] = opt;
    out.hedgePnl[d] = hedge;
    out.optionCosts[d] = optCost;
    out.hedgeCosts[d] = hedgeCost;
    cum += opt + hedge - optCost - hedgeCost;
    out.pnl[d] = cum;
    out.netDelta[d] = delta + shares;
    out.netGamma[d] = gamma;
    out.netVega[d] = vega;
    out.hedgeShares[d] = shares;
    const t = out.totals;
    t.option += opt;
    t.hedge += hedge;
    t.optionCosts += optCost;
    t.hedgeCosts += hedgeCost;
    prevSpot = spot;
  }
  const t = out.totals;
  t.total = t.option + t.hedge - t.optionCosts - t.hedgeCosts;

  return out;
}
