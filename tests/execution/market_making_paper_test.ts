/**
 * Reproduction of Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book",
 * Quantitative Finance 8(3), 217-224, section 4 "Numerical simulations", Tables 1-3 (gamma = 0.1,
 * 0.01, 0.5; s = 100, T = 1, sigma = 2, dt = 0.005, q0 = 0, k = 1.5, A = 140, 1000 simulations
 * each). The figures, [average spread, profit, std(profit), final q, std(final q)]:
 *
 *   Table 1, gamma = 0.1   inventory 1.29  62.94   5.89   0.10   2.80
 *                          symmetric 1.29  67.21  13.43  -0.018  8.66
 *   Table 2, gamma = 0.01  inventory 1.33  66.78   8.76  -0.02   4.70
 *                          symmetric 1.33  67.36  13.40  -0.31   8.65
 *   Table 3, gamma = 0.5   inventory 1.15  33.92   4.72  -0.02   1.88
 *                          symmetric 1.15  66.20  14.53   0.25   9.06
 *
 * (transcribed in ./_as_paper_tables.ts).
 *
 * VARIANT ASSERTED: the simulator's defaults - stationary spread (2 / gamma) ln(1 + gamma / k)
 * quoted around the reservation price s - q gamma sigma^2 (T - t) (inventory strategy) or around
 * the mid (symmetric strategy), binomial mid +-sigma sqrt(dt), at most one fill per side and step
 * with probability A exp(-k delta) dt, delta measured from the mid after the step's move, quotes
 * not clamped, profit X_T + q_T S_T. Reasoning: the paper's spread column equals
 * (2 / gamma) ln(1 + gamma / k) to the cent (1.29, 1.33, 1.15); the eq. (30) spread with its
 * gamma sigma^2 (T - t) term averages 1.49, 1.35, 2.16 instead, and with it Table 3's symmetric
 * strategy earns 57.78 instead of 66.20 (z -22.9) with std(final q) 7.15 instead of 9.06 (z -11.8),
 * whereas the stationary spread reproduces every symmetric cell. Measuring delta from the quoting
 * mid (no adverse selection) lifts the profits by ~1.5: symmetric z +3.3, +3.0, +3.9 and
 * Table 2's inventory profit 68.38 (z +5.6). Poisson fill counts inflate every dispersion
 * (symmetric std(final q) 10.4-11.1, z +7.5 to +8.3). A Gaussian mid is indistinguishable from
 * the binomial one. Liquidating q_T across the half spread costs the symmetric strategy ~5 (z -10);
 * liquidating at the mid is the same as marking at S_T.
 *
 * TOLERANCE: the paper's figures carry their own Monte Carlo error (1000 paths), so a cell passes
 * when |ours - paper| <= Z SE, Z = 4, SE the standard error of the difference of two independent
 * estimates: sd sqrt(1/N + 1/1000) for means; sd sqrt((kurt - 1) / 4) sqrt(1/N + 1/1000) for
 * standard deviations (delta-method SE of a sample standard deviation, kurt the raw sample
 * kurtosis of our paths, 3.0 for q and the inventory profits, ~5.9 for the symmetric profits).
 * With N = 10,000 the SEs are: profit 0.20 / 0.29 / 0.17 (inventory, gamma 0.1 / 0.01 / 0.5) and
 * ~0.46 (symmetric); std(final q) 0.07 / 0.13 / 0.05 and ~0.21. The average spread is deterministic
 * under this variant: within 0.005 (the paper's rounding).
 *
 * WHAT REPRODUCES (defaults, 50,000 paths, seed 2008, z as above): all six symmetric cells of all
 * three tables (|z| <= 1.7), and the inventory rows except two cells. Table 1's inventory profit
 * does so narrowly: 62.23 against 62.94 (z -3.7); its std(final q) 2.95 against 2.80 (z +2.3).
 *
 * WHAT DOES NOT, under any variant tried (`deno run -A tests/execution/market_making_variants.ts
 * --paths 50000`, seed 2008, prints every cell of the 11 option combinations):
 * - Table 3, inventory profit 33.92: defaults 20.95 (z -79.8); full spread 47.29 (+72.6);
 *   quote-mid fills 23.91 (-61.7); full spread + quote-mid 48.56 (+77.5); Gaussian mid 20.91;
 *   quotes clamped at the mid 48.82 (+94.6); full spread + clamp 49.27; Poisson fills + clamp
 *   39.45 (+31.2); full spread + Poisson + clamp 43.75 (+50.7); liquidation across the half
 *   spread 20.06. Probed ad hoc outside the options (NumPy, 10,000-20,000 paths): withholding a
 *   quote that would cross the mid 12.66; re-quoting the second side after a fill within the step
 *   5.57; tau = T - t_{i+1} 21.45; tau frozen at T -37.9; the reservation offset scaled by 0.75
 *   35.4 but with std(final q) 2.14 (paper 1.88). Mechanism: at gamma = 0.5 the reservation
 *   offset 2 q (T - t) exceeds the half spread 0.575 for |q| >= 1 while t < 0.71, so after each
 *   fill the opposite quote sits through the mid and is hit at a loss at once; the paper's figure
 *   lies between the unclamped (21) and clamped (49) treatments of those quotes.
 * - Table 2, inventory std(final q) 4.70: 5.26 under every variant with Bernoulli fills and
 *   after-move deltas (z +4.7), 5.21 with quote-mid deltas (+4.3), 6.16-6.19 with Poisson fills.
 *   At gamma = 0.01 the reservation offset 0.04 q (T - t) is small and q is nearly a random walk
 *   in the last part of the day; with the linearised reversion rate 2 k lambda(delta) gamma
 *   sigma^2 (T - t), Var(q_T) scales as 1 / sqrt(rate), so 4.70 instead of 5.26 needs a rate about
 *   (5.26 / 4.70)^4 = 1.6 times the formulas' (which would also move the rows that reproduce).
 * These two cells are asserted to stay off in the documented direction (KNOWN_DEVIATIONS), so a
 * change that moves them is noticed and this note updated; the paper's qualitative finding for
 * them is asserted instead.
 */
import { assert, assertAlmostEquals } from "../_assert.ts";
import { simulateAvellanedaStoikov } from "../../lib/execution/market_making.ts";
import { kurtosis, PAPER_PATHS, PAPER_TABLES } from "./_as_paper_tables.ts";

/** Standard errors allowed between our estimate and the paper's. */
const Z = 4;
/** Our paths per gamma (the paper's 1000 dominate the SE: sqrt(1/N + 1/1000) = 1.049 / sqrt(1000)). */
const N = 10_000;
const SEED = 2008;
/** The paper prints spreads to the cent. */
const TOL_SPREAD = 0.005;

/**
 * Cells no variant reproduces, with the sign of (ours - paper): asserted to stay at least
 * Z_KNOWN SE off in that direction, so that a change that moves them is noticed and the note
 * above updated.
 */
const KNOWN_DEVIATIONS = new Map([["0.5/inventory/profit", -1], ["0.01/inventory/stdFinalQ", 1]]);
const Z_KNOWN = 2;

const meanSe = (sd: number) => sd * Math.sqrt(1 / N + 1 / PAPER_PATHS);
const sdSe = (sd: number, kurt: number) =>
  sd * Math.sqrt((kurt - 1) / 4) * Math.sqrt(1 / N + 1 / PAPER_PATHS);

for (const [g, table] of Object.entries(PAPER_TABLES)) {
  Deno.test(`Avellaneda & Stoikov (2008) Table ${table.table} (gamma = ${g}) within ${Z} Monte Carlo SE`, () => {
    const r = simulateAvellanedaStoikov({ gamma: Number(g), paths: N, seed: SEED });
    for (const strat of ["inventory", "symmetric"] as const) {
      const [spread, profit, stdProfit, finalQ, stdFinalQ] = table[strat];
      const s = r[strat];
      assertAlmostEquals(s.averageSpread, spread, TOL_SPREAD, `${g} ${strat} spread`);
      const cells: [string, number, number, number][] = [
        ["profit", s.profit, profit, meanSe(s.stdProfit)],
        ["stdProfit", s.stdProfit, stdProfit, sdSe(s.stdProfit, kurtosis(s.profits))],
        ["finalQ", s.finalQ, finalQ, meanSe(s.stdFinalQ)],
        ["stdFinalQ", s.stdFinalQ, stdFinalQ, sdSe(s.stdFinalQ, kurtosis(s.finalQs))],
      ];
      for (const [name, ours, paper, se] of cells) {
        const z = (ours - paper) / se;
        const label = `${g}/${strat}/${name}`;
        const msg = `${label}: ours ${ours.toFixed(3)}, paper ${paper}, SE ${se.toFixed(3)}, z ${
          z.toFixed(2)
        }`;
        const sign = KNOWN_DEVIATIONS.get(label);
        if (sign !== undefined) assert(sign * z > Z_KNOWN, `known deviation moved: ${msg}`);
        else assert(Math.abs(z) <= Z, msg);
      }
    }
    // the paper's point: the inventory strategy has a much smaller dispersion of profit and q
    assert(r.inventory.stdProfit < 0.7 * r.symmetric.stdProfit);
    assert(r.inventory.stdFinalQ < 0.65 * r.symmetric.stdFinalQ);
    // (this covers Table 2's std(final q) ordering, 4.70 vs 8.65, where the value does not
    // reproduce); Table 3's ordering: the inventory strategy gives up much of the profit
    if (g === "0.5") assert(r.inventory.profit < r.symmetric.profit - 20);
  });
}

Deno.test("simulateAvellanedaStoikov: variant options are validated and change what they claim", () => {
  const base = { gamma: 0.1, paths: 200, seed: 7 } as const;
  // average spread: stationary term only vs eq. (30) averaged over t_i = i dt, i = 0..199:
  // 0.4 * mean(1 - i dt) = 0.4 * (1 - 0.005 * 99.5) = 0.201 above (hand-worked)
  const st = simulateAvellanedaStoikov(base);
  const full = simulateAvellanedaStoikov({ ...base, spreadRule: "full" });
  assertAlmostEquals(st.symmetric.averageSpread, 20 * Math.log(16 / 15), 1e-12);
  assertAlmostEquals(full.symmetric.averageSpread - st.symmetric.averageSpread, 0.201, 1e-9);
  // liquidation across the half spread costs exactly |q_T| * spread / 2 per path
  const liq = simulateAvellanedaStoikov({ ...base, terminal: "cross-half-spread" });
  const half = 10 * Math.log(16 / 15);
  for (let i = 0; i < 200; i++) {
    assertAlmostEquals(
      st.symmetric.profits[i]! - liq.symmetric.profits[i]!,
      Math.abs(st.symmetric.finalQs[i]!) * half,
      1e-9,
    );
  }
  // with quotes clamped at the mid the inventory strategy never quotes through the mid
  const cl = simulateAvellanedaStoikov({ gamma: 0.5, paths: 2, seed: 3, quoteClamp: "mid" });
  for (let i = 0; i < cl.samplePath.bid.length - 1; i++) {
    assert(
      cl.samplePath.bid[i]! <= cl.samplePath.mid[i]! &&
        cl.samplePath.ask[i]! >= cl.samplePath.mid[i]!,
    );
  }
  for (
    const bad of [
      { spreadRule: "half" },
      { midProcess: "levy" },
      { fillReference: "later" },
      { fillModel: "hawkes" },
      { quoteClamp: "tick" },
      { terminal: "none" },
    ]
  ) {
    let threw = false;
    try {
      simulateAvellanedaStoikov({ ...base, ...(bad as object) });
    } catch (e) {
      threw = e instanceof RangeError && /must be one of/.test(e.message);
    }
    assert(threw, `bad option ${JSON.stringify(bad)} is rejected`);
  }
});
