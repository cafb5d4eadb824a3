/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", Quantitative
 * Finance 8(3), 217-224, section 4, Tables 1-3: 1000 simulations each with s = 100, T = 1,
 * sigma = 2, dt = 0.005, q0 = 0, k = 1.5, A = 140. Row: [average spread, mean profit,
 * std(profit), mean final q, std(final q)]. Transcribed from the paper (Table 1: gamma = 0.1,
 * Table 2: gamma = 0.01, Table 3: gamma = 0.5); the brief of issue #22 quotes the same figures.
 */
export type PaperRow = [
  spread: number,
  profit: number,
  stdProfit: number,
  finalQ: number,
  stdFinalQ: number,
];

/** Monte Carlo paths behind each table of the paper. */
export const PAPER_PATHS = 1000;

/** Tables 1-3 by gamma. */
export const PAPER_TABLES: Record<
  string,
  { table: number; inventory: PaperRow; symmetric: PaperRow }
> = {
  "0.1": {
    table: 1,
    inventory: [1.29, 62.94, 5.89, 0.10, 2.80],
    symmetric: [1.29, 67.21, 13.43, -0.018, 8.66],
  },
  "0.01": {
    table: 2,
    inventory: [1.33, 66.78, 8.76, -0.02, 4.70],
    symmetric: [1.33, 67.36, 13.40, -0.31, 8.65],
  },
  "0.5": {
    table: 3,
    inventory: [1.15, 33.92, 4.72, -0.02, 1.88],
    symmetric: [1.15, 66.20, 14.53, 0.25, 9.06],
  },
};

/** Raw sample kurtosis m4 / m2^2 (normal = 3), for the standard error of a standard deviation. */
export function kurtosis(a: Float64Array): number {
  const n = a.length;
  const m = a.reduce((s, v) => s + v, 0) / n;
  let m2 = 0, m4 = 0;
  for (const v of a) {
    const d = (v - m) ** 2;
    m2 += d;
    m4 += d * d;
  }
  return (m4 / n) / (m2 / n) ** 2;
}
