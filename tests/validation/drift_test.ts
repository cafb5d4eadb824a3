import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import {
  binEdges,
  binSamples,
  driftReport,
  klDivergence,
  ksPValue,
  ksStatistic,
  psi,
  rollingDrift,
} from "../../lib/validation/drift.ts";
import { Rng } from "../../lib/core/mod.ts";

/** Same formulas as the scipy script, summed in a different order. */
const RTOL_REF = 1e-10;
const ATOL_HAND = 1e-12;

const ref = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/validation/drift_reference.json", import.meta.url)),
);

Deno.test("psi/kl: hand-worked quartile bins with an empty bin", () => {
  // reference 1..8: quartile edges at type-7 positions 1.75, 3.5, 5.25 -> 2.75, 4.5, 6.25
  const r = [1, 2, 3, 4, 5, 6, 7, 8];
  const c = [1, 1, 1, 2, 5, 6, 7, 8];
  assertEquals(Array.from(binEdges(r, { bins: 4 })), [2.75, 4.5, 6.25]);
  // current counts 4, 0, 2, 2 -> 0.5, 0 -> 1e-4, 0.25, 0.25, renormalised by 1.0001
  const cp = [0.5 / 1.0001, 1e-4 / 1.0001, 0.25 / 1.0001, 0.25 / 1.0001];
  const b = binSamples(r, c, { bins: 4 });
  for (let i = 0; i < 4; i++) {
    assertAlmostEquals(b.current[i]!, cp[i]!, ATOL_HAND);
    assertAlmostEquals(b.reference[i]!, 0.25, ATOL_HAND);
  }
  const expectedPsi = cp.reduce((s, v) => s + (v - 0.25) * Math.log(v / 0.25), 0);
  const expectedKl = cp.reduce((s, v) => s + v * Math.log(v / 0.25), 0);
  assertAlmostEquals(psi(r, c, { bins: 4 }), expectedPsi, ATOL_HAND);
  assertAlmostEquals(klDivergence(r, c, { bins: 4 }), expectedKl, ATOL_HAND);
  // ~ 0.25 ln 2 + 0.25 ln(2500): the empty bin dominates, as the epsilon convention says
  assert(Math.abs(expectedPsi - (0.25 * Math.log(2) + 0.2499 * Math.log(2500))) < 1e-3);
});

Deno.test("psi/kl: identical samples give 0, right-closed bins", () => {
  const r = [1, 2, 3, 4];
  assertAlmostEquals(psi(r, r, { bins: 2 }), 0, ATOL_HAND);
  assertAlmostEquals(klDivergence(r, r, { bins: 2 }), 0, ATOL_HAND);
  // a value equal to an edge falls in the lower bin
  const b = binSamples([1, 2, 3], [2, 2], { bins: 2 }); // edge at 2
  assertAlmostEquals(b.current[0]!, 1 / 1.0001, ATOL_HAND);
});

Deno.test("psi/kl/ks: numpy/scipy reference cases", () => {
  for (const c of ref.cases) {
    const o = { bins: c.bins, binning: c.binning, epsilon: c.epsilon };
    const b = binSamples(c.reference, c.current, o);
    assertEquals(b.edges.length, c.edges.length, c.name);
    for (let i = 0; i < c.edges.length; i++) {
      assertAlmostEquals(b.edges[i]!, c.edges[i], 1e-14, c.name, 1e-14);
    }
    for (let i = 0; i < c.ref_props.length; i++) {
      assertAlmostEquals(b.reference[i]!, c.ref_props[i], 1e-15, c.name, RTOL_REF);
      assertAlmostEquals(b.current[i]!, c.cur_props[i], 1e-15, c.name, RTOL_REF);
    }
    assertAlmostEquals(psi(c.reference, c.current, o), c.psi, 1e-15, `${c.name} psi`, RTOL_REF);
    assertAlmostEquals(
      klDivergence(c.reference, c.current, o),
      c.kl,
      1e-15,
      `${c.name} kl`,
      RTOL_REF,
    );
    assertAlmostEquals(ksStatistic(c.reference, c.current), c.ks, ATOL_HAND, `${c.name} ks`);
    const p = ksPValue(c.ks, { referenceSize: c.reference.length, currentSize: c.current.length });
    assertAlmostEquals(p, c.ks_pvalue, 1e-15, `${c.name} p`, 1e-8);
  }
  for (const s of ref.kolmogorov_sf) {
    // sizes 32 and 32 give en = 16, so the p-value is Q_KS(4 D)
    const p = ksPValue(s.x / 4, { referenceSize: 32, currentSize: 32 });
    assertAlmostEquals(p, s.sf, 1e-12, `Q_KS(${s.x})`, 1e-9);
  }
});

Deno.test("ksStatistic: hand-worked, ties, monotone invariance", () => {
  assertAlmostEquals(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]), 0.5, ATOL_HAND);
  assertAlmostEquals(ksStatistic([1, 2, 2, 3], [2, 2, 2, 2]), 0.25, ATOL_HAND);
  assertAlmostEquals(ksStatistic([1, 2], [10, 20]), 1, ATOL_HAND);
  assertAlmostEquals(ksStatistic([5], [5]), 0, ATOL_HAND);
  const rng = new Rng(3);
  const a = rng.normals(200), b = rng.normals(150).map((v) => v + 0.2);
  const d = ksStatistic(a, b);
  assertAlmostEquals(ksStatistic(a.map(Math.exp), b.map(Math.exp)), d, ATOL_HAND);
  assertAlmostEquals(ksStatistic(b, a), d, ATOL_HAND);
  assertEquals(ksPValue(0, { referenceSize: 10, currentSize: 10 }), 1);
  assertThrows(() => ksPValue(1.5, { referenceSize: 10, currentSize: 10 }), RangeError);
});

Deno.test("drift: one observation, constant series, empty, all-NaN, bad value", () => {
  assertAlmostEquals(psi([5], [5]), 0, ATOL_HAND);
  // constant reference: edges merge to [5]; a constant current at 6 lands in the open upper bin
  assertEquals(Array.from(binEdges([5, 5, 5, 5])), [5]);
  const shifted = psi([5, 5, 5, 5], [6, 6, 6]);
  assertAlmostEquals(shifted, 2 * (1 - 1e-4) / 1.0001 * Math.log(1 / 1e-4), 1e-9);
  assertThrows(() => psi([], [1]), RangeError, "reference sample is empty");
  assertThrows(() => psi([1], []), RangeError, "current sample is empty");
  assertThrows(() => psi([NaN, NaN], [1]), RangeError, "index 0");
  assertThrows(() => psi([1, 2], [1, Infinity]), RangeError, "current value at index 1");
  assertThrows(() => ksStatistic([1, NaN], [1]), RangeError);
  assertThrows(() => psi([1, 2], [1], { bins: 0 }), RangeError, "bins");
  assertThrows(() => psi([1, 2], [1], { epsilon: 0 }), RangeError, "epsilon");
});

Deno.test("drift: invariants (non-negative, PSI = KL both ways, input untouched)", () => {
  const rng = new Rng(5);
  const a = rng.normals(500), b = rng.normals(400).map((v) => 1.3 * v + 0.1);
  const aCopy = a.slice();
  const p = psi(a, b), k = klDivergence(a, b);
  assert(p > 0 && k > 0);
  // PSI = KL(c||r) + KL(r||c) on the same (reference) bins
  const bs = binSamples(a, b);
  let rc = 0;
  for (let i = 0; i < bs.reference.length; i++) {
    rc += bs.reference[i]! * Math.log(bs.reference[i]! / bs.current[i]!);
  }
  assertAlmostEquals(p, k + rc, 1e-12);
  assertEquals(a, aCopy);
  // larger shifts give larger PSI
  let prev = -1;
  for (const shift of [0, 0.25, 0.5, 1, 2]) {
    const v = psi(a, a.map((x) => x + shift));
    assert(v > prev, `PSI should grow with the shift (${shift})`);
    prev = v;
  }
});

Deno.test("driftReport: status thresholds, missing values counted, predictions", () => {
  const rng = new Rng(9);
  const base = rng.normals(2000);
  const cur = rng.normals(2000);
  const x = Array.from(base);
  x[3] = NaN;
  const rows = driftReport(
    { same: x, moved: base, prediction: base },
    { same: cur, moved: cur.map((v) => v + 1), prediction: cur.map((v) => v + 0.4) }, // PSI ~ 0.4^2
  );
  assertEquals(rows.map((r) => r.feature), ["same", "moved", "prediction"]);
  assertEquals(rows[0]!.status, "stable");
  assertEquals(rows[0]!.referenceMissing, 1);
  assertEquals(rows[0]!.referenceCount, 1999);
  assertEquals(rows[1]!.status, "significant");
  assert(rows[1]!.ksPValue < 1e-10);
  assertEquals(rows[2]!.status, "moderate");
  // configurable thresholds
  const strict = driftReport({ p: base }, { p: cur.map((v) => v + 0.25) }, {
    thresholds: { moderate: 0.005, significant: 0.02 },
  });
  assertEquals(strict[0]!.status, "significant");
  assertThrows(() => driftReport({ a: [1, 2] }, {}), RangeError, "missing from the current");
  assertThrows(() => driftReport({ a: [NaN, NaN] }, { a: [1] }), RangeError, "no finite values");
});

Deno.test("rollingDrift: windows over the current series", () => {
  const r = Array.from({ length: 400 }, (_, i) => i % 100);
  const cur = r.slice(0, 200).concat(r.slice(0, 200).map((v) => v + 60));
  const rows = rollingDrift(r, cur, { window: 100, step: 50, feature: "spread" });
  assertEquals(rows.map((w) => w.start), [0, 50, 100, 150, 200, 250, 300]);
  assertEquals(rows[0]!.feature, "spread");
  assertEquals(rows[0]!.status, "stable");
  assertEquals(rows[6]!.status, "significant");
  assertEquals(rollingDrift(r, cur.slice(0, 99), { window: 100 }).length, 0);
  assertThrows(() => rollingDrift(r, cur, { window: 0 }), RangeError, "window");
});
