/**
 * The training data the model tests share: overnight labels on two years of the simulated
 * market's SPY (seed 3), four features, CPCV with 4 groups; `name` names the exported dataset.
 */
import type { TrainSpec } from "../../lib/models/train.ts";

/** `data` of a training spec on the simulated SPY (module doc). */
export function simSpyTrainData(name: string): TrainSpec["data"] {
  return {
    name,
    source: { kind: "sim-spy", seed: 3, start: "2021-01-04", end: "2022-12-30" },
    features: ["ret_intraday", "ret_overnight", "roc_5", "rsi_14"],
    label: { kind: "overnight" },
    trainEnd: "2021-12-31",
    frequency: "1d",
    cpcv: { groups: 4, testGroups: 2, embargoDays: 1 },
  };
}
