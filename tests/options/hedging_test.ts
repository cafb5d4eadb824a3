import { assert, assertAlmostEquals, assertEquals, assertThrows } from "../_assert.ts";
import { deltaHedgePnl, type OptionLeg } from "../../lib/options/mod.ts";
import { Rng, stdev } from "../../lib/core/mod.ts";

const TOL = 1e-12;
const STEPS_PER_DAY = 24;
const DAYS = 30;

function gbmPath(seed: number, realised: number, implied: number, stepsPerDay = STEPS_PER_DAY) {
  const rng = new Rng(seed);
  const n = DAYS * stepsPerDay + 1;
  const dt = 1 / 365 / stepsPerDay;
  const t = Float64Array.from({ length: n }, (_, i) => i * dt);
  const spot = new Float64Array(n);
  spot[0] = 100;
  for (let i = 1; i < n; i++) {
    spot[i] = spot[i - 1]! *
      Math.exp(-0.5 * realised * realised * dt + realised * Math.sqrt(dt) * rng.normal());
  }
  return { t, spot, iv: new Float64Array(n).fill(implied) };
}

const STRADDLE: OptionLeg[] = [
  { strike: 100, expiry: 60 / 365, isCall: true, qty: 1 },
  { strike: 100, expiry: 60 / 365, isCall: false, qty: 1 },
];

Deno.test("hedging: hand-worked costs on a two-step path with no vol", () => {
  // iv = 0, r = q = 0: a call with K = 90 on S = 100 is worth 10 and has delta 1
  const path = {
    t: Float64Array.of(0, 0.01),
    spot: Float64Array.of(100, 101),
    iv: Float64Array.of(0, 0),
  };
  const legs = [{ strike: 90, expiry: 1, isCall: true, qty: 2 }];
  const r = deltaHedgePnl(legs, path, { hedgeCostBps: 10, optionCostPerUnit: 0.05 });
  // entry: 2 x 0.05 option cost + 2 shares x 100 x 10 bp = 0.1 + 0.2; exit: 2 x 0.05
  assertAlmostEquals(r.attribution.costs, -0.4, TOL);
  assertAlmostEquals(r.total, -0.4, TOL); // the hedge offsets the 2 x 1 gain exactly
  assertEquals(Array.from(r.hedge), [-2, -2]);
  assertEquals(r.trades, 1);
});

Deno.test("hedging: attribution components sum to the total", () => {
  const path = gbmPath(1, 0.25, 0.2);
  const r = deltaHedgePnl(STRADDLE, path, { rate: 0.03, div: 0.01, hedgeCostBps: 1 });
  const a = r.attribution;
  const sum = a.gamma + a.vega + a.theta + a.delta + a.financing + a.costs + a.residual;
  assertAlmostEquals(sum, r.total, 1e-9);
  // fine steps: higher-order residual small against gamma P&L
  assert(Math.abs(a.residual) < 0.05 * Math.abs(a.gamma), JSON.stringify(a));
});

Deno.test("hedging: BS world P&L shrinks with hedging frequency; long gamma earns realised > implied", () => {
  const run = (schedule: Parameters<typeof deltaHedgePnl>[2]) =>
    Array.from(
      { length: 40 },
      (_, s) => deltaHedgePnl(STRADDLE, gbmPath(100 + s, 0.2, 0.2), schedule).total,
    );
  const daily = run({ schedule: { kind: "daily" } });
  const hourly = run({ schedule: { kind: "every", steps: 1 } });
  // hedging error std scales like 1/sqrt(rebalances): 24x more re-hedges ~ 1/4.9 the std
  assert(stdev(hourly) < 0.4 * stdev(daily), `${stdev(hourly)} vs ${stdev(daily)}`);
  const rich = Array.from(
    { length: 20 },
    (_, s) =>
      deltaHedgePnl(STRADDLE, gbmPath(200 + s, 0.35, 0.2), {
        schedule: { kind: "every", steps: 1 },
      }).total,
  );
  assert(rich.every((x) => x > 0), `${rich}`);
});

Deno.test("hedging: threshold rule trades less than every step; expiry settles at intrinsic", () => {
  const path = gbmPath(7, 0.2, 0.2);
  const every = deltaHedgePnl(STRADDLE, path, { schedule: { kind: "every", steps: 1 } });
  const thr = deltaHedgePnl(STRADDLE, path, { schedule: { kind: "threshold", delta: 0.1 } });
  assert(thr.trades < every.trades / 3, `${thr.trades} vs ${every.trades}`);
  for (let i = 0; i < path.t.length; i++) {
    // after each re-hedge the open delta is within the threshold
    assert(Math.abs(thr.hedge[i]! - every.hedge[i]!) <= 0.1 + 1e-12);
  }
  // a leg expiring mid-path: unhedged (iv 0, OTM) call pays max(S_T - K, 0)
  const p = {
    t: Float64Array.of(0, 0.5, 1),
    spot: Float64Array.of(100, 120, 130),
    iv: Float64Array.of(0, 0, 0),
  };
  const r = deltaHedgePnl([{ strike: 110, expiry: 0.5, isCall: true, qty: 1 }], p);
  // at t=0 the call is OTM with zero vol: price 0, delta 0, no hedge; pays 10 at t=0.5
  assertAlmostEquals(r.total, 10, TOL);
});

Deno.test("hedging: one step, empty path, bad values", () => {
  const one = deltaHedgePnl(STRADDLE, {
    t: Float64Array.of(0),
    spot: Float64Array.of(100),
    iv: Float64Array.of(0.2),
  });
  assertEquals(one.pnl.length, 1);
  assertAlmostEquals(one.total, 0, TOL);
  assertThrows(
    () =>
      deltaHedgePnl(STRADDLE, {
        t: new Float64Array(0),
        spot: new Float64Array(0),
        iv: new Float64Array(0),
      }),
    RangeError,
  );
  assertThrows(
    () =>
      deltaHedgePnl(STRADDLE, {
        t: Float64Array.of(0, 1),
        spot: Float64Array.of(100, NaN),
        iv: Float64Array.of(0.2, 0.2),
      }),
    RangeError,
    "step 1",
  );
  assertThrows(
    () =>
      deltaHedgePnl(STRADDLE, {
        t: Float64Array.of(0, 0),
        spot: Float64Array.of(100, 100),
        iv: Float64Array.of(0.2, 0.2),
      }),
    RangeError,
  );
});
