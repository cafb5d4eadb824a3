import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  annualizeSharpe,
  deflatedSharpe,
  expectedMaxSharpe,
  minTrackRecordLength,
  probabilisticSharpe,
  sharpeRatio,
  sharpeStats,
  sharpeStdError,
} from "../../lib/validation/sharpe.ts";

/** Closed-form values from independent scipy code: agree to rounding. */
const RTOL_REF = 1e-10;
/** Probabilities printed with 4 decimals in the paper. */
const ATOL_PAPER = 5e-5;
/** Hand-worked arithmetic. */
const ATOL_HAND = 1e-12;

const ref = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/validation/sharpe_reference.json", import.meta.url)),
);

Deno.test("sharpeRatio: hand-worked three-point series", () => {
  // mean = 0.02/3, deviations 1/300, -5/300, 4/300 -> ss = 42/90000, var = 21/90000
  const r = new Float64Array([0.01, -0.01, 0.02]);
  const expected = (0.02 / 3) / Math.sqrt(21 / 90000);
  assertAlmostEquals(sharpeRatio(r), expected, ATOL_HAND);
  assertAlmostEquals(sharpeRatio(r, { periodsPerYear: 252 }), expected * Math.sqrt(252), 1e-11);
  // ddof 0: var = 14/90000
  assertAlmostEquals(sharpeRatio(r, { ddof: 0 }), (0.02 / 3) / Math.sqrt(14 / 90000), ATOL_HAND);
  // risk-free shifts the mean only
  assertAlmostEquals(
    sharpeRatio(r, { riskFree: 0.01 }),
    (0.02 / 3 - 0.01) / Math.sqrt(21 / 90000),
    ATOL_HAND,
  );
});

Deno.test("sharpeRatio: empty, one observation, constant, bad value", () => {
  assert(Number.isNaN(sharpeRatio(new Float64Array())));
  assert(Number.isNaN(sharpeRatio(new Float64Array([0.01]))));
  assertEquals(sharpeRatio(new Float64Array([0, 0, 0])), 0);
  assertEquals(sharpeRatio(new Float64Array([0.01, 0.01, 0.01])), Infinity);
  assertEquals(sharpeRatio(new Float64Array([-0.01, -0.01])), -Infinity);
  assertThrows(() => sharpeRatio(new Float64Array([0.01, NaN])), RangeError, "index 1");
  assertThrows(() => sharpeRatio(new Float64Array([NaN, NaN])), RangeError);
});

Deno.test("sharpeRatio/sharpeStats: scipy reference series", () => {
  for (const s of ref.series) {
    const r = Float64Array.from(s.returns as number[]);
    assertAlmostEquals(sharpeRatio(r), s.sharpe, 0, s.name, RTOL_REF);
    assertAlmostEquals(
      sharpeRatio(r, { periodsPerYear: 252 }),
      s.sharpe_ann_252,
      0,
      s.name,
      RTOL_REF,
    );
    const st = sharpeStats(r);
    assertAlmostEquals(st.skew, s.skew, 0, s.name, RTOL_REF);
    assertAlmostEquals(st.kurtosis, s.kurtosis, 0, s.name, RTOL_REF);
    assertEquals(st.observations, r.length);
  }
});

Deno.test("sharpeRatio: scale invariant, input untouched", () => {
  const r = Float64Array.from(ref.series[0].returns as number[]);
  const copy = r.slice();
  const scaled = r.map((v) => v * 7.5);
  assertAlmostEquals(sharpeRatio(scaled), sharpeRatio(r), 0, "scale", 1e-12);
  assertEquals(r, copy);
  assertAlmostEquals(annualizeSharpe(0.1, 252), 0.1 * Math.sqrt(252), ATOL_HAND);
});

Deno.test("probabilisticSharpe / sharpeStdError: published formula via scipy", () => {
  for (const c of ref.psr) {
    const input = {
      sr: c.sr,
      observations: c.observations,
      skew: c.skew,
      kurtosis: c.kurtosis,
      benchmark: c.benchmark,
    };
    assertAlmostEquals(probabilisticSharpe(input), c.psr, 1e-15, JSON.stringify(input), RTOL_REF);
    assertAlmostEquals(sharpeStdError(input), c.se, 0, JSON.stringify(input), RTOL_REF);
  }
});

Deno.test("probabilisticSharpe: hand-worked and invariants", () => {
  // SR equal to the benchmark -> Phi(0) = 0.5
  assertAlmostEquals(
    probabilisticSharpe({ sr: 0.1, observations: 50, benchmark: 0.1 }),
    0.5,
    1e-15,
  );
  // normal returns, SR 0.1, T 101: z = 0.1 * 10 / sqrt(1.005)
  // Phi(1 / sqrt(1.005)) = 0.8407413278013518 (scipy.stats.norm.cdf)
  assertAlmostEquals(sharpeStdError({ sr: 0.1, observations: 101 }), Math.sqrt(1.005 / 100), 1e-15);
  assertAlmostEquals(
    probabilisticSharpe({ sr: 0.1, observations: 101 }),
    0.8407413278013518,
    1e-14,
  );
  // more observations -> more confidence when SR > SR*
  let prev = 0;
  for (const t of [10, 50, 100, 500, 1000]) {
    const p = probabilisticSharpe({ sr: 0.05, observations: t });
    assert(p > prev, `PSR should increase with T (T=${t})`);
    prev = p;
  }
  // negative skew and fat tails lower PSR
  const base = probabilisticSharpe({ sr: 0.1, observations: 252 });
  assert(probabilisticSharpe({ sr: 0.1, observations: 252, skew: -1 }) < base);
  assert(probabilisticSharpe({ sr: 0.1, observations: 252, kurtosis: 9 }) < base);
});

Deno.test("probabilisticSharpe: bad inputs", () => {
  assertThrows(() => probabilisticSharpe({ sr: 0.1, observations: 1 }), RangeError, ">= 2");
  assertThrows(() => probabilisticSharpe({ sr: 0.1, observations: NaN }), RangeError);
  assertThrows(() => probabilisticSharpe({ sr: 1, observations: 10, skew: 5 }), RangeError);
});

Deno.test("minTrackRecordLength: published formula via scipy, hand case, edges", () => {
  for (const c of ref.mintrl) {
    assertAlmostEquals(minTrackRecordLength(c), c.mintrl, 0, JSON.stringify(c), RTOL_REF);
  }
  // hand: 1 + 1.005 * (1.6448536269514722 / 0.1)^2
  assertAlmostEquals(
    minTrackRecordLength({ sr: 0.1 }),
    1 + 1.005 * (1.6448536269514722 / 0.1) ** 2,
    1e-9,
  );
  assertEquals(minTrackRecordLength({ sr: 0.1, benchmark: 0.1 }), Infinity);
  assertEquals(minTrackRecordLength({ sr: -0.1 }), Infinity);
  assertThrows(() => minTrackRecordLength({ sr: 0.1, confidence: 1 }), RangeError);
  assertThrows(() => minTrackRecordLength({ sr: NaN }), RangeError);
  // at T = MinTRL the PSR equals the confidence level (definition)
  const c = { sr: 0.08, skew: -0.7, kurtosis: 6, confidence: 0.95 };
  const t = minTrackRecordLength(c);
  assertAlmostEquals(probabilisticSharpe({ ...c, observations: t }), 0.95, 1e-12);
});

Deno.test("expectedMaxSharpe: formula values and closeness to the exact expected maximum", () => {
  for (const c of ref.expected_max) {
    const v = expectedMaxSharpe({ trials: c.trials, srVariance: 1 });
    assertAlmostEquals(v, c.formula, 0, `N=${c.trials}`, RTOL_REF);
    // the approximation is within 5% of the exact E[max] for N >= 10 (and 25% below)
    const rel = Math.abs(v - c.exact) / c.exact;
    assert(rel < (c.trials >= 10 ? 0.05 : 0.25), `N=${c.trials}: rel err ${rel}`);
    // scales with sqrt(V) and shifts with the mean
    assertAlmostEquals(
      expectedMaxSharpe({ trials: c.trials, srVariance: 4, srMean: 0.5 }),
      0.5 + 2 * c.formula,
      1e-12,
    );
  }
  assertEquals(expectedMaxSharpe({ trials: 1, srVariance: 1 }), 0);
  assertEquals(expectedMaxSharpe({ trials: 50, srVariance: 0 }), 0);
  assertThrows(() => expectedMaxSharpe({ trials: 0, srVariance: 1 }), RangeError);
  assertThrows(() => expectedMaxSharpe({ trials: 10, srVariance: -1 }), RangeError);
  assertThrows(() => expectedMaxSharpe({ trials: 10, srVariance: NaN }), RangeError);
});

Deno.test("deflatedSharpe: Bailey & Lopez de Prado (2014) worked example = 0.9004", () => {
  const e = ref.dsr_example;
  const dsr = deflatedSharpe({
    sr: 2.5 / Math.sqrt(250),
    trials: 100,
    srVariance: 0.5 / 250,
    observations: 1250,
    skew: -3,
    kurtosis: 10,
  });
  assertAlmostEquals(dsr, 0.9004, ATOL_PAPER, "paper value");
  assertAlmostEquals(dsr, e.dsr, 0, "scipy", RTOL_REF);
  assertAlmostEquals(
    expectedMaxSharpe({ trials: 100, srVariance: 0.5 / 250 }),
    0.1132,
    ATOL_PAPER,
    "paper SR0 per day",
  );
});

Deno.test("deflatedSharpe: one trial equals PSR, more trials deflate more", () => {
  const base = { sr: 0.08, srVariance: 0.001, observations: 500, skew: -0.4, kurtosis: 4 };
  assertAlmostEquals(
    deflatedSharpe({ ...base, trials: 1 }),
    probabilisticSharpe({ sr: 0.08, observations: 500, skew: -0.4, kurtosis: 4 }),
    1e-15,
  );
  let prev = 1;
  for (const n of [1, 2, 10, 100, 1000, 10000]) {
    const d = deflatedSharpe({ ...base, trials: n });
    assert(d < prev, `DSR must fall with N (N=${n})`);
    prev = d;
  }
});
