/**
 * Daily deliverables: the equities sleeve's target book and the options sleeve's strategies as
 * JSON documents validated by zod schemas (`EquityDeliverableSchema`, `OptionsDeliverableSchema`;
 * strict: a field the schema does not declare is an error, not dropped).
 *
 * Equities (cross-sectional momentum): weights from `momentumTargets` on the as-of bar, scaled to
 * an ex-ante volatility target with a Ledoit-Wolf covariance of the trailing returns
 * (`volTarget`), then capped (`applyConstraints`: per name, per sector, gross, net); violations
 * that cannot be met are listed in the risk block. Per position, with z the cross-sectional
 * z-score of the momentum signal, sigma the trailing daily vol and h the horizon in sessions:
 * expected alpha = IC * z * sigma * sqrt(h) (a fundamental-law style assumption, IC an input),
 * confidence = Phi(|alpha| / (sigma sqrt(h))) (probability the horizon return has the predicted
 * sign under a normal model), take-profit = tpMult * sigma sqrt(h), stop-loss = slMult *
 * sigma sqrt(h), all in bps.
 *
 * Options (short delta-hedged ATM straddle on the underlier): sized so the book's vega is the
 * target vega (USD per 1.00 vol), expected P&L = |vega| * (IV - RV) with RV the trailing
 * realised vol (annualised, 21 sessions), confidence = Phi((IV - RV) / (RV / sqrt(2 * 21))) (the
 * standard error of a realised-vol estimate from 21 normal returns). `expected_pnl` is that model
 * expectation (USD to expiry, before costs, first order in vol), not a backtest; the document
 * says so in `expected_pnl_basis`.
 *
 * Recommendation rule (`recommended`, `recommendation`): a strategy is recommended only when the
 * model expects a gain (expected_pnl > 0) AND the realised backtest of the sleeve, when the caller
 * supplies one (`backtest`), did not lose money after costs. A losing backtest overrides the model:
 * "expected +645.6 USD under the model; the backtest of this sleeve lost 13,265 USD after costs
 * over 2023-11-15..2024-03-28 (90 sessions): not recommended". Without a backtest the document
 * says the recommendation rests on the model alone (`backtest: null`).
 */

import { z } from "zod";
import { normCdf, TRADING_DAYS_PER_YEAR } from "../core/mod.ts";
import {
  adjustedCloses,
  type BarPanel,
  type ChainSource,
  type CorporateAction,
  momentumTargets,
} from "../backtest/mod.ts";
import { applyConstraints, ledoitWolf, volTarget } from "../portfolio/mod.ts";
import { bsGreeks, impliedVol, toOptionColumns } from "../options/mod.ts";

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const finite = z.number().finite();
const prob = finite.min(0).max(1);

/** Schema of the equities sleeve deliverable. */
export const EquityDeliverableSchema = z.strictObject({
  sleeve: z.literal("equities"),
  as_of: isoDate,
  generated_at: z.string().datetime(),
  strategy: z.string().min(1),
  positions: z.array(z.strictObject({
    symbol: z.string().min(1),
    sector: z.string(),
    target_weight: finite.min(-1).max(1),
    horizon_days: z.number().int().positive(),
    expected_alpha_bps: finite,
    confidence: prob,
    take_profit_bps: finite.positive(),
    stop_loss_bps: finite.positive(),
  })),
  risk: z.strictObject({
    target_vol: finite.positive(),
    ex_ante_vol: finite.min(0),
    gross_cap: finite.positive(),
    net_cap: finite.min(0),
    per_name_cap: finite.positive(),
    sector_caps: z.record(z.string(), finite.positive()),
    gross: finite.min(0),
    net: finite,
    violations: z.array(z.strictObject({ constraint: z.string(), limit: finite, value: finite })),
  }),
});

/** Schema of the options sleeve deliverable. */
export const OptionsDeliverableSchema = z.strictObject({
  sleeve: z.literal("options"),
  as_of: isoDate,
  generated_at: z.string().datetime(),
  strategies: z.array(z.strictObject({
    underlier: z.string().min(1),
    type: z.enum(["short_straddle", "long_straddle", "short_strangle", "long_strangle"]),
    expiry: isoDate,
    legs: z.array(z.strictObject({
      type: z.enum(["call", "put"]),
      strike: finite.positive(),
      quantity: z.number().int(),
    })).min(1),
    quantity: z.number().int(),
    multiplier: z.number().int().positive(),
    target_vega: finite,
    implied_vol: finite.positive(),
    realised_vol: finite.min(0),
    expected_pnl: finite,
    /** What expected_pnl is: the model's formula and inputs (not a backtest). */
    expected_pnl_basis: z.string().min(1),
    confidence: prob,
    /** The realised backtest of the sleeve, as supplied by the caller (null: none supplied). */
    backtest: z.strictObject({
      description: z.string().min(1),
      start: isoDate,
      end: isoDate,
      sessions: z.number().int().positive(),
      pnl_after_costs: finite,
      option_costs: finite.min(0),
      hedge_costs: finite.min(0),
    }).nullable(),
    /** The module's recommendation rule applied to expected_pnl and the backtest. */
    recommended: z.boolean(),
    recommendation: z.string().min(1),
    hedge_rules: z.strictObject({
      instrument: z.string().min(1),
      schedule: z.enum(["daily", "band"]),
      band_shares: finite.min(0),
      cost_bps: finite.min(0),
    }),
  })),
  risk: z.strictObject({
    net_vega: finite,
    net_gamma: finite,
    vega_cap: finite.positive(),
    gamma_cap: finite.positive(),
    within_caps: z.boolean(),
  }),
});

export type EquityDeliverable = z.infer<typeof EquityDeliverableSchema>;
export type OptionsDeliverable = z.infer<typeof OptionsDeliverableSchema>;

/** Options of {@link buildEquityDeliverable}. */
export interface EquityDeliverableOptions {
  /** Momentum lookback, sessions. @default 252 */
  lookback?: number;
  /** Momentum skip, sessions. @default 21 */
  skip?: number;
  /** Leg quantile. @default 0.2 */
  quantile?: number;
  /** Horizon (rebalance period), sessions. @default 21 */
  horizonDays?: number;
  /** Ex-ante vol target (annual). @default 0.1 */
  targetVol?: number;
  /** Gross cap. @default 1.5 */
  grossCap?: number;
  /** Net cap. @default 0.2 */
  netCap?: number;
  /** Per-name cap. @default 0.1 */
  perNameCap?: number;
  /** Sector gross caps ("*" for the default). @default { "*": 0.4 } */
  sectorCaps?: Record<string, number>;
  /** Information coefficient of the signal. @default 0.03 */
  ic?: number;
  /** Take-profit / stop-loss multiples of sigma sqrt(h). @default 2 and 1 */
  tpMult?: number;
  slMult?: number;
  /** Trailing sessions of the covariance and vol estimates. @default 126 */
  riskWindow?: number;
  /** Generation instant. @default new Date() */
  now?: Date;
}

/**
 * The equities deliverable for bar `asOf` of `panel` (data after `asOf` is never read).
 *
 * @example
 * ```ts ignore
 * const doc = buildEquityDeliverable(panel, sectors, panel.tsMs.length - 1);
 * EquityDeliverableSchema.parse(doc);
 * ```
 */
export function buildEquityDeliverable(
  panel: BarPanel,
  sectors: readonly string[],
  asOf: number,
  o: EquityDeliverableOptions & {
    /** Splits and dividends: signals and risk use adjusted closes. @default [] */
    corporateActions?: readonly CorporateAction[];
  } = {},
): EquityDeliverable {
  const nBars = panel.tsMs.length, nSym = panel.symbols.length;
  if (!(Number.isInteger(asOf) && asOf >= 0 && asOf < nBars)) {
    throw new RangeError(`asOf bar ${asOf} out of range`);
  }
  if (sectors.length !== nSym) {
    throw new RangeError(`${sectors.length} sectors for ${nSym} symbols`);
  }
  const lb = o.lookback ?? 252, skip = o.skip ?? 21, h = o.horizonDays ?? 21;
  const win = o.riskWindow ?? 126;
  if (asOf < Math.max(lb, win)) {
    throw new RangeError(`asOf bar ${asOf} is before ${Math.max(lb, win)} bars of history`);
  }
  // Truncate the panel at asOf: later data cannot leak in.
  const cut = (a: Float64Array) => {
    const out = new Float64Array(nSym * (asOf + 1));
    for (let s = 0; s < nSym; s++) {
      out.set(a.subarray(s * nBars, s * nBars + asOf + 1), s * (asOf + 1));
    }
    return out;
  };
  const p: BarPanel = {
    symbols: panel.symbols,
    tsMs: panel.tsMs.slice(0, asOf + 1),
    open: cut(panel.open),
    high: cut(panel.high),
    low: cut(panel.low),
    close: cut(panel.close),
    volume: cut(panel.volume),
  };
  const T = asOf + 1;
  // adjusted closes from actions up to asOf only
  const acts = (o.corporateActions ?? []).filter((a) => a.bar <= asOf);
  p.close = adjustedCloses(p, acts);
  const w0 = momentumTargets(p, {
    lookback: lb,
    skip,
    quantile: o.quantile ?? 0.2,
    rebalanceEvery: 1,
    gross: 1,
  });
  const raw = Array.from({ length: nSym }, (_, s) => w0[s * T + asOf]!);
  // signal z-scores and trailing vols
  const sig = Array.from(
    { length: nSym },
    (_, s) => p.close[s * T + asOf - skip]! / p.close[s * T + asOf - lb]! - 1,
  );
  const ok = sig.map((v) => Number.isFinite(v));
  const vals = sig.filter((_, s) => ok[s]);
  const m = vals.reduce((a, b) => a + b, 0) / Math.max(1, vals.length);
  const sd = Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, vals.length - 1));
  // returns matrix of the names in the book for the covariance (complete rows only)
  const names = raw.map((w, s) => (w !== 0 && Number.isFinite(w) ? s : -1)).filter((s) => s >= 0);
  const rets = new Float64Array(win * names.length);
  const vol = new Float64Array(nSym).fill(NaN);
  for (let s = 0; s < nSym; s++) {
    const r: number[] = [];
    for (let t = T - win; t < T; t++) r.push(p.close[s * T + t]! / p.close[s * T + t - 1]! - 1);
    const f = r.filter(Number.isFinite);
    if (f.length > 1) {
      const mu = f.reduce((a, b) => a + b, 0) / f.length;
      vol[s] = Math.sqrt(f.reduce((a, b) => a + (b - mu) ** 2, 0) / (f.length - 1));
    }
    const j = names.indexOf(s);
    if (j >= 0) r.forEach((v, k) => (rets[k * names.length + j] = v));
  }
  const targetVol = o.targetVol ?? 0.1;
  const grossCap = o.grossCap ?? 1.5, netCap = o.netCap ?? 0.2, perNameCap = o.perNameCap ?? 0.1;
  const sectorCaps = o.sectorCaps ?? { "*": 0.4 };
  let scaled: Float64Array = new Float64Array(nSym);
  let exAnte = 0;
  if (names.length) {
    const cov = ledoitWolf(rets, names.length).cov;
    const vt = volTarget(names.map((s) => raw[s]!), cov, { targetVol, maxGross: grossCap });
    names.forEach((s, j) => (scaled[s] = vt.weights[j]!));
    exAnte = vt.exAnteVol;
  }
  const cons = applyConstraints(scaled, { perNameCap, sectors, sectorCaps, grossCap, netCap });
  scaled = cons.weights;
  if (names.length) {
    const cov = ledoitWolf(rets, names.length).cov;
    let v = 0;
    names.forEach((si, i) =>
      names.forEach((sj, j) => (v += scaled[si]! * scaled[sj]! * cov.data[i * names.length + j]!))
    );
    exAnte = Math.sqrt(v * TRADING_DAYS_PER_YEAR);
  }
  const ic = o.ic ?? 0.03, tp = o.tpMult ?? 2, sl = o.slMult ?? 1;
  const positions = [];
  let gross = 0, net = 0;
  for (let s = 0; s < nSym; s++) {
    const w = scaled[s]!;
    if (w === 0 || !Number.isFinite(w)) continue;
    gross += Math.abs(w);
    net += w;
    const zs = sd > 0 ? (sig[s]! - m) / sd : 0;
    const risk = vol[s]! * Math.sqrt(h);
    const alpha = ic * zs * risk;
    positions.push({
      symbol: panel.symbols[s]!,
      sector: sectors[s]!,
      target_weight: w,
      horizon_days: h,
      expected_alpha_bps: alpha * 1e4,
      confidence: risk > 0 ? normCdf(Math.abs(alpha) / risk) : 0.5,
      take_profit_bps: tp * risk * 1e4,
      stop_loss_bps: sl * risk * 1e4,
    });
  }
  return EquityDeliverableSchema.parse({
    sleeve: "equities",
    as_of: new Date(panel.tsMs[asOf]!).toISOString().slice(0, 10),
    generated_at: (o.now ?? new Date()).toISOString(),
    strategy: `cross-sectional momentum ${lb}-${skip}, top/bottom ${(o.quantile ?? 0.2) * 100}%`,
    positions,
    risk: {
      target_vol: targetVol,
      ex_ante_vol: exAnte,
      gross_cap: grossCap,
      net_cap: netCap,
      per_name_cap: perNameCap,
      sector_caps: sectorCaps,
      gross,
      net,
      violations: cons.violations,
    },
  });
}

/** Options of {@link buildOptionsDeliverable}. */
export interface OptionsDeliverableOptions {
  /** Underlier name. @default "SPY" */
  underlier?: string;
  /** Target book vega, USD per 1.00 vol (negative = short vol). @default -50_000 */
  targetVega?: number;
  /** Target days to expiry. @default 30 */
  targetDte?: number;
  /** Vega cap (absolute, USD per 1.00 vol). @default 100_000 */
  vegaCap?: number;
  /** Gamma cap (absolute, shares per USD). @default 5_000 */
  gammaCap?: number;
  /** Hedge rules to publish. @default daily, band 0, 1 bp */
  hedge?: { schedule: "daily" | "band"; bandShares: number; costBps: number };
  /** Generation instant. @default new Date() */
  now?: Date;
  /** Contract multiplier. @default 100 */
  multiplier?: number;
  /**
   * The sleeve's realised backtest (e.g. from `runOptionsSleeve`), published beside the model's
   * expectation; a loss after costs makes the strategy not recommended (module doc).
   * @default undefined (the recommendation rests on the model alone)
   */
  backtest?: SleeveBacktestSummary;
}

/** A realised backtest of the options sleeve, for {@link buildOptionsDeliverable}. */
export interface SleeveBacktestSummary {
  /** What was run, e.g. "short 30-day ATM straddle, 10 contracts a leg, delta-hedged". */
  description: string;
  /** First and last session (YYYY-MM-DD) and the number of sessions. */
  start: string;
  end: string;
  sessions: number;
  /** Cumulative P&L after costs, USD. */
  pnlAfterCosts: number;
  /** Total costs, USD (positive). */
  optionCosts: number;
  hedgeCosts: number;
}

const usd = (v: number) =>
  `${v > 0 ? "+" : v < 0 ? "-" : ""}${
    Math.abs(v).toLocaleString("en-US", { maximumFractionDigits: 1 })
  } USD`;

/**
 * The recommendation rule of the module doc: recommended only when the model expects a gain and
 * the supplied backtest (if any) did not lose after costs; the text says which figure decided.
 */
export function optionsRecommendation(
  expectedPnl: number,
  backtest: SleeveBacktestSummary | undefined,
): { recommended: boolean; recommendation: string } {
  const model = `expected ${usd(expectedPnl)} under the model`;
  if (!(expectedPnl > 0)) {
    return { recommended: false, recommendation: `${model} (no edge): not recommended` };
  }
  if (!backtest) {
    return {
      recommended: true,
      recommendation: `${model}; no backtest of this sleeve was supplied: recommended on the ` +
        `model alone`,
    };
  }
  const b = backtest, lost = b.pnlAfterCosts < 0;
  const window = `${b.start}..${b.end} (${b.sessions} sessions; ${b.description})`;
  return {
    recommended: !lost,
    recommendation: `${model}; the backtest of this sleeve ${lost ? "lost" : "made"} ${
      usd(Math.abs(b.pnlAfterCosts)).replace(/^[+-]/, "")
    } after costs over ${window}: ${lost ? "not recommended" : "recommended"}`,
  };
}

/**
 * The options deliverable on session `asOf` of the chain source (reads closes up to `asOf`).
 */
export function buildOptionsDeliverable(
  src: ChainSource,
  asOf: string,
  o: OptionsDeliverableOptions = {},
): OptionsDeliverable {
  const i = src.days.indexOf(asOf);
  if (i < 0) throw new RangeError(`No session ${asOf} in the chain source`);
  if (i < 21) throw new RangeError(`Need 21 sessions before ${asOf} for realised vol, have ${i}`);
  const spot = src.spot(asOf);
  const r: number[] = [];
  for (let k = i - 20; k <= i; k++) {
    r.push(Math.log(src.spot(src.days[k]!) / src.spot(src.days[k - 1]!)));
  }
  const mu = r.reduce((a, b) => a + b, 0) / r.length;
  const rv = Math.sqrt(
    r.reduce((a, b) => a + (b - mu) ** 2, 0) / (r.length - 1) * TRADING_DAYS_PER_YEAR,
  );
  const dte = (e: string) => (Date.parse(e) - Date.parse(asOf)) / 86_400_000;
  const exps = src.expiries(asOf).filter((e) => dte(e) >= 7);
  if (!exps.length) throw new RangeError(`No expiry at least 7 days out on ${asOf}`);
  const target = o.targetDte ?? 30;
  const expiry = exps.reduce((
    a,
    b,
  ) => (Math.abs(dte(b) - target) < Math.abs(dte(a) - target) ? b : a));
  const ks = src.strikes(expiry, asOf);
  const k = ks.reduce((a, b) => (Math.abs(b - spot) < Math.abs(a - spot) ? b : a));
  const legs = (["call", "put"] as const).map((type) => ({ type, strike: k }));
  const quotes = legs.map((l) => src.quote({ ...l, expiry }, asOf));
  const cols = toOptionColumns(legs.map((l, j) => ({
    spot,
    strike: l.strike,
    t: quotes[j]!.t,
    rate: src.rate(asOf),
    div: src.div,
    isCall: l.type === "call",
  })));
  const mids = Float64Array.from(quotes, (q) => (q.bid + q.ask) / 2);
  const iv = impliedVol(cols, mids, { logSummary: false });
  const g = bsGreeks(cols, iv);
  const mult = o.multiplier ?? 100;
  const vegaPerStraddle = (g.vega[0]! + g.vega[1]!) * mult;
  const gammaPerStraddle = (g.gamma[0]! + g.gamma[1]!) * mult;
  const targetVega = o.targetVega ?? -50_000;
  const qty = vegaPerStraddle > 0 ? Math.round(targetVega / vegaPerStraddle) : 0;
  const ivAtm = (iv[0]! + iv[1]!) / 2;
  const netVega = qty * vegaPerStraddle, netGamma = qty * gammaPerStraddle;
  const vegaCap = o.vegaCap ?? 100_000, gammaCap = o.gammaCap ?? 5_000;
  const edge = qty < 0 ? ivAtm - rv : rv - ivAtm;
  const se = rv / Math.sqrt(2 * 21);
  const hedge = o.hedge ?? { schedule: "daily", bandShares: 0, costBps: 1 };
  const expectedPnl = Math.abs(netVega) * edge;
  const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
  const basis =
    `model, not a backtest: |net vega| x ${qty < 0 ? "(IV - RV)" : "(RV - IV)"} = ${
      Math.abs(netVega).toFixed(0)
    } x (${qty < 0 ? `${pct(ivAtm)} - ${pct(rv)}` : `${pct(rv)} - ${pct(ivAtm)}`}), USD to ` +
    `expiry ${expiry} if the realised vol until then equals the trailing 21-session one; ` +
    `before costs`;
  const b = o.backtest;
  return OptionsDeliverableSchema.parse({
    sleeve: "options",
    as_of: asOf,
    generated_at: (o.now ?? new Date()).toISOString(),
    strategies: qty === 0 ? [] : [{
      underlier: o.underlier ?? "SPY",
      type: qty < 0 ? "short_straddle" : "long_straddle",
      expiry,
      legs: legs.map((l) => ({ ...l, quantity: qty })),
      quantity: qty,
      multiplier: mult,
      target_vega: targetVega,
      implied_vol: ivAtm,
      realised_vol: rv,
      expected_pnl: expectedPnl,
      expected_pnl_basis: basis,
      confidence: se > 0 ? normCdf(edge / se) : 0.5,
      backtest: b
        ? {
          description: b.description,
          start: b.start,
          end: b.end,
          sessions: b.sessions,
          pnl_after_costs: b.pnlAfterCosts,
          option_costs: b.optionCosts,
          hedge_costs: b.hedgeCosts,
        }
        : null,
      ...optionsRecommendation(expectedPnl, b),
      hedge_rules: {
        instrument: o.underlier ?? "SPY",
        schedule: hedge.schedule,
        band_shares: hedge.bandShares,
        cost_bps: hedge.costBps,
      },
    }],
    risk: {
      net_vega: netVega,
      net_gamma: netGamma,
      vega_cap: vegaCap,
      gamma_cap: gammaCap,
      within_caps: Math.abs(netVega) <= vegaCap && Math.abs(netGamma) <= gammaCap,
    },
  });
}
