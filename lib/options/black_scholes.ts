/**
 * Vectorised Black-Scholes-Merton prices and Greeks over {@link OptionColumns}.
 *
 * Model: dS = (r - q) S dt + sigma S dW under the pricing measure, continuous rate r and
 * dividend yield q, European exercise. With F = S exp((r - q) T), D = exp(-r T),
 * d1 = (ln(S/K) + (r - q + sigma^2/2) T) / (sigma sqrt T), d2 = d1 - sigma sqrt T:
 *   call = S exp(-qT) Phi(d1) - K exp(-rT) Phi(d2),  put = K exp(-rT) Phi(-d2) - S exp(-qT) Phi(-d1).
 * Black-76 on forwards is the case spot = forward, q = r (see `black76Columns`).
 *
 * Conventions: NaN in any input, a negative vol or t, or a non-positive spot or strike give NaN
 * for that element (never an exception). vol = 0 or t = 0 give the discounted intrinsic value.
 *
 * Implementation: `bsPrice` and `bsGreeks` run a WebAssembly kernel that evaluates two options
 * per step in f64x2 SIMD lanes (`wasm/black_scholes_kernel.ts`, AssemblyScript, built by
 * `deno task build-wasm`), over 2048-row chunks copied into its memory. The Greeks are a port,
 * operation for operation, of the scalar TypeScript kernels in `_black_scholes_scalar.ts` (which
 * the tests compare it with), with the same coefficient tables. Prices sort each chunk's rows by
 * the regime of the normalised Black function (erfcx difference, small-t Taylor series, or, for
 * y - t >= 4 sqrt 2, Cody's rational erfcx differenced term by term, which replaces the scalar
 * code's asymptotic series and Gauss-Laguerre quadrature) and run each regime two to eight rows
 * at a time; they agree with the scalar kernel within a few ulp times the conditioning and with
 * mpmath to the scalar code's tolerances. On the benchmark batch (bench/options_compare.ts, 1M
 * options: a third each in the erfcx, Taylor and far-tail regimes, 6 % with phi0 = 0) prices
 * took 31 ns per option (2.5x numpy + scipy) and the Greeks 53 ns (2.8x) on one core of this
 * shared machine at load 9; the kernel alone, in cache, 26 ns: about 17 in pass 1 (log, three
 * exps, three divisions and two square roots per pair), 6 in the Taylor rows, 3 in the far
 * tail, 2 in the erfcx rows. Floors: memory near 3.5 ns (copying the 57 input and output
 * bytes), the divider near 7 ns (about 2.4 f64x2 divisions and 1 square root per option, 5 and
 * 8 cycles of throughput each, at 2.1-3 GHz), and the arithmetic near 15-20 ns (about 150
 * SIMD instructions per option at 3 per cycle): the kernel is within 1.5x of them.
 *
 * @see Black, F., & Scholes, M. (1973). The pricing of options and corporate liabilities.
 *      J. Political Economy 81(3), 637-654. doi:10.1086/260062
 * @see Merton, R. C. (1973). Theory of rational option pricing. Bell J. Econ. 4(1), 141-183.
 *      doi:10.2307/3003143
 */
import { CALENDAR_DAYS_PER_YEAR } from "../core/mod.ts";
import { checkLengths, type OptionColumns } from "./option_columns.ts";
import { greeksKernel, priceKernel } from "./_wasm_kernel.ts";

/** Options for {@link bsPrice}. */
export interface BsPriceOptions {
  /**
   * Array to write the prices into (length = rows) instead of a new one; every element is
   * overwritten (reuse across batches saves the allocation and first-touch page faults).
   * @default a new array
   */
  out?: Float64Array;
}

/**
 * European option prices under Black-Scholes-Merton, one per row.
 *
 * Computed as discounted intrinsic (when in the money) plus D sqrt(F K) b(-|x|, s), with
 * x = ln(F/K), s = sigma sqrt T and b the normalised out-of-the-money Black call evaluated
 * without cancellation, so deep out-of-the-money and very short-dated prices keep full relative
 * precision (about 1e-15, or the conditioning limit ~ (x/s)^2 eps in the far tail).
 *
 * @example
 * ```ts
 * import { bsPrice, toOptionColumns } from "./mod.ts";
 * const o = toOptionColumns([{ spot: 42, strike: 40, t: 0.5, rate: 0.1, isCall: true }]);
 * bsPrice(o, new Float64Array([0.2]))[0]; // 4.759422... (Hull, Example 15.6)
 * ```
 */
export function bsPrice(
  o: OptionColumns,
  vol: Float64Array,
  options: BsPriceOptions = {},
): Float64Array {
  const n = checkLengths(o, "bsPrice", vol);
  if (options.out && options.out.length !== n) {
    throw new RangeError(
      `Cannot write prices: out has length ${options.out.length}, expected ${n} rows`,
    );
  }
  const out = options.out ?? new Float64Array(n);
  priceKernel(o, vol, out);
  return out;
}

/** Options for {@link bsGreeks}. */
export interface BsGreeksOptions {
  /**
   * Arrays to write the Greeks into (each of length = rows) instead of allocating five new ones;
   * every element is overwritten. Reusing them across batches saves the allocation and the
   * first-touch page faults of fresh memory (about 40 ns per option on 1M-option batches).
   * @default five new arrays
   */
  out?: Greeks;
}

/** Greeks of a batch of options; units in {@link bsGreeks}. */
export interface Greeks {
  delta: Float64Array;
  gamma: Float64Array;
  vega: Float64Array;
  theta: Float64Array;
  rho: Float64Array;
}

/**
 * Black-Scholes-Merton Greeks, one per row, in these units:
 * - delta = dV/dS (call exp(-qT) Phi(d1), put -exp(-qT) Phi(-d1));
 * - gamma = d2V/dS2 = exp(-qT) phi(d1) / (S sigma sqrt T);
 * - vega = dV/dsigma per 1.00 (100 vol points) change in sigma = S exp(-qT) phi(d1) sqrt T;
 *   divide by 100 for "per vol point" ({@link perVolPoint});
 * - theta = dV/dt per YEAR of calendar time passing (= -dV/dT):
 *   call -S exp(-qT) phi(d1) sigma / (2 sqrt T) - r K exp(-rT) Phi(d2) + q S exp(-qT) Phi(d1),
 *   put  -S exp(-qT) phi(d1) sigma / (2 sqrt T) + r K exp(-rT) Phi(-d2) - q S exp(-qT) Phi(-d1);
 *   use {@link thetaPerDay} for per-day figures;
 * - rho = dV/dr per 1.00 change in r (call K T exp(-rT) Phi(d2), put -K T exp(-rT) Phi(-d2));
 *   divide by 100 for per 1 % ({@link perVolPoint} works for that too).
 * The same conventions as QuantLib's AnalyticEuropeanEngine (theta per year, vega and rho per
 * unit), which the reference tests check against.
 *
 * At vol = 0 or t = 0 the limits are returned: in the money (theta (F - K) > 0) delta =
 * +-exp(-qT), gamma = vega = 0, theta and rho those of the discounted forward payoff; out of
 * or at the money all five are 0. Invalid inputs give NaN.
 *
 * @example
 * ```ts
 * import { bsGreeks, toOptionColumns } from "./mod.ts";
 * const o = toOptionColumns([{ spot: 49, strike: 50, t: 0.3846, rate: 0.05, isCall: true }]);
 * bsGreeks(o, new Float64Array([0.2])).delta[0]; // 0.5216 (Hull, Example 19.1)
 * ```
 */
export function bsGreeks(
  o: OptionColumns,
  vol: Float64Array,
  options: BsGreeksOptions = {},
): Greeks {
  const n = checkLengths(o, "bsGreeks", vol);
  const out = options.out;
  if (out) {
    for (const k of ["delta", "gamma", "vega", "theta", "rho"] as const) {
      if (out[k].length !== n) {
        throw new RangeError(
          `Cannot write Greeks: out.${k} has length ${out[k].length}, expected ${n} rows`,
        );
      }
    }
  }
  const delta = out ? out.delta : new Float64Array(n);
  const gamma = out ? out.gamma : new Float64Array(n);
  const vega = out ? out.vega : new Float64Array(n);
  const theta = out ? out.theta : new Float64Array(n);
  const rho = out ? out.rho : new Float64Array(n);
  greeksKernel(o, vol, [delta, gamma, vega, theta, rho]);
  return { delta, gamma, vega, theta, rho };
}

/** Options for {@link thetaPerDay}. */
export interface ThetaPerDayOptions {
  /**
   * Days per year the theta is spread over: 365 for calendar days (matches t in ACT/365 years),
   * 252 (TRADING_DAYS_PER_YEAR) for trading days.
   * @default CALENDAR_DAYS_PER_YEAR (365)
   */
  daysPerYear?: number;
}

/**
 * Theta per day from theta per year: theta / daysPerYear (a new array).
 *
 * @example
 * ```ts
 * thetaPerDay(new Float64Array([-3.65]))[0]; // -0.01
 * ```
 */
export function thetaPerDay(theta: Float64Array, options: ThetaPerDayOptions = {}): Float64Array {
  const d = options.daysPerYear ?? CALENDAR_DAYS_PER_YEAR;
  if (!(d > 0)) throw new RangeError(`Cannot scale theta: daysPerYear=${d} must be positive`);
  return theta.map((x) => x / d);
}

/**
 * Vega (or rho) per 1 point (0.01) from vega per 1.00: x / 100 (a new array).
 *
 * @example
 * ```ts
 * perVolPoint(new Float64Array([25]))[0]; // 0.25
 * ```
 */
export function perVolPoint(x: Float64Array): Float64Array {
  return x.map((v) => v / 100);
}
