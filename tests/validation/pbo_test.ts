import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { pbo } from "../../lib/validation/pbo.ts";
import { Rng } from "../../lib/core/mod.ts";

/** Sums-of-squares Sharpe vs numpy's two-pass Sharpe on the rows. */
const RTOL_REF = 1e-9;
const ATOL_HAND = 1e-12;

const ref = JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/validation/pbo_reference.json", import.meta.url)),
);

Deno.test("pbo: hand-worked two trials, two partitions", () => {
  // A wins the first half and loses the second; B the reverse -> the IS winner is always the OOS loser
  const a = [0.02, 0.04, -0.01, -0.03];
  const b = [0.0, 0.01, 0.01, 0.02];
  const r = pbo([a, b], { partitions: 2, metric: "mean" });
  assertEquals(r.combinations, 2);
  assertEquals(Array.from(r.selected), [0, 1]);
  // omega = 1 / 3 -> logit ln(1/2)
  for (const l of r.logits) assertAlmostEquals(l, Math.log(0.5), ATOL_HAND);
  assertEquals(r.pbo, 1);
  assertEquals(r.probLoss, 0.5); // OOS means -0.02 and 0.005
  assertAlmostEquals(r.inSample[0]!, 0.03, ATOL_HAND);
  assertAlmostEquals(r.outOfSample[1]!, 0.005, ATOL_HAND);
  // points (0.03, -0.02), (0.015, 0.005): slope -5/3, intercept 0.03, r2 1
  assertAlmostEquals(r.degradation.slope, -5 / 3, 1e-10);
  assertAlmostEquals(r.degradation.intercept, 0.03, 1e-12);
  assertAlmostEquals(r.degradation.r2, 1, 1e-12);
});

Deno.test("pbo: matches an independent numpy/scipy CSCV implementation", () => {
  for (const c of ref.cases) {
    const r = pbo(
      { values: Float64Array.from(c.values as number[]), rows: c.rows, cols: c.cols },
      { partitions: c.partitions, metric: c.metric },
    );
    assertEquals(r.combinations, c.logits.length, c.name);
    assertAlmostEquals(r.pbo, c.pbo, ATOL_HAND, c.name);
    assertAlmostEquals(r.probLoss, c.prob_loss, ATOL_HAND, c.name);
    assertEquals(Array.from(r.selected), c.selected, c.name);
    for (let i = 0; i < c.logits.length; i++) {
      assertAlmostEquals(r.logits[i]!, c.logits[i], 1e-12, `${c.name} logit ${i}`);
      assertAlmostEquals(r.inSample[i]!, c.in_sample[i], 1e-15, `${c.name} IS ${i}`, RTOL_REF);
      assertAlmostEquals(
        r.outOfSample[i]!,
        c.out_of_sample[i],
        1e-15,
        `${c.name} OOS ${i}`,
        RTOL_REF,
      );
    }
    assertAlmostEquals(r.degradation.slope, c.slope, 1e-12, `${c.name} slope`, 1e-8);
    assertAlmostEquals(r.degradation.intercept, c.intercept, 1e-12, `${c.name} intercept`, 1e-8);
    assertAlmostEquals(r.degradation.r2, c.r2, 1e-9, `${c.name} r2`);
  }
});

function noisePanel(seed: number, trials: number, periods: number): Float64Array[] {
  const rng = new Rng(seed);
  return Array.from({ length: trials }, () => rng.normals(periods).map((z) => 0.01 * z));
}

Deno.test("pbo: near 0.5 on pure-noise trials, near 0 with one dominant trial (seeded)", () => {
  let sum = 0;
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8];
  for (const seed of seeds) {
    const trials = noisePanel(seed, 50, 800);
    sum += pbo(trials, { partitions: 10 }).pbo;
    const rng = new Rng(seed + 100);
    trials[7] = rng.normals(800).map((z) => 0.01 * z + 0.003); // daily SR 0.3
    const dom = pbo(trials, { partitions: 10 });
    assert(dom.pbo <= 0.02, `seed ${seed}: dominant trial PBO ${dom.pbo}`);
    assert(dom.probLoss <= 0.02);
  }
  const avg = sum / seeds.length;
  assert(avg > 0.35 && avg < 0.65, `average noise PBO ${avg}`);
});

Deno.test("pbo: invariants (scale, column order, input shapes, input untouched)", () => {
  const trials = noisePanel(11, 12, 240);
  const copy = trials.map((t) => t.slice());
  const r = pbo(trials, { partitions: 8 });
  assertEquals(trials, copy);
  const scaled = pbo(trials.map((t) => t.map((v) => 3 * v)), { partitions: 8 });
  for (let i = 0; i < r.logits.length; i++) {
    assertAlmostEquals(scaled.logits[i]!, r.logits[i]!, 1e-12);
  }
  const reversed = pbo(trials.slice().reverse(), { partitions: 8 });
  assertEquals(reversed.pbo, r.pbo);
  const values = new Float64Array(240 * 12);
  for (let t = 0; t < 240; t++) for (let j = 0; j < 12; j++) values[t * 12 + j] = trials[j]![t]!;
  const m = pbo({ values, rows: 240, cols: 12 }, { partitions: 8 });
  assertEquals(m.logits, r.logits);
  // logits and relative ranks agree
  for (let i = 0; i < r.logits.length; i++) {
    const w = r.relativeRanks[i]!;
    assertAlmostEquals(r.logits[i]!, Math.log(w / (1 - w)), 1e-12);
  }
});

Deno.test("pbo: constant trials tie at the median (logit 0 counts as overfit)", () => {
  const r = pbo([new Float64Array(8), new Float64Array(8), new Float64Array(8)], {
    partitions: 2,
  });
  for (const l of r.logits) assertAlmostEquals(l, 0, ATOL_HAND);
  assertEquals(r.pbo, 1);
  assertEquals(r.probLoss, 0);
  assert(Number.isNaN(r.degradation.slope));
});

Deno.test("pbo: bad inputs", () => {
  assertThrows(() => pbo([]), RangeError, ">= 2 trials");
  assertThrows(() => pbo([new Float64Array(64)]), RangeError, ">= 2 trials");
  assertThrows(() => pbo([new Float64Array(10), new Float64Array(10)]), RangeError, "10 periods");
  assertThrows(() => pbo([new Float64Array(40), new Float64Array(39)]), RangeError, "39 periods");
  const nan = new Float64Array(40);
  nan[5] = NaN;
  assertThrows(
    () => pbo([new Float64Array(40), nan], { partitions: 4 }),
    RangeError,
    "period 5, trial 1",
  );
  assertThrows(
    () => pbo([new Float64Array(40), new Float64Array(40)], { partitions: 5 }),
    RangeError,
    "even",
  );
  assertThrows(
    () => pbo({ values: new Float64Array(5), rows: 2, cols: 3 }, { partitions: 2 }),
    RangeError,
    "2 x 3",
  );
});
