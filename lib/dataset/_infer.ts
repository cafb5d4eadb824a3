/**
 * What a dataset is when its manifest does not say (written before manifests recorded the spec,
 * or by a pipeline without `meta`): inferred from the producer and the dataset name, the way the
 * vendor pipelines of lib/ingest lay them out.
 *
 * | dataset                                              | kind   | calendar | currency          | frequency |
 * | ---------------------------------------------------- | ------ | -------- | ----------------- | --------- |
 * | polygon/alpaca `*_bars_second/minute/day`            | bars   | nyse     | USD               | 1s/1m/session |
 * | oanda `fx_candles_<s5/m1/h1>`                        | bars   | fx       | quote of the pair | 5s/1m/1h  |
 * | fred `macro_observations`                            | series | none     | null              | irregular |
 * | polygon trades/quotes                                | table  | nyse     | USD               | irregular |
 * | workbench `option_minute_consolidated`               | table  | nyse     | USD               | 1m        |
 * | user datasets without meta (old ingest-file, NYSE-checked) | bars | nyse | USD            | session (date) or the data's spacing |
 * | anything else                                        | table  | none     | null              | irregular |
 */
import type { DatasetMeta } from "../lake/spec.ts";

/** Meta inferred from a producer and dataset name; null frequency: infer from the data. */
export function inferMeta(
  source: string,
  dataset: string,
  timeType: "date" | "ts_ms" | null,
): Omit<DatasetMeta, "frequency"> & { frequency: string | null } {
  const bars = dataset.match(/^(stock|index|option)_bars_(second|minute|day)$/);
  if (bars && (source === "polygon" || source === "alpaca")) {
    const f = bars[2] === "second" ? "1s" : bars[2] === "minute" ? "1m" : "session";
    return { kind: "bars", calendar: "nyse", currency: "USD", frequency: f };
  }
  const fx = dataset.match(/^fx_candles_([smhd])(\d+)$/);
  if (fx && source === "oanda") {
    const unit = fx[1] === "d" ? "session" : `${fx[2]}${fx[1]}`;
    return { kind: "bars", calendar: "fx", currency: null, frequency: unit };
  }
  if (source === "fred") {
    return { kind: "series", calendar: "none", currency: null, frequency: "irregular" };
  }
  if (source === "polygon" && (dataset === "trades" || dataset === "quotes")) {
    return { kind: "table", calendar: "nyse", currency: "USD", frequency: "irregular" };
  }
  if (source === "workbench" && dataset === "option_minute_consolidated") {
    return { kind: "table", calendar: "nyse", currency: "USD", frequency: "1m" };
  }
  if (source === "user") {
    return {
      kind: "bars",
      calendar: "nyse",
      currency: "USD",
      frequency: timeType === "date" ? "session" : null,
    };
  }
  return { kind: "table", calendar: "none", currency: null, frequency: "irregular" };
}

/** Quote currency of an FX pair written `EUR_USD`, `EUR/USD` or `EURUSD`, else null. */
export function quoteCurrency(pair: string): string | null {
  const m = pair.toUpperCase().match(/^([A-Z]{3})[_/]?([A-Z]{3})$/);
  return m ? m[2]! : null;
}

/**
 * Frequency of intraday data from the spacing of its stamps: the most common positive step
 * between consecutive stamps of one symbol, written as an interval (`30m`, `5s`, `1h`);
 * "irregular" when there are fewer than two stamps per symbol.
 */
export function inferInterval(symbols: string[], tsMs: Float64Array): string {
  const counts = new Map<number, number>();
  for (let i = 1; i < tsMs.length; i++) {
    if (symbols[i] !== symbols[i - 1]) continue;
    const d = tsMs[i]! - tsMs[i - 1]!;
    if (d > 0) counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  let step = 0, n = 0;
  for (const [d, c] of counts) if (c > n || (c === n && d < step)) [step, n] = [d, c];
  if (n === 0) return "irregular";
  if (step % 3_600_000 === 0) return `${step / 3_600_000}h`;
  if (step % 60_000 === 0) return `${step / 60_000}m`;
  if (step % 1000 === 0) return `${step / 1000}s`;
  return "irregular";
}
