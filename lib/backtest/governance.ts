/**
 * Governance for single backtest runs: record the run as a trial of a research question in the
 * validation ledger (per-bar net-of-cost returns with their session dates), so that the deflated
 * Sharpe ratio and PBO of the question count it. `runSpec` does this for every configuration of
 * a grid; this helper is for runs made by hand (notebooks).
 */

import { type LedgerOptions, recordTrial, type RecordTrialResult } from "../validation/mod.ts";
import { returnsFromEquity } from "./returns.ts";
import type { BacktestResult } from "./engine.ts";

/** What identifies a backtest trial. */
export interface BacktestTrialInfo {
  question: string;
  params: Record<string, unknown>;
  /** @default "unknown" */
  codeVersion?: string;
  /** Identifier of the data read (manifest hash, sim seed...). */
  dataManifest: string;
}

/**
 * Record a backtest as a trial: returns r_t = E_t / E_{t-1} - 1 (net of all costs), periods =
 * the bars' UTC dates (ISO), 252 periods per year for daily bars.
 *
 * @example
 * ```ts ignore
 * await recordBacktestTrial(result, { question: "momentum", params: { lookback: 126 },
 *   dataManifest: "sim:seed=7" }, { store: memoryLedgerStore() });
 * ```
 */
export function recordBacktestTrial(
  result: BacktestResult,
  info: BacktestTrialInfo,
  options: LedgerOptions & { periodsPerYear?: number } = {},
): Promise<RecordTrialResult> {
  const { periodsPerYear, ...ledger } = options;
  return recordTrial({
    question: info.question,
    codeVersion: info.codeVersion ?? "unknown",
    dataManifest: info.dataManifest,
    params: info.params,
    returns: returnsFromEquity(result.equity),
    periods: Array.from(result.tsMs.subarray(1), (t) => new Date(t).toISOString().slice(0, 10)),
    ...(periodsPerYear ? { periodsPerYear } : {}),
  }, ledger);
}
