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
 * (transcribed in ./_as_paper_tables.ts). The simulation variant asserted here is the
 * simulator's default: stationary spread (2 / gamma) ln(1 + gamma / k) quoted around the
 * reservation price s - q gamma sigma^2 (T - t) (inventory strategy) or the mid (symmetric),
 * binomial mid +-sigma sqrt(dt), at most one fill per side and step with probability
 * A exp(-k delta) dt, delta measured from the mid after the step's move, profit X_T + q_T S_T.
 * Why this variant: the paper's spread column equals (2 / gamma) ln(1 + gamma / k) to the cent
 * (1.29, 1.33, 1.15), which the eq. (30) spread with its gamma sigma^2 (T - t) term cannot average
 * to (1.49, 1.35, 2.16); with that full spread the symmetric strategy of Table 3 earns 57.8
 * instead of 66.20 (-22 SE) with std(final q) 7.15 instead of 9.06, while the stationary spread
 * reproduces all six symmetric rows. Measuring delta from the quoting mid instead (no adverse
 * selection) lifts every profit by ~1.5 (symmetric +2.9 to +3.8 SE, inventory gamma = 0.01 +5.6
 * SE); Poisson fill counts inflate every std (symmetric std(final q) 10.3-11.1, +8 to +10 SE);
 * a Gaussian mid changes nothing measurable; liquidating across the half spread at T costs the
 * symmetric strategy ~5 (-10 SE). Marking q_T at S_T and liquidating at the mid are the same.
 *
 * Tolerance: the paper's figures carry their own Monte Carlo error (1000 paths), so a cell passes
 * when |ours - paper| <= Z SE with Z = 4 and SE the standard error of the difference of two
 * independent estimates: sd sqrt(1/N + 1/1000) for means, and for standard deviations
 * sd sqrt((kurt - 1) / 4) sqrt(1/N + 1/1000) (delta-method SE of a sample standard deviation,
 * kurt the sample kurtosis of our paths, raw: normal = 3). The average spread is deterministic
 * under this variant: within 0.005 (the paper's rounding).
 *
 * Cells that do NOT reproduce under any variant tried (figures from
 * `deno run -A tests/execution/market_making_variants.ts --paths 20000`, seed 2008, z against the
 * paper with normal-approximation SEs; see that script for all 11 variants):
 * - Table 3 inventory profit 33.92: default 20.95 (z -79); full spread 47.29 (+72); quote-mid
 *   fills 23.89 (-61); quotes clamped at the mid 48.79 (+93); Poisson fills + clamp 39.45 (+31);
 *   full spread + quote-mid 48.54 (+77). At gamma = 0.5 the reservation offset 2 q (T - t) exceeds
 *   the half spread 0.575 for |q| >= 1 and t < 0.71, so the ask (bid) is quoted through the mid
 *   and is hit at a loss right after each fill; the paper's 33.92 lies between the unclamped and
 *   clamped figures and no documented choice lands on it (an ad hoc 0.75 scaling of the
 *   reservation offset would give ~35.4 with std(final q) 2.14, not 1.88).
 * - Table 2 inventory std(final q) 4.70: 5.27 under every variant with Bernoulli fills (z +5.3),
 *   5.19 with quote-mid fills (+4.5), 6.16 with Poisson fills. At gamma = 0.01 the reservation
 *   offset 0.04 q (T - t) is small and q is nearly a random walk near T; reaching 4.70 needs about
 *   twice the mean reversion the formulas give, which would also lower the other rows.
 * These two cells are asserted to stay off in the documented direction (see KNOWN_DEVIATIONS),
 * and the paper's qualitative finding for them is asserted instead. Table 1's inventory profit reproduces only narrowly: 62.21 at 20,000 paths
 * against 62.94, 3.8 SE below.
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
    // Table 3's ordering (inventory profit far below symmetric) and Table 2's (std(final q) of
    // the inventory strategy about half the symmetric one's) hold even where the values do not
    if (g === "0.5") assert(r.inventory.profit < r.symmetric.profit - 20);
    if (g === "0.01") assert(r.inventory.stdFinalQ < 0.65 * r.symmetric.stdFinalQ);
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
