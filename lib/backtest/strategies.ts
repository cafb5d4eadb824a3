/**
 * Reference strategies used by the notebook, the `backtest` task and the tests.
 *
 * - Overnight (close-to-open) timing on one symbol, after the simulated market's planted effect:
 *   z_k = open-to-close return of session k / stdev of the `volWindow` previous ones;
 *   s = sqrt(L) * mean(z over the last L sessions); hold +weight overnight if s > threshold,
 *   -weight if s < -threshold. On daily bars an order decided at the close of session t can fill
 *   at the close of t+1 at the earliest (market-on-close), and the position is closed at the
 *   open of t+2: the signal is one session older than in an intraday implementation. The
 *   engine refuses the faster version on daily bars by design. On intraday panels (pass the
 *   panel's `day`), the signal is taken at the close of the session's second-to-last bar (the
 *   open-to-then return) and the entry fills at the session's last close, the exit at the next
 *   session's first open: the timing of the simulated market's planted effect, without
 *   look-ahead.
 * - Cross-sectional momentum: every `rebalanceEvery` bars rank symbols on the return from
 *   t - lookback to t - skip, long the top `quantile`, short the bottom, equal weights summing to
 *   `gross` (half long, half short), traded at the next open.
 */

import { roundLot } from "../execution/mod.ts";
import type { BarContext, FillAt, Strategy } from "./engine.ts";
import type { BarPanel } from "./panel.ts";
import { argsortStable } from "./rank.ts";

/** Parameters of {@link overnightStrategy}. */
export interface OvernightParams {
  /** Symbol index. @default 0 */
  symbol?: number;
  /** Sessions averaged into the signal. @default 5 */
  lookback?: number;
  /** Signal threshold. @default 0.5 */
  threshold?: number;
  /** Sessions in the intraday volatility estimate. @default 60 */
  volWindow?: number;
  /** Fraction of equity held overnight. @default 1 */
  weight?: number;
  /** Allow short overnight positions. @default true */
  allowShort?: boolean;
  /**
   * Session index of each bar (the panel's `day`) for intraday panels: the signal is then taken
   * at the close of the session's second-to-last bar and the entry fills at the session's last
   * close (market-on-close), the exit at the next session's first open. Without it the panel is
   * daily (see the module doc). @default undefined (daily bars)
   */
  day?: Int32Array;
}

/** The overnight timing strategy (see the module doc). */
export function overnightStrategy(p: OvernightParams = {}): Strategy {
  const s = p.symbol ?? 0;
  const L = p.lookback ?? 5;
  const thr = p.threshold ?? 0.5;
  const vw = p.volWindow ?? 60;
  const weight = p.weight ?? 1;
  const allowShort = p.allowShort ?? true;
  const day = p.day;
  const z: number[] = [];
  const rid: number[] = [];
  let sessionOpen = NaN;
  /** Push this session's standardised open-to-now return and return the signal (or NaN). */
  const update = (r: number): number => {
    if (rid.length >= vw) {
      let m = 0;
      for (let k = rid.length - vw; k < rid.length; k++) m += rid[k]!;
      m /= vw;
      let ss = 0;
      for (let k = rid.length - vw; k < rid.length; k++) ss += (rid[k]! - m) ** 2;
      const sd = Math.sqrt(ss / (vw - 1));
      z.push(sd > 0 && Number.isFinite(r) ? r / sd : 0);
    } else z.push(NaN);
    rid.push(Number.isFinite(r) ? r : 0);
    if (z.length < L) return NaN;
    let sum = 0;
    for (let k = z.length - L; k < z.length; k++) sum += z[k]!;
    return sum / Math.sqrt(L);
  };
  const enter = (ctx: Parameters<Strategy["onBar"]>[0], sig: number, px: number) => {
    if (!Number.isFinite(sig) || !(px > 0)) return;
    const dir = sig > thr ? 1 : sig < -thr && allowShort ? -1 : 0;
    if (dir === 0) return;
    const qty = roundLot((dir * weight * ctx.equity) / px, 1);
    if (qty !== 0) ctx.submit({ symbol: s, qty, fillAt: "close", tag: "overnight-entry" });
  };
  return {
    onBar(ctx) {
      const t = ctx.t;
      if (!day) {
        // daily bars: exit at the next open, signal from this session, enter at the next close
        const pos = ctx.position(s);
        if (pos !== 0) ctx.submit({ symbol: s, qty: -pos, fillAt: "open", tag: "overnight-exit" });
        const o = ctx.open(s), c = ctx.close(s);
        enter(ctx, update(o > 0 && c > 0 ? c / o - 1 : NaN), c);
        return;
      }
      if (t === 0 || day[t] !== day[t - 1]) sessionOpen = ctx.open(s);
      const lastOfDay = t + 1 >= day.length || day[t + 1] !== day[t];
      const secondLast = !lastOfDay && (t + 2 >= day.length || day[t + 2] !== day[t + 1]);
      if (lastOfDay) {
        const pos = ctx.position(s);
        if (pos !== 0) ctx.submit({ symbol: s, qty: -pos, fillAt: "open", tag: "overnight-exit" });
      } else if (secondLast) {
        const c = ctx.close(s);
        enter(ctx, update(sessionOpen > 0 && c > 0 ? c / sessionOpen - 1 : NaN), c);
      }
    },
  };
}

/** Parameters of {@link momentumTargets}. */
export interface MomentumParams {
  /** Bars from the start of the ranking window to now. @default 126 */
  lookback?: number;
  /** Most recent bars left out of the ranking window. @default 21 */
  skip?: number;
  /** Fraction of ranked names in each of the long and short legs. @default 0.2 */
  quantile?: number;
  /** Bars between rebalances. @default 21 */
  rebalanceEvery?: number;
  /** Gross exposure (long + |short|) as a fraction of equity. @default 1 */
  gross?: number;
  /** Long leg only (gross all long). @default false */
  longOnly?: boolean;
}

/**
 * Names in each leg of {@link momentumTargets} when `names` symbols are ranked:
 * k = floor(names * quantile) (the same count the strategy uses; 0 means no trade).
 *
 * @example
 * ```ts
 * momentumLegNames(2, 0.25); // 0 (2 * 0.25 = 0.5 rounds down)
 * momentumLegNames(12, 0.25); // 3
 * ```
 */
export function momentumLegNames(names: number, quantile: number): number {
  return Math.floor(names * quantile);
}

/**
 * Fewest ranked names for which a `quantile` selects at least one name per leg: the smallest n
 * with floor(n * quantile) >= 1, i.e. ceil(1 / quantile) up to floating-point rounding (checked
 * against {@link momentumLegNames} itself).
 *
 * @example
 * ```ts
 * momentumMinNames(0.25); // 4
 * momentumMinNames(0.3); // 4 (floor(3 * 0.3) = 0, floor(4 * 0.3) = 1)
 * ```
 */
export function momentumMinNames(quantile: number): number {
  if (!(quantile > 0 && quantile <= 1)) {
    throw new RangeError(`quantile must be in (0, 1], got ${quantile}`);
  }
  let n = Math.max(1, Math.ceil(1 / quantile));
  while (momentumLegNames(n, quantile) < 1) n++;
  while (n > 1 && momentumLegNames(n - 1, quantile) >= 1) n--;
  return n;
}

/**
 * Why a momentum configuration cannot trade on a universe of `names` symbols over `bars` bars,
 * or null when it can select names: the quantile selects floor(names * quantile) = 0 names per
 * leg, or the lookback leaves no rebalance bar (lookback >= bars). A one-line reason, e.g.
 * "quantile 0.25 of 2 names selects 0 names per leg: long/short legs need at least 4 names".
 *
 * @example
 * ```ts
 * momentumCannotTrade(2, 500, { quantile: 0.25 }); // "quantile 0.25 of 2 names selects 0 ..."
 * momentumCannotTrade(12, 500, { quantile: 0.25 }); // null
 * ```
 */
export function momentumCannotTrade(names: number, bars: number, p: MomentumParams): string | null {
  const q = p.quantile ?? 0.2, lb = p.lookback ?? 126;
  const legs = p.longOnly ? "the long leg needs" : "long/short legs need";
  if (momentumLegNames(names, q) < 1) {
    const min = momentumMinNames(q);
    return `quantile ${q} of ${names} name${
      names === 1 ? "" : "s"
    } selects 0 names per leg (floor(${names} x ${q}) = 0): ${legs} at least ${min} names at quantile ${q}${
      names >= 2 ? `, or a quantile of at least ${fmtQ(1 / names)} with ${names} names` : ""
    }`;
  }
  if (lb >= bars) {
    return `lookback ${lb} bars is not shorter than the data's ${bars} bars: no rebalance date`;
  }
  return null;
}

/** A quantile bound shown to a user: at most 4 decimals, rounded up so that it suffices. */
function fmtQ(x: number): string {
  return String(Math.ceil(x * 1e4 - 1e-9) / 1e4);
}

/**
 * Target weights of cross-sectional momentum (symbol-major like the panel; NaN between
 * rebalances, 0 for names outside both legs). Symbols without both prices are not ranked.
 * Rank on split-adjusted prices (`prices`) when the panel holds raw prices with splits.
 *
 * @example
 * ```ts
 * const w = momentumTargets(panel, { lookback: 60, skip: 5 });
 * ```
 */
export function momentumTargets(
  panel: BarPanel,
  p: MomentumParams = {},
  /** Prices to rank on (use {@link adjustedCloses} when the panel has splits). @default panel.close */
  prices: Float64Array = panel.close,
): Float64Array {
  const lb = p.lookback ?? 126, skip = p.skip ?? 21, q = p.quantile ?? 0.2;
  const every = p.rebalanceEvery ?? 21, gross = p.gross ?? 1;
  if (!(lb > skip && skip >= 0)) {
    throw new RangeError(`momentum needs lookback > skip >= 0 (${lb}, ${skip})`);
  }
  if (!(q > 0 && q <= 0.5)) throw new RangeError(`quantile must be in (0, 0.5], got ${q}`);
  const nSym = panel.symbols.length, nBars = panel.tsMs.length;
  const out = new Float64Array(nSym * nBars).fill(NaN);
  // scores and symbols of the ranked names; ties rank by symbol index (a stable argsort)
  const score = new Float64Array(nSym), sym = new Int32Array(nSym);
  for (let t = lb; t < nBars; t += every) {
    let m = 0;
    for (let s = 0; s < nSym; s++) {
      const a = prices[s * nBars + t - lb]!, b = prices[s * nBars + t - skip]!;
      if (a > 0 && b > 0 && panel.close[s * nBars + t]! > 0) {
        score[m] = b / a - 1;
        sym[m++] = s;
      }
    }
    for (let s = 0; s < nSym; s++) out[s * nBars + t] = 0;
    const k = momentumLegNames(m, q);
    if (k === 0) continue;
    const order = argsortStable(score.subarray(0, m));
    const longW = p.longOnly ? gross / k : gross / 2 / k;
    for (let i = 0; i < k; i++) {
      out[sym[order[m - 1 - i]!]! * nBars + t] = longW;
      if (!p.longOnly) out[sym[order[i]!]! * nBars + t] = -gross / 2 / k;
    }
  }
  return out;
}

/**
 * Replay a target matrix in the event engine as the vectorised engine reads it: at each bar,
 * for each symbol with a non-NaN target, `orderTarget` (shares) or `orderTargetWeight`
 * (weights; `sizeAt` "fill" sizes them at the fill price, see `BarContext.orderTargetWeight`).
 * Orders that reduce a position (toward or across zero, judged at this close) are submitted
 * before those that raise one, so that under a leverage limit a rebalance's sales fill first
 * and fund its purchases (the engine fills in submission order); within each group symbols go
 * in index order.
 */
export function targetStrategy(
  panel: BarPanel,
  targets: Float64Array,
  o: { kind?: "shares" | "weight"; fillAt?: FillAt; sizeAt?: "decision" | "fill" } = {},
): Strategy {
  const nSym = panel.symbols.length, nBars = panel.tsMs.length;
  if (targets.length !== nSym * nBars) {
    throw new RangeError(`targets have ${targets.length} values, expected ${nSym * nBars}`);
  }
  const weights = (o.kind ?? "weight") === "weight";
  const fillAt = o.fillAt ?? "open";
  const sizeAt = o.sizeAt ?? "decision";
  const send = (ctx: BarContext, s: number, v: number) => {
    if (weights) ctx.orderTargetWeight(s, v, fillAt, sizeAt);
    else ctx.orderTarget(s, v, fillAt);
  };
  /** Whether target v of symbol s makes |position| no larger (a sale of a long, a cover...). */
  const reduces = (ctx: BarContext, s: number, v: number) => {
    const pos = ctx.position(s);
    if (pos === 0) return false;
    const shares = weights ? (v * ctx.equity) / ctx.close(s) : v;
    return !(Math.abs(shares) > Math.abs(pos)) || Math.sign(shares) !== Math.sign(pos);
  };
  const later: number[] = [];
  return {
    onBar(ctx) {
      later.length = 0;
      for (let s = 0; s < nSym; s++) {
        const v = targets[s * nBars + ctx.t]!;
        if (Number.isNaN(v)) continue;
        if (reduces(ctx, s, v)) send(ctx, s, v);
        else later.push(s);
      }
      for (const s of later) send(ctx, s, targets[s * nBars + ctx.t]!);
    },
  };
}
