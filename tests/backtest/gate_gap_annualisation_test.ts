/**
 * The in-sample and the gate's out-of-sample Sharpe of `runSpec` are annualised over the bars
 * observed in their own segment, P_eff = P * n / (n + G) (lib/core `observedPeriodsPerYear`,
 * G = missing weeks inside the segment), the same rule as the report's headline figures.
 *
 * Hand-worked layout (weekly closes on nyse, P = 52, Mondays from 2024-01-01): a grid of 44
 * weeks w0..w43 with w5, w6, w30 and w35 missing leaves 40 bars. oosFraction 0.5 splits at row
 * floor(40 * 0.5) = 20: rows 0..4 are w0..w4, rows 5..39 are w7..w29, w31..w34, w36..w43, so
 * row 20 is w22. In sample: rows 0..20, 20 returns spanning w0..w22 with w5, w6 missing (G = 2),
 * P_eff = 52 * 20 / 22. Out of sample: rows 20..39, 19 returns spanning w22..w43 with w30, w35
 * missing (G = 2), P_eff = 52 * 19 / 21 = 47.05. The expected Sharpe figures are computed here
 * from the returns with mean / sd (ddof 1) * sqrt(P_eff), written out by hand.
 */
import assert from "node:assert/strict";
import { parseBacktestSpec, runSpec } from "../../lib/backtest/mod.ts";
import { memoryLedgerStore } from "../../lib/validation/mod.ts";
import { closeBarsSpec, writeCloseBars } from "./_close_bars.ts";

const DAY = 86_400_000;
const MON0 = Date.UTC(2024, 0, 1);
const MISSING = new Set([5, 6, 30, 35]);

/** Close of week w: a deterministic path with ups and downs (not a constant drift). */
const close = (w: number) => 100 * Math.exp(0.002 * w + 0.02 * Math.sin(1.3 * w));

async function writeWeeks(root: string, dataset: string, weeks: number[]): Promise<void> {
  const ms = weeks.map((w) => MON0 + 7 * w * DAY);
  await writeCloseBars(root, closeBarsSpec(dataset, "week"), {
    symbol: "WK",
    dates: ms.map((t) => new Date(t).toISOString().slice(0, 10)),
    closes: weeks.map(close),
    knownMs: ms.map((t) => t + 4 * DAY + 21 * 3_600_000), // known at the Friday of the week
    sourceUri: "test://weeks",
  });
}

/** mean / sd (ddof 1) * sqrt(ppy), by hand. */
function handSharpe(r: ArrayLike<number>, ppy: number): number {
  const x = Array.from(r);
  const m = x.reduce((a, b) => a + b, 0) / x.length;
  const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / (x.length - 1);
  return m / Math.sqrt(v) * Math.sqrt(ppy);
}

function returnsOf(e: ArrayLike<number>, from: number, to: number): number[] {
  const r: number[] = [];
  for (let k = from + 1; k <= to; k++) r.push(e[k]! / e[k - 1]! - 1);
  return r;
}

async function run(root: string, dataset: string) {
  return await runSpec(
    parseBacktestSpec({
      question: `gaps-${dataset}`,
      strategy: "buy_and_hold",
      data: { source: "lake", dataset: `user/${dataset}` },
      costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
      oosFraction: 0.5,
    }),
    { store: memoryLedgerStore(), root, benchmark: false },
  );
}

const close6 = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);

Deno.test("gate and in-sample Sharpe on weekly bars with missing weeks: P_eff of each segment (hand-worked)", async () => {
  const root = await Deno.makeTempDir();
  try {
    const weeks = Array.from({ length: 44 }, (_, w) => w).filter((w) => !MISSING.has(w));
    assert.deepEqual(weeks.length, 40);
    assert.deepEqual(weeks[20], 22); // row 20 (the split) is w22
    await writeWeeks(root, "wk_gaps", weeks);
    const out = await run(root, "wk_gaps");
    assert.deepEqual(out.periodsPerYear, 52);
    assert.deepEqual(out.result.equity.length, 40);
    const ppyIs = 52 * 20 / 22, ppyOos = 52 * 19 / 21;
    assert.deepEqual(out.segments, {
      inSample: { returns: 20, gaps: 2, periodsPerYear: ppyIs },
      outOfSample: { returns: 19, gaps: 2, periodsPerYear: ppyOos },
    });
    assert.deepEqual(out.oos.start, "2024-06-03"); // w22
    assert.deepEqual(out.oos.returns, 19);

    // out of sample: the gate's Sharpe from the 19 returns of rows 20..39, with P_eff
    const e = out.result.equity;
    const oos = returnsOf(e, 20, 39);
    assert.deepEqual(Array.from(out.oosReturns), oos);
    const gate = handSharpe(oos, ppyOos);
    assert(
      close6(out.verdict.sharpeAnnualized, gate),
      `${out.verdict.sharpeAnnualized} vs ${gate}`,
    );
    const sharpe = out.verdict.criteria.find((c) => c.name === "sharpe")!;
    assert(close6(sharpe.value, gate));
    // one period per bar (the old factor 52) is sqrt(21 / 19) = 1.051 times larger
    const old = handSharpe(oos, 52);
    assert(Math.abs(old - gate) > 0.04 * Math.abs(gate), `old ${old} new ${gate}`);
    assert(close6(old / gate, Math.sqrt(21 / 19)));
    assert.deepEqual(
      sharpe.note,
      `annualised Sharpe ${+gate.toPrecision(4)} ${
        gate >= 1 ? ">=" : "<"
      } 1 (47/yr observed of 52)`,
    );
    // the per-bar Sharpe the DSR reads is not annualised: unchanged
    assert(close6(out.verdict.sharpe, handSharpe(oos, 1)));

    // in sample: the 20 returns of rows 0..20, with their own P_eff
    const is = returnsOf(e, 0, 20);
    assert(close6(out.inSampleSharpe[0]!, handSharpe(is, ppyIs)));
    // the ledger keeps the clock's P (per-bar Sharpe; records as before)
    assert.deepEqual(out.recorded[0]!.record.periodsPerYear, 52);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("gate and in-sample Sharpe without missing weeks: one period per bar, factor 52 exactly", async () => {
  const root = await Deno.makeTempDir();
  try {
    const weeks = Array.from({ length: 44 }, (_, w) => w);
    await writeWeeks(root, "wk_full", weeks);
    const out = await run(root, "wk_full");
    assert.deepEqual(out.segments, {
      inSample: { returns: 22, gaps: 0, periodsPerYear: 52 },
      outOfSample: { returns: 21, gaps: 0, periodsPerYear: 52 },
    });
    const e = out.result.equity;
    const oos = returnsOf(e, 22, 43);
    assert(close6(out.verdict.sharpeAnnualized, handSharpe(oos, 52)));
    // bit for bit the factor sqrt(52) on the per-bar Sharpe, as before
    assert(Object.is(out.verdict.sharpeAnnualized, out.verdict.sharpe * Math.sqrt(52)));
    const note = out.verdict.criteria.find((c) => c.name === "sharpe")!.note;
    assert(note.endsWith("(52/yr)"), note);
    assert(close6(out.inSampleSharpe[0]!, handSharpe(returnsOf(e, 0, 22), 52)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
