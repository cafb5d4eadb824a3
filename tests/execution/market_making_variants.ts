/**
 * Exploration behind tests/execution/market_making_paper_test.ts: runs every variant of
 * {@linkcode simulateAvellanedaStoikov} (spread rule, mid process, fill reference, fill model,
 * quote clamp, terminal valuation) for gamma 0.1, 0.01 and 0.5 and prints each cell of
 * Avellaneda & Stoikov (2008) Tables 1-3 with its z-score against the paper:
 * (ours - paper) / SE, SE = sd sqrt(1 / paths + 1 / 1000) for means (the paper's figures carry
 * their own 1000-path error), sd sqrt((kurt - 1) / 4) sqrt(1 / paths + 1 / 1000) for standard
 * deviations (delta-method standard error of a sample standard deviation, kurt the raw sample
 * kurtosis of our paths) - the same SEs as the reproduction test.
 *
 * Usage: deno run -A tests/execution/market_making_variants.ts [--paths N] [--seed S] [--only LABEL]
 */
import {
  type SimulateAsOptions,
  simulateAvellanedaStoikov,
} from "../../lib/execution/market_making.ts";
import { kurtosis, PAPER_PATHS, PAPER_TABLES } from "./_as_paper_tables.ts";

const USAGE =
  "usage: deno run -A tests/execution/market_making_variants.ts [--paths N>=2] [--seed S] [--only LABEL]";

function parse(args: string[]): { paths: number; seed: number; only: string | null } {
  let paths = 20000, seed = 2008, only: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-h" || a === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    }
    const v = args[i + 1];
    if (a === "--paths" || a === "--seed") {
      const n = Number(v);
      if (v === undefined || !Number.isInteger(n) || (a === "--paths" && n < 2)) {
        console.error(`bad value for ${a}: ${v ?? "(missing)"}; ${USAGE}`);
        Deno.exit(2);
      }
      if (a === "--paths") paths = n;
      else seed = n;
      i++;
    } else if (a === "--only" && v !== undefined) {
      only = v;
      i++;
    } else {
      console.error(`unknown option ${a}; ${USAGE}`);
      Deno.exit(2);
    }
  }
  return { paths, seed, only };
}

/** The variants tried, by label. */
export const VARIANTS: Record<string, Omit<SimulateAsOptions, "gamma">> = {
  "default (stationary, binomial, after-move, bernoulli)": {},
  "full spread": { spreadRule: "full" },
  "quote-mid fills": { fillReference: "quote-mid" },
  "full spread, quote-mid fills": { spreadRule: "full", fillReference: "quote-mid" },
  "gaussian mid": { midProcess: "gaussian" },
  "full spread, gaussian mid": { spreadRule: "full", midProcess: "gaussian" },
  "quotes clamped at the mid": { quoteClamp: "mid" },
  "full spread, clamped": { spreadRule: "full", quoteClamp: "mid" },
  "poisson fills, clamped": { fillModel: "poisson", quoteClamp: "mid" },
  "full spread, poisson fills, clamped": {
    spreadRule: "full",
    fillModel: "poisson",
    quoteClamp: "mid",
  },
  "liquidate crossing the half spread": { terminal: "cross-half-spread" },
};

if (import.meta.main) {
  const { paths, seed, only } = parse(Deno.args);
  const se = (sd: number) => sd * Math.sqrt(1 / paths + 1 / PAPER_PATHS);
  const seSd = (sd: number, a: Float64Array) =>
    sd * Math.sqrt((kurtosis(a) - 1) / 4) * Math.sqrt(1 / paths + 1 / PAPER_PATHS);
  const f = (x: number, d = 2) => x.toFixed(d).padStart(7);
  const z = (x: number) => `(${x >= 0 ? "+" : ""}${x.toFixed(1)})`.padEnd(8);
  for (const [label, variant] of Object.entries(VARIANTS)) {
    if (only !== null && !label.includes(only)) continue;
    console.log(`\n== ${label}  [${paths} paths, seed ${seed}]`);
    for (const [g, table] of Object.entries(PAPER_TABLES)) {
      const r = simulateAvellanedaStoikov({ gamma: Number(g), paths, seed, ...variant });
      for (const strat of ["inventory", "symmetric"] as const) {
        const [sp, m, sd, q, sdq] = table[strat];
        const s = r[strat];
        console.log(
          `g=${g.padEnd(4)} ${strat.padEnd(9)} spread ${f(s.averageSpread)} [${sp}]` +
            ` profit ${f(s.profit)} [${m}] ${z((s.profit - m) / se(s.stdProfit))}` +
            ` sd ${f(s.stdProfit)} [${sd}] ${
              z((s.stdProfit - sd) / seSd(s.stdProfit, s.profits))
            }` +
            ` q ${f(s.finalQ, 3)} [${q}] ${z((s.finalQ - q) / se(s.stdFinalQ))}` +
            ` sdq ${f(s.stdFinalQ)} [${sdq}] ${
              z((s.stdFinalQ - sdq) / seSd(s.stdFinalQ, s.finalQs))
            }`,
        );
      }
    }
  }
}
