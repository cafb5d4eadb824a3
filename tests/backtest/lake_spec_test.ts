/**
 * runSpec on lake datasets (temporary lake, in-memory ledger): 30-minute USD/THB closes on the
 * fx calendar (no open, no volume) and TTR's ttrc daily bars.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseBacktestSpec, runSpec, SpecError } from "../../lib/backtest/mod.ts";
import { memoryLedgerStore } from "../../lib/validation/mod.ts";
import { summarizeBacktest } from "../../lib/report/mod.ts";
import { writeTtrc, writeUsdThb } from "./_lake_fixtures.ts";

const RTOL = 1e-9;
const REF = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/backtest/buy_and_hold_ttrc.json", import.meta.url)),
) as { total_return: number };

const FX = {
  question: "usdthb",
  strategy: "ma_cross",
  grid: { fast: [4], slow: [24], longOnly: [false] },
  data: { source: "lake", dataset: "user/usdthb_30m" },
};

Deno.test("runSpec on 30-minute FX closes: sessions of the fx calendar, THB, close fills counted; volume-based costs refused", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeUsdThb(join(root, "lake"));
    const lake = join(root, "lake");
    await assert.rejects(
      () => runSpec(parseBacktestSpec(FX), { store: memoryLedgerStore(), root: lake }),
      (e) =>
        e instanceof SpecError &&
        /^costs\.model: Cannot backtest: USD_THB has no volume/.test(e.message) &&
        /"model": "spread_only"/.test(e.message),
    );
    const out = await runSpec(
      parseBacktestSpec({ ...FX, costs: { model: "spread_only", halfSpreadBps: 2, lotSize: 0 } }),
      { store: memoryLedgerStore(), root: lake },
    );
    // 22 weekday sessions of June 1997 hold bars: results are per session, 260 a year
    assert.equal(out.result.equity.length, 22);
    assert.equal(out.periodsPerYear, 260);
    assert.equal(
      out.annualisation,
      "260 periods a year: sessions of calendar fx (30m bars resampled to sessions)",
    );
    assert.equal(out.currency, "THB");
    assert.equal(out.calendar, "fx");
    // trial periods are session dates: the session of 1997-06-03 opens 06-02 21:00 UTC
    assert.equal(out.recorded[0]!.record.periods![0], "1997-06-03");
    const trades = out.result.fills.filter((f) => f.kind === "trade").length;
    assert.ok(trades > 0, "spread-only trades");
    assert.equal(out.orders.closeFillsForMissingOpen, trades); // no bar has an open
    assert.match(out.fillNote, /bars have a close but no open/);
    assert.ok(out.result.totals.spread > 0 && out.result.totals.commission === 0);
    assert.ok(out.files.length > 0 && out.files.every((f) => f.path.includes("usdthb_30m")));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("runSpec buy_and_hold on ttrc equals the pandas reference to 1e-9 (strategy and benchmark)", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeTtrc(root);
    const out = await runSpec(
      parseBacktestSpec({
        question: "ttrc-bh",
        strategy: "buy_and_hold",
        data: { source: "lake", dataset: "user/ttrc_daily" },
        costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
      }),
      { store: memoryLedgerStore(), root },
    );
    for (const r of [out.result, out.benchmark!]) {
      const tr = summarizeBacktest(r, out.periodsPerYear).totalReturn;
      assert.ok(Math.abs(tr - REF.total_return) <= RTOL * REF.total_return, `${tr}`);
    }
    assert.equal(out.periodsPerYear, 252);
    assert.equal(out.currency, "USD");
    assert.deepEqual(out.orders.unfilledByReason, {});
    assert.equal(out.fillNote, "");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
