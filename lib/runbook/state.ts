/**
 * Lake datasets the runbook writes (zone `reference`, source `runbook`). Each has a natural key
 * that includes the run date, so rerunning a day rewrites the same rows: the lake writer sees
 * identical content and records a no-op.
 *
 * | dataset | grain (one row per) |
 * | --- | --- |
 * | `predictions` | date, model, symbol: score, target weight, rank |
 * | `pnl` | date, model: gross, cost and net return of the model's book, turnover |
 * | `drift` | date, kind (feature/prediction), name: PSI, KL, KS, status |
 * | `tripwires` | date, tripwire: value, threshold, fired, status, detail |
 * | `runs` | date: champion, challengers, symbols, fired tripwires, notification id |
 * | `promotions` | as_of, model: shadow weeks won, gate verdict, promoted |
 * | `fills` (input) | date, model, symbol: side, arrival and fill price, modelled cost |
 */
import type { DatasetSpec } from "../lake/mod.ts";

const base = { zone: "reference", source: "runbook", partitioning: "year" } as const;

/** Daily predictions and target weights of every model. */
export const PREDICTIONS: DatasetSpec = {
  ...base,
  dataset: "predictions",
  timeColumn: "date",
  naturalKey: ["date", "model", "symbol"],
  schema: {
    date: "date",
    model: "str",
    role: "str",
    symbol: "str",
    score: "f64",
    rank_pct: "f64",
    weight: "f64",
  },
};

/** Daily P&L of every model's book (shadow for challengers). */
export const PNL: DatasetSpec = {
  ...base,
  dataset: "pnl",
  timeColumn: "date",
  naturalKey: ["date", "model"],
  schema: {
    date: "date",
    model: "str",
    role: "str",
    ret_gross: "f64",
    ret_cost: "f64",
    ret_net: "f64",
    turnover: "f64",
  },
};

/** Daily drift of features and predictions against the training reference. */
export const DRIFT: DatasetSpec = {
  ...base,
  dataset: "drift",
  timeColumn: "date",
  naturalKey: ["date", "kind", "name"],
  schema: {
    date: "date",
    kind: "str",
    name: "str",
    psi: "f64",
    kl: "f64",
    ks: "f64",
    status: "str",
    reference_n: "i64",
    current_n: "i64",
  },
};

/** Tripwire states, fired or not. */
export const TRIPWIRES: DatasetSpec = {
  ...base,
  dataset: "tripwires",
  timeColumn: "date",
  naturalKey: ["date", "tripwire"],
  schema: {
    date: "date",
    tripwire: "str",
    value: "f64",
    threshold: "f64",
    fired: "bool",
    status: "str",
    detail: "str",
  },
};

/** One row per runbook day. */
export const RUNS: DatasetSpec = {
  ...base,
  dataset: "runs",
  timeColumn: "date",
  naturalKey: ["date"],
  schema: {
    date: "date",
    champion: "str",
    challengers: "str",
    symbols: "i64",
    latest_bar: "str",
    fired: "str",
    notification_id: "str",
  },
};

/** Promotion decisions after shadow trading. */
export const PROMOTIONS: DatasetSpec = {
  ...base,
  dataset: "promotions",
  timeColumn: "as_of",
  naturalKey: ["as_of", "model"],
  schema: {
    as_of: "date",
    model: "str",
    champion: "str",
    weeks: "i64",
    weeks_won: "i64",
    weeks_required: "i64",
    gate_verdict: "str",
    promoted: "bool",
    detail: "str",
  },
};

/** Executed fills (written by the execution side; read by the slippage tripwire). */
export const FILLS: DatasetSpec = {
  ...base,
  dataset: "fills",
  timeColumn: "date",
  naturalKey: ["date", "model", "symbol"],
  schema: {
    date: "date",
    model: "str",
    symbol: "str",
    side: "i32",
    arrival_px: "f64",
    fill_px: "f64",
    model_cost_bps: "f64",
  },
};
