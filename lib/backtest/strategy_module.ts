/**
 * Strategies a backtest spec can name: the built-ins (`momentum`, `overnight`, `ma_cross`,
 * `mean_reversion`, `buy_and_hold`) or a path to the user's own module. Every strategy is a
 * {@link StrategyModule}: a zod schema of its parameters and a factory.
 *
 * A user module (TypeScript or JavaScript) exports:
 *
 * ```ts ignore
 * import { z } from "zod";
 * import type { StrategyInput, Strategy } from "<workbench>/lib/backtest/mod.ts";
 * // Parameters of one configuration; each grid entry of a spec is validated against it.
 * export const params = z.object({ period: z.number().int().min(2).default(14) });
 * // Called once per configuration with the validated parameters (defaults filled in).
 * export function createStrategy(input: StrategyInput, p: z.infer<typeof params>): Strategy {
 *   return { onBar(ctx) { ... } };
 * }
 * // Optional one-line description printed by the backtest task.
 * export const description = "...";
 * ```
 *
 * `tasks/specs/strategies/rsi_reversal.ts` is a documented example. The schema is the one list
 * of a strategy's options (names, types, ranges and defaults): grid keys that are not among its
 * parameters are refused with the nearest one (`grid.lookbak: unknown option for momentum (did
 * you mean "lookback"?)`, or the list when none is close), so a typo never silently falls back
 * to a default.
 */

import { z } from "zod";
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { unknownOptionMessage } from "../core/suggest.ts";
import { sma } from "../features/technical.ts";
import type { Strategy } from "./engine.ts";
import { type BarPanel, panelMissingOpens } from "./panel.ts";
import {
  type MomentumParams,
  momentumTargets,
  type OvernightParams,
  overnightStrategy,
  targetStrategy,
} from "./strategies.ts";

/** What a strategy factory receives besides its parameters. */
export interface StrategyInput {
  /** The bars (raw prices; execution happens on these). */
  panel: BarPanel;
  /**
   * Closes adjusted for the corporate actions the engine applies (splits and dividends, see
   * `adjustedCloses`), symbol-major like the panel: use them for signals so that a split is not
   * read as a crash. Equal to `panel.close` when there are none.
   */
  adjustedClose: Float64Array;
}

/** A strategy as a spec uses it: a parameter schema and a factory. */
export interface StrategyModule {
  /** zod schema of one configuration's parameters (an object schema). */
  params: z.ZodType;
  /** Build the strategy for one configuration (parameters parsed by `params`). */
  createStrategy(input: StrategyInput, params: Record<string, unknown>): Strategy;
  /** One line saying what it does. */
  description?: string;
}

const int = (min: number) => z.number().int().min(min);
const pos = z.number().finite().positive();

/**
 * Target weights from per-symbol states, emitted only where a symbol's state changes (NaN
 * elsewhere, so positions are not re-traded for price drift); state s -> weight s * w.
 */
function stateTargets(
  panel: BarPanel,
  w: number,
  step: (sym: number, t: number, state: number) => number,
): Float64Array {
  const nSym = panel.symbols.length, nBars = panel.tsMs.length;
  const out = new Float64Array(nSym * nBars).fill(NaN);
  for (let s = 0; s < nSym; s++) {
    let state = 0;
    for (let t = 0; t < nBars; t++) {
      const next = step(s, t, state);
      if (next !== state) out[s * nBars + t] = next * w;
      state = next;
    }
  }
  return out;
}

function symbolSeries(a: Float64Array, s: number, nBars: number): Float64Array {
  return a.subarray(s * nBars, (s + 1) * nBars);
}

/**
 * Moving-average cross on each symbol's adjusted closes: long (weight / nSym) while
 * SMA(fast) > SMA(slow), short (or flat with `longOnly`) while SMA(fast) < SMA(slow), equal
 * keeps the state; SMA(n) at bar t is the mean of the n adjusted closes up to t (none before n
 * closes). Equal means within {@link MA_TIE} of the larger average: averages that are equal as
 * numbers (e.g. SMA(10) = SMA(50) = 9.05) come out of floating-point sums a few units in the
 * last place apart, and must not decide a trade by that rounding. Decided at the close of bar t, traded at bar t + 1 (its open, or its close on
 * close-only data) and sized at that fill price: shares = floor(weight / nSym x equity / fill
 * price) - position (whole lots; equity of the close before the fill, so a flat book with
 * weight 1 buys floor(cash / open) shares), then cut, if need be, to what the spec's
 * `maxGrossLeverage` allows (default 1: costs never push cash below zero). Orders are sent only
 * when the state changes; an exit sells the whole position.
 */
/**
 * Relative tolerance under which ma_cross takes its two averages as equal: |f - l| <=
 * 1e-12 x max(|f|, |l|). Rounding of a running mean is ~1e-16 x window relative; two averages of
 * cent prices that truly differ differ by at least 0.01 / (fast x slow) of a price, far above it.
 */
export const MA_TIE = 1e-12;

const maCross: StrategyModule = {
  description: "moving-average cross: long while SMA(fast) > SMA(slow) (short or flat below)",
  params: z.strictObject({
    fast: int(1).default(20),
    slow: int(2).default(100),
    longOnly: z.boolean().default(true),
    weight: pos.default(1),
  }).refine((p) => p.fast < p.slow, { message: "fast must be < slow", path: ["fast"] }),
  createStrategy({ panel, adjustedClose }, raw) {
    const p = raw as { fast: number; slow: number; longOnly: boolean; weight: number };
    const nBars = panel.tsMs.length;
    const fast: Float64Array[] = [], slow: Float64Array[] = [];
    panel.symbols.forEach((_, s) => {
      const x = symbolSeries(adjustedClose, s, nBars);
      fast.push(sma(x, p.fast));
      slow.push(sma(x, p.slow));
    });
    const targets = stateTargets(panel, p.weight / panel.symbols.length, (s, t, state) => {
      const f = fast[s]![t]!, l = slow[s]![t]!;
      if (!(Number.isFinite(f) && Number.isFinite(l))) return state;
      // equal averages that rounding made unequal are equal (module doc: MA_TIE)
      const tol = MA_TIE * Math.max(Math.abs(f), Math.abs(l));
      return f - l > tol ? 1 : l - f > tol ? (p.longOnly ? 0 : -1) : state;
    });
    return targetStrategy(panel, targets, { kind: "weight", sizeAt: "fill" });
  },
};

/**
 * Mean reversion on each symbol's adjusted closes: z_t = (x_t - SMA_n(x)_t) / SD_n(x)_t (ddof
 * 1 over the same n closes); enter long (weight / nSym) when z < -entryZ and hold until
 * z >= -exitZ; enter short when z > entryZ (unless `longOnly`) and hold until z <= exitZ.
 * Traded and sized like `ma_cross`: at the next bar, shares = floor(weight / nSym x equity /
 * fill price) - position, within `maxGrossLeverage`.
 */
const meanReversion: StrategyModule = {
  description:
    "mean reversion: long below -entryZ standard deviations from the mean, exit at -exitZ",
  params: z.strictObject({
    lookback: int(2).default(20),
    entryZ: pos.default(1),
    exitZ: z.number().finite().min(0).default(0),
    longOnly: z.boolean().default(false),
    weight: pos.default(1),
  }).refine((p) => p.exitZ < p.entryZ, { message: "exitZ must be < entryZ", path: ["exitZ"] }),
  createStrategy({ panel, adjustedClose }, raw) {
    const p = raw as {
      lookback: number;
      entryZ: number;
      exitZ: number;
      longOnly: boolean;
      weight: number;
    };
    const nBars = panel.tsMs.length, n = p.lookback;
    const targets = stateTargets(panel, p.weight / panel.symbols.length, (s, t, state) => {
      if (t < n - 1) return state;
      const x = adjustedClose;
      let m = 0;
      for (let k = t - n + 1; k <= t; k++) m += x[s * nBars + k]!;
      m /= n;
      let ss = 0;
      for (let k = t - n + 1; k <= t; k++) ss += (x[s * nBars + k]! - m) ** 2;
      const z = (x[s * nBars + t]! - m) / Math.sqrt(ss / (n - 1));
      if (!Number.isFinite(z)) return state;
      if (state === 1) return z >= -p.exitZ ? 0 : 1;
      if (state === -1) return z <= p.exitZ ? 0 : -1;
      if (z < -p.entryZ) return 1;
      if (z > p.entryZ && !p.longOnly) return -1;
      return 0;
    });
    return targetStrategy(panel, targets, { kind: "weight", sizeAt: "fill" });
  },
};

/**
 * Buy and hold, the benchmark: at the close of each symbol's first bar with a close, a market
 * order for weight / nSym of equity in it, filled at the next bar (its open, or its close when
 * it has no open) and sized at that fill price: shares = floor(weight / nSym * equity / fill
 * price) (the engine's `orderTargetWeight` with `sizeAt: "fill"`, a notional order), then held
 * to the end of that symbol's data. No rebalancing. Sized at the fill, weight 1 never invests
 * more than the equity: sized on the signal close instead, a price rise between signal and
 * fill (a whole quarter on quarterly data) bought more than the equity with borrowed cash.
 *
 * Symbols that start at different dates: each is bought at its own first bar with weight / nSym
 * of the equity at that time, paid from the cash still uninvested; under the spec's default
 * `maxGrossLeverage` 1 an order larger than that cash is cut to it (counted as scaled in the
 * output). E.g. TTRC from 1985 and MSFT from 2000-09-27 with 1,000,000: TTRC gets 500,000 in
 * 1985; in 2000 half the equity (then about 6.3 million) is wanted for MSFT, but only the
 * 500,000 left in cash is spent. A symbol whose data ends before the panel's is sold at its last
 * close (engine: data end) and the proceeds stay in cash.
 */
const buyAndHold: StrategyModule = {
  description: "buy and hold (benchmark): equal weights bought after the first close, held",
  params: z.strictObject({ weight: pos.max(10).default(1) }),
  createStrategy({ panel }, raw) {
    const { weight } = raw as { weight: number };
    const nSym = panel.symbols.length, nBars = panel.tsMs.length;
    const targets = new Float64Array(nSym * nBars).fill(NaN);
    for (let s = 0; s < nSym; s++) {
      for (let t = 0; t < nBars; t++) {
        if (panel.close[s * nBars + t]! > 0) {
          targets[s * nBars + t] = weight / nSym;
          break;
        }
      }
    }
    return targetStrategy(panel, targets, { kind: "weight", sizeAt: "fill" });
  },
};

/** Names of the built-in strategies. */
export type BuiltinStrategyName =
  | "momentum"
  | "overnight"
  | "ma_cross"
  | "mean_reversion"
  | "buy_and_hold";

/** The built-in strategies by name. */
export const BUILTIN_STRATEGIES: Readonly<Record<BuiltinStrategyName, StrategyModule>> = {
  momentum: {
    description:
      "cross-sectional momentum: long the top quantile, short the bottom, on adjusted returns",
    params: z.strictObject({
      lookback: int(2).default(126),
      skip: int(0).default(21),
      quantile: z.number().gt(0).max(0.5).default(0.2),
      rebalanceEvery: int(1).default(21),
      gross: pos.default(1),
      longOnly: z.boolean().default(false),
    }).refine((p) => p.lookback > p.skip, {
      message: "lookback must be > skip",
      path: ["lookback"],
    }),
    createStrategy({ panel, adjustedClose }, p) {
      return targetStrategy(panel, momentumTargets(panel, p as MomentumParams, adjustedClose), {
        kind: "weight",
      });
    },
  },
  overnight: {
    description: "overnight timing on one symbol (needs opens: close-to-open holding)",
    params: z.strictObject({
      symbol: int(0).default(0),
      lookback: int(1).default(5),
      threshold: z.number().finite().min(0).default(0.5),
      volWindow: int(2).default(60),
      weight: pos.default(1),
      allowShort: z.boolean().default(true),
    }),
    createStrategy({ panel }, p) {
      const missing = panelMissingOpens(panel);
      if (missing > 0) {
        throw new RangeError(
          `Strategy overnight holds from the close to the next open, but ${missing} bars have no open (close-only data): choose another strategy`,
        );
      }
      if ((p.symbol as number) >= panel.symbols.length) {
        throw new RangeError(
          `Strategy overnight: symbol ${p.symbol} out of range (the panel has ${panel.symbols.length})`,
        );
      }
      const op = p as OvernightParams;
      return overnightStrategy(panel.day ? { ...op, day: panel.day } : op);
    },
  },
  ma_cross: maCross,
  mean_reversion: meanReversion,
  buy_and_hold: buyAndHold,
};
/** Built-in names, in the order of the docs. */
export const BUILTIN_STRATEGY_NAMES = Object.keys(BUILTIN_STRATEGIES) as BuiltinStrategyName[];

/**
 * A backtest spec that cannot run as written (unknown strategy, bad module, a grid value its
 * schema refuses, a cost model the data cannot support): the message names the spec field to
 * change. Tasks exit 2 on it.
 */
export class SpecError extends Error {
  override name = "SpecError";
}

/** Whether a spec's `strategy` names a module file rather than a built-in. */
export function isStrategyPath(s: string): boolean {
  return /\.(m?ts|m?js|tsx|jsx)$/i.test(s) || s.includes("/") || s.includes("\\");
}

/** Options of {@link loadStrategy}. */
export interface LoadStrategyOptions {
  /** Folder that relative module paths are resolved against (the spec file's). @default Deno.cwd() */
  baseDir?: string;
}

/**
 * The strategy a spec names: a built-in, or the module at a path (relative to `baseDir`).
 * @throws SpecError for an unknown name, a module that cannot be imported or that does
 *   not export `params` (zod) and `createStrategy` (function).
 */
export async function loadStrategy(
  strategy: string,
  o: LoadStrategyOptions = {},
): Promise<StrategyModule & { source: string }> {
  if (!isStrategyPath(strategy)) {
    const b = (BUILTIN_STRATEGIES as Record<string, StrategyModule>)[strategy];
    if (!b) {
      throw new SpecError(
        `strategy: unknown "${strategy}": expected one of ${
          BUILTIN_STRATEGY_NAMES.join(", ")
        } or a path to a strategy module (.ts/.js)`,
      );
    }
    return { ...b, source: `builtin:${strategy}` };
  }
  const path = isAbsolute(strategy) ? strategy : resolve(o.baseDir ?? Deno.cwd(), strategy);
  let mod: Record<string, unknown>;
  try {
    await Deno.stat(path);
  } catch {
    throw new SpecError(`strategy: module ${path} not found`);
  }
  try {
    mod = await import(pathToFileURL(path).href);
  } catch (e) {
    throw new SpecError(
      `strategy: cannot import ${path}: ${e instanceof Error ? e.message.split("\n")[0] : e}`,
    );
  }
  const params = mod.params as { safeParse?: unknown } | undefined;
  if (!params || typeof params.safeParse !== "function") {
    throw new SpecError(
      `strategy: ${path} must export \`params\`, a zod schema of the strategy's parameters`,
    );
  }
  if (typeof mod.createStrategy !== "function") {
    throw new SpecError(
      `strategy: ${path} must export \`createStrategy(input, params)\` returning a strategy`,
    );
  }
  return {
    params: mod.params as z.ZodType,
    createStrategy: mod.createStrategy as StrategyModule["createStrategy"],
    ...(typeof mod.description === "string" ? { description: mod.description } : {}),
    source: `module:${path}`,
  };
}

/** Keys of an object schema (unwrapping refinements, defaults, pipes), or null if unknown. */
function schemaKeys(schema: z.ZodType): string[] | null {
  // deno-lint-ignore no-explicit-any
  let s: any = schema;
  for (let k = 0; k < 8 && s; k++) {
    if (s.shape && typeof s.shape === "object") return Object.keys(s.shape);
    const def = s._zod?.def ?? s._def;
    s = def?.innerType ?? def?.in ?? def?.schema;
  }
  return null;
}

/**
 * Validate every grid configuration against a strategy's schema and return the parsed
 * parameters (defaults filled in), one per configuration.
 * @throws SpecError naming the configuration and the parameter, e.g.
 *   `grid.lookback = 1 (configuration {"lookback":1}): Too small: expected number to be >=2`,
 *   or an unknown one: `grid.lookbak: unknown option for momentum (did you mean "lookback"?)`.
 */
export function validateGrid(
  name: string,
  module: StrategyModule,
  configs: readonly Record<string, unknown>[],
): Record<string, unknown>[] {
  const keys = schemaKeys(module.params);
  return configs.map((cfg) => {
    if (keys) {
      const extra = Object.keys(cfg).filter((k) => !keys.includes(k));
      if (extra.length) {
        throw new SpecError(`grid.${extra[0]}: ${unknownOptionMessage(extra[0]!, name, keys)}`);
      }
    }
    const r = module.params.safeParse(cfg);
    if (!r.success) {
      const issue = r.error.issues[0]!;
      const field = issue.path.map(String).join(".");
      const value = field in cfg ? ` = ${JSON.stringify(cfg[field])}` : "";
      throw new SpecError(
        `grid.${field || "(all)"}${value} (configuration ${
          JSON.stringify(cfg)
        }) for strategy ${name}: ${issue.message}`,
      );
    }
    return r.data as Record<string, unknown>;
  });
}
