/**
 * Column layout of a batch of European options, and builders from row objects.
 */

/**
 * A batch of European options as parallel typed columns (structure of arrays).
 * - `spot`: underlying spot price (or the forward for Black-76, see {@link black76Columns}).
 * - `strike`: strike price, same currency as spot.
 * - `t`: time to expiry in years (ACT/365 is the usual convention; the kernels only see years).
 * - `rate`: continuously compounded risk-free rate (0.05 = 5 % a year).
 * - `div`: continuous dividend yield (or foreign rate for FX, or `rate` for Black-76).
 * - `isCall`: 1 for a call, 0 for a put.
 */
export type OptionColumns = {
  spot: Float64Array;
  strike: Float64Array;
  t: Float64Array;
  rate: Float64Array;
  div: Float64Array;
  isCall: Uint8Array;
};

/** One option as a row object, for {@link toOptionColumns}. */
export interface OptionRow {
  spot: number;
  strike: number;
  /** Time to expiry in years. */
  t: number;
  /** Continuously compounded rate. @default 0 */
  rate?: number;
  /** Continuous dividend yield. @default 0 */
  div?: number;
  /** true / "call" / "C" for a call; false / "put" / "P" for a put. */
  isCall: boolean | "call" | "put" | "C" | "P";
}

function callFlag(v: OptionRow["isCall"], i: number): number {
  if (v === true || v === "call" || v === "C") return 1;
  if (v === false || v === "put" || v === "P") return 0;
  throw new TypeError(`Cannot build option columns: row ${i} has isCall=${String(v)}`);
}

/**
 * Build {@link OptionColumns} from row objects (rate and div default to 0).
 *
 * @example
 * ```ts
 * const o = toOptionColumns([{ spot: 100, strike: 105, t: 0.5, rate: 0.03, isCall: "call" }]);
 * o.strike[0]; // 105
 * ```
 */
export function toOptionColumns(rows: readonly OptionRow[]): OptionColumns {
  const n = rows.length;
  const o = emptyOptionColumns(n);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    o.spot[i] = r.spot;
    o.strike[i] = r.strike;
    o.t[i] = r.t;
    o.rate[i] = r.rate ?? 0;
    o.div[i] = r.div ?? 0;
    o.isCall[i] = callFlag(r.isCall, i);
  }
  return o;
}

/** Zero-filled columns of length n. */
export function emptyOptionColumns(n: number): OptionColumns {
  return {
    spot: new Float64Array(n),
    strike: new Float64Array(n),
    t: new Float64Array(n),
    rate: new Float64Array(n),
    div: new Float64Array(n),
    isCall: new Uint8Array(n),
  };
}

/**
 * Columns for Black-76 options on a forward or future: Black-76 is Black-Scholes-Merton with
 * spot := forward and dividend yield := rate (the forward does not drift under the measure),
 * so every kernel here prices Black-76 when given these columns.
 *
 * @see Black, F. (1976). The pricing of commodity contracts. J. Financial Economics 3, 167-179.
 *      doi:10.1016/0304-405X(76)90024-6
 * @example
 * ```ts
 * const o = black76Columns({ forward: new Float64Array([100]), strike: new Float64Array([100]),
 *   t: new Float64Array([1]), rate: new Float64Array([0.02]), isCall: new Uint8Array([1]) });
 * o.div[0]; // 0.02
 * ```
 */
export function black76Columns(
  c: {
    forward: Float64Array;
    strike: Float64Array;
    t: Float64Array;
    rate: Float64Array;
    isCall: Uint8Array;
  },
): OptionColumns {
  return {
    spot: c.forward,
    strike: c.strike,
    t: c.t,
    rate: c.rate,
    div: c.rate,
    isCall: c.isCall,
  };
}

/** Throws RangeError unless every column has the length of `spot` (and of `extra`). */
export function checkLengths(
  o: OptionColumns,
  what: string,
  ...extra: ArrayLike<number>[]
): number {
  const n = o.spot.length;
  const cols: [string, ArrayLike<number>][] = [
    ["strike", o.strike],
    ["t", o.t],
    ["rate", o.rate],
    ["div", o.div],
    ["isCall", o.isCall],
  ];
  extra.forEach((e, i) => cols.push([`argument ${i + 2}`, e]));
  for (const [name, c] of cols) {
    if (c.length !== n) {
      throw new RangeError(
        `Cannot run ${what}: column ${name} has length ${c.length}, spot has ${n}`,
      );
    }
  }
  return n;
}
