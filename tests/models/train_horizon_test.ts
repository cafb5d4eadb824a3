/**
 * Label horizon in the training loop's Sharpe / DSR (lib/models/train.ts module doc): h-session
 * labels are evaluated on non-overlapping periods and annualised with periodsPerYear / h. The
 * end-to-end case is checked against an independent numpy computation on R's EuStockMarkets
 * (tests/reference/models_horizon_sharpe.py -> tests/fixtures/models/horizon_sharpe.json).
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  barWord,
  evaluationPeriodsPerYear,
  nonOverlappingPeriods,
  runTraining,
  type TrainSpec,
} from "../../lib/models/train.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { memoryLedgerStore, readTrials, sharpeStats } from "../../lib/validation/mod.ts";

const FIX = new URL("../fixtures/models/", import.meta.url).pathname;
/** float64 sums in another order than numpy's pairwise sums */
const RTOL = 1e-9;

function close(a: number, b: number, what: string): void {
  assert(Math.abs(a - b) <= RTOL * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
}

Deno.test("nonOverlappingPeriods: hand-worked chains (h = 1 keeps all, h = 2 every other, gap restarts)", () => {
  const d = ["a", "b", "c", "d", "e", "f"];
  // h = 1: t1 of a date = t0 of the next -> every date
  assertEquals(
    nonOverlappingPeriods(d, { dates: d, t0: [0, 1, 2, 3, 4, 5], t1: [1, 2, 3, 4, 5, 6] }),
    [0, 1, 2, 3, 4, 5],
  );
  // h = 2 -> a, c, e
  assertEquals(
    nonOverlappingPeriods(d, { dates: d, t0: [0, 1, 2, 3, 4, 5], t1: [2, 3, 4, 5, 6, 7] }),
    [0, 2, 4],
  );
  // h = 2, a missing session between c (t0 2) and d (t0 4): the label of c is dropped (it would
  // span the gap), so the dates are a, b, d, e, f with t0 0, 1, 4, 5, 6: chain a, d, f
  const g = ["a", "b", "d", "e", "f"];
  assertEquals(
    nonOverlappingPeriods(g, { dates: g, t0: [0, 1, 4, 5, 6], t1: [2, 4, 6, 7, 8] }),
    [0, 2, 4],
  );
  // two symbols per date: the date's label ends at its latest row (symbol 2 of a ends at 3)
  assertEquals(
    nonOverlappingPeriods(["a", "b", "c", "d"], {
      dates: ["a", "a", "b", "b", "c", "c", "d", "d"],
      t0: [0, 0, 1, 1, 2, 2, 3, 3],
      t1: [2, 3, 3, 3, 4, 4, 5, 5],
    }),
    [0, 3],
  );
  assertEquals(nonOverlappingPeriods([], { dates: [], t0: [], t1: [] }), []);
  assertThrows(
    () => nonOverlappingPeriods(["a"], { dates: ["a"], t0: [0], t1: [NaN] }),
    RangeError,
    "t1 NaN",
  );
  assertThrows(
    () => nonOverlappingPeriods(["a"], { dates: ["z"], t0: [0], t1: [1] }),
    RangeError,
    "not in periods",
  );
});

Deno.test("evaluationPeriodsPerYear: sessions / h, overnight per session, triple barrier realised", () => {
  const n = { evaluated: 100, labelled: 400 };
  assertEquals(evaluationPeriodsPerYear({ kind: "forward_return", horizon: 5 }, 260, n), 52);
  assertEquals(evaluationPeriodsPerYear({ kind: "forward_return" }, 252, n), 252);
  assertEquals(evaluationPeriodsPerYear({ kind: "overnight" }, 252, n), 252);
  assertEquals(evaluationPeriodsPerYear({ kind: "triple_barrier" }, 252, n), 63);
  assertThrows(
    () => evaluationPeriodsPerYear({ kind: "forward_return", horizon: 0 }, 252, n),
    RangeError,
    "horizon",
  );
});

Deno.test("train: 5-session labels on EuStockMarkets: non-overlapping Sharpe x sqrt(52) and DSR inputs equal numpy's", async () => {
  const ref = JSON.parse(await Deno.readTextFile(`${FIX}horizon_sharpe.json`));
  const root = await Deno.makeTempDir({ prefix: "models_train_h5_" });
  try {
    await ingestBarsFile(`${FIX}eustockmarkets.csv`, {
      dataset: "eu_indices",
      kind: "series",
      wide: true,
      start: "1991-07-01",
      freq: "session",
      calendar: "weekdays",
      units: "index", // stock index levels (the weekdays calendar has no currency)
      root,
    });
    const store = memoryLedgerStore();
    const spec: TrainSpec = {
      name: "eu_long",
      question: "models-train-horizon",
      data: {
        name: "eu_h5",
        source: { source: "lake", dataset: "user/eu_indices" },
        features: ["roc_5", "roc_20", "rsi_14"],
        label: { kind: "forward_return", horizon: 5 },
        trainEnd: "1996-01-01",
        cpcv: { groups: 6, testGroups: 2, embargoDays: 5 },
      },
      // a ridge this stiff predicts the training mean (positive here): always long, no trading
      // after the first period, so no cost: the numpy reference's strategy exactly
      model: { kind: "ridge", grid: [{ alpha: 1e12 }] },
      costBps: 0,
      register: false,
    };
    const s = await runTraining(spec, { root, outDir: `${root}/export`, ledger: { store } });
    assertEquals(s.horizon, ref.horizon);
    assertEquals(s.labelDates, ref.labelled_dates);
    assertEquals(s.evaluationPeriods, ref.evaluated_periods);
    assertEquals(s.periodsPerYear, ref.periods_per_year);
    assertEquals(s.datasetPeriodsPerYear, 260);
    assertEquals(s.horizonUnit, "session");
    assertEquals(s.best.returns.length, ref.returns.length);
    s.best.returns.forEach((v, i) => close(v, ref.returns[i], `return ${i}`));
    close(s.best.sharpe, ref.sharpe, "per-period Sharpe");
    close(s.best.sharpeAnnualized, ref.sharpe_annualised, "annualised Sharpe");
    // not the overlapping figure the loop reported before (2.49 = about sqrt(5) x 1.04)
    assert(Math.abs(s.best.sharpeAnnualized - ref.overlapping_sharpe_annualised_x_sqrt260) > 1);
    // what the DSR gets: T, skew and kurtosis of the non-overlapping returns
    const st = sharpeStats(s.best.returns);
    assertEquals(st.observations, ref.evaluated_periods);
    close(st.skew, ref.skew, "skew");
    close(st.kurtosis, ref.kurtosis, "kurtosis");
    // the ledger trial carries those returns and 52 periods a year
    const trials = await readTrials("models-train-horizon", { store });
    assertEquals(trials.length, 1);
    assertEquals(trials[0]!.periodsPerYear, 52);
    assertEquals(trials[0]!.returns.length, ref.evaluated_periods);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("barWord: label periods named by the dataset's frequency", () => {
  assertEquals(
    ["session", "day", "1d", undefined, "week", "month", "quarter", "year", "30m"].map(barWord),
    ["session", "session", "session", "session", "week", "month", "quarter", "year", "bar"],
  );
});

Deno.test('train on monthly data: "1-month label periods", not sessions (trial 6 C)', async () => {
  const root = await Deno.makeTempDir({ prefix: "models_train_month_" });
  try {
    // 120 month-end closes of one symbol (1990-01..1999-12), a wavy uptrend.
    const lines = ["date,close"];
    for (let k = 0; k < 120; k++) {
      const y = 1990 + Math.floor(k / 12), m = (k % 12) + 1;
      const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
      lines.push(`${last},${(100 * Math.exp(0.01 * k + 0.05 * Math.sin(k))).toFixed(6)}`);
    }
    await Deno.writeTextFile(`${root}/m.csv`, lines.join("\n") + "\n");
    await ingestBarsFile(`${root}/m.csv`, {
      dataset: "m",
      kind: "series",
      symbol: "M",
      freq: "month",
      currency: "USD",
      units: "price",
      root,
    });
    const logged: string[] = [];
    const s = await runTraining({
      name: "m",
      question: "models-train-month",
      data: {
        name: "m1",
        source: { source: "lake", dataset: "user/m" },
        features: ["roc_5"],
        label: { kind: "forward_return", horizon: 1 },
        trainEnd: "1995-01-01",
        cpcv: { groups: 4, testGroups: 1, embargoDays: 31 },
      },
      model: { kind: "ridge", grid: [{ alpha: 1 }] },
      costBps: 0,
      register: false,
    }, {
      root,
      outDir: `${root}/export`,
      ledger: { store: memoryLedgerStore() },
      log: (m: string) => logged.push(m),
    });
    assertEquals(s.horizonUnit, "month");
    assertEquals(s.datasetPeriodsPerYear, 12);
    // 120 months - 5 (roc_5 warm-up) - 1 (the last has no next month) = 114 labelled dates
    const line = logged.find((l) => l.startsWith("evaluation:"));
    assertEquals(
      line,
      "evaluation: 114 non-overlapping 1-month label periods of 114 labelled dates, 12 a year",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
