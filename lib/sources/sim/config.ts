/**
 * Configuration of a simulated world. A world is fully determined by `resolveWorldConfig(cfg)`:
 * the same resolved config gives byte-identical data.
 */

/** Strengths of the planted effects (0 = absent). Formulas in README.md and in each generator. */
export interface PlantedEffects {
  /**
   * Overnight predictor: correlation between SPY's standardized overnight return on day d and its
   * standardized open-to-close return on day d-1 (see spy.ts). Range [-1, 1]. @default 0.15
   */
  overnight?: number;
  /**
   * Cross-sectional momentum: extra daily expected return of a stock, in units of its own daily
   * idiosyncratic volatility, per unit cross-sectional z-score of its 12-1 month return
   * (see equities.ts). @default 0.04
   */
  momentum?: number;
  /**
   * News-sentiment drift: total extra return over the 5 sessions after an article, in units of the
   * stock's daily idiosyncratic volatility, per unit sentiment (+1/-1) (see news.ts). @default 0.8
   */
  sentiment?: number;
}

/** What to simulate. */
export interface WorldConfig {
  /** Seed of every random stream. @default 1 */
  seed?: number;
  /** First session date "YYYY-MM-DD". @default "2024-01-02" */
  start?: string;
  /** Last session date "YYYY-MM-DD"; also the simulated "today" of the server. @default "2024-03-28" */
  end?: string;
  /** Number of equities in the factor-model universe. @default 100 */
  equityCount?: number;
  /** Planted effect strengths; see {@link PlantedEffects}. */
  effects?: PlantedEffects;
  /** SPY price at the first open. @default 470 */
  spyStart?: number;
  /** FX pairs in OANDA notation. @default the six majors */
  fxPairs?: string[];
}

/** A config with every default filled in. */
export interface ResolvedWorldConfig {
  seed: number;
  start: string;
  end: string;
  equityCount: number;
  effects: Required<PlantedEffects>;
  spyStart: number;
  fxPairs: string[];
}

export const DEFAULT_FX_PAIRS = ["EUR_USD", "GBP_USD", "USD_JPY", "USD_CHF", "AUD_USD", "USD_CAD"];

export const DEFAULT_EFFECTS: Required<PlantedEffects> = {
  overnight: 0.15,
  momentum: 0.04,
  sentiment: 0.8,
};

/** Every planted strength zero: a world in which no strategy has an edge by construction. */
export const NULL_EFFECTS: Required<PlantedEffects> = { overnight: 0, momentum: 0, sentiment: 0 };

const ISO = /^\d{4}-\d{2}-\d{2}$/;

/** Fill defaults and validate. Throws RangeError on a bad value. */
export function resolveWorldConfig(cfg: WorldConfig = {}): ResolvedWorldConfig {
  const out: ResolvedWorldConfig = {
    seed: cfg.seed ?? 1,
    start: cfg.start ?? "2024-01-02",
    end: cfg.end ?? "2024-03-28",
    equityCount: cfg.equityCount ?? 100,
    effects: { ...DEFAULT_EFFECTS, ...(cfg.effects ?? {}) },
    spyStart: cfg.spyStart ?? 470,
    fxPairs: cfg.fxPairs ?? DEFAULT_FX_PAIRS,
  };
  if (!Number.isFinite(out.seed)) throw new RangeError(`Invalid seed ${out.seed}`);
  for (const k of ["start", "end"] as const) {
    if (!ISO.test(out[k])) throw new RangeError(`Invalid ${k} "${out[k]}": expected YYYY-MM-DD`);
  }
  if (out.end < out.start) throw new RangeError(`end ${out.end} is before start ${out.start}`);
  if (out.start < "2001-01-01" || out.end > "2035-12-31") {
    throw new RangeError(`Dates ${out.start}..${out.end} outside 2001..2035`);
  }
  if (!Number.isInteger(out.equityCount) || out.equityCount < 0 || out.equityCount > 2000) {
    throw new RangeError(`Invalid equityCount ${out.equityCount}: need an integer in 0..2000`);
  }
  if (Math.abs(out.effects.overnight) > 1) {
    throw new RangeError(`effects.overnight ${out.effects.overnight} must lie in [-1, 1]`);
  }
  for (const [k, v] of Object.entries(out.effects)) {
    if (!Number.isFinite(v)) throw new RangeError(`effects.${k} must be finite, got ${v}`);
  }
  if (!(out.spyStart > 0)) throw new RangeError(`spyStart must be > 0, got ${out.spyStart}`);
  return out;
}
