import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import {
  type DailyNet,
  promotionDecision,
  PROMOTIONS,
  runShadow,
  weeklyReturns,
  weekOf,
} from "../../lib/runbook/mod.ts";
import { tradingDays } from "../../lib/time/mod.ts";
import { config, writeWorld } from "./_world.ts";

Deno.test("weekOf / weeklyReturns: Monday keys and compounding", () => {
  assertEquals(weekOf("2024-05-13"), "2024-05-13"); // Monday
  assertEquals(weekOf("2024-05-17"), "2024-05-13"); // Friday
  assertEquals(weekOf("2024-05-19"), "2024-05-13"); // Sunday
  const w = weeklyReturns([
    { date: "2024-05-14", retNet: 0.1 },
    { date: "2024-05-13", retNet: -0.5 },
    { date: "2024-05-20", retNet: 0.02 },
  ]);
  assertAlmostEquals(w.get("2024-05-13")!, 0.5 * 1.1 - 1, 1e-12);
  assertAlmostEquals(w.get("2024-05-20")!, 0.02, 1e-12);
  assertEquals(weeklyReturns([]).size, 0);
});

function path(days: string[], f: (i: number) => number): DailyNet[] {
  return days.map((date, i) => ({ date, retNet: f(i) }));
}

Deno.test("promotionDecision: weeks won and the gate decide together", () => {
  const days = tradingDays("2024-05-06", "2024-06-14"); // 6 weeks
  const champ = path(days, (i) => (i % 2 ? 0.001 : -0.001));
  // challenger: steady +0.2%/day with small wiggle -> beats the champion every week, Sharpe high
  const chall = path(days, (i) => 0.002 + (i % 3 - 1) * 0.0005);
  const loose = { gate: { minDsr: null, maxPbo: null } };
  const go = promotionDecision("c", champ, "x", chall, { weeksRequired: 4, ...loose });
  assertEquals(go.weeks, 6);
  assertEquals(go.weeksWon, 6);
  assertEquals(go.gate!.verdict, "go");
  assert(go.promoted);
  // more weeks than the shadow period has: not promoted
  assertEquals(
    promotionDecision("c", champ, "x", chall, { weeksRequired: 7, ...loose }).promoted,
    false,
  );
  // default gate needs trial and PBO evidence: missing evidence fails it
  const strict = promotionDecision("c", champ, "x", chall, { weeksRequired: 4 });
  assertEquals(strict.gate!.verdict, "no-go");
  assertEquals(strict.promoted, false);
  // a challenger that wins weeks but loses money fails the gate's Sharpe criterion
  const loser = path(days, () => -0.0005);
  const champWorse = path(days, () => -0.002);
  const d = promotionDecision("c", champWorse, "x", loser, { weeksRequired: 4, ...loose });
  assertEquals(d.weeksWon, 6);
  assertEquals(d.promoted, false);
  // one session: no gate
  const one = promotionDecision("c", champ.slice(0, 1), "x", chall.slice(0, 1), loose);
  assertEquals(one.gate, null);
  assertEquals(one.promoted, false);
});

Deno.test("runShadow: replays each session, records the decision, rerun is a no-op", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeWorld(root);
    const cfg = config(root);
    const r = await runShadow("2024-05-01", "2024-05-14", cfg, {
      notifyFile: false,
      rule: { weeksRequired: 1 },
    });
    assertEquals(r.days.map((d) => d.date), tradingDays("2024-05-01", "2024-05-14"));
    assertEquals(r.decisions.length, 1);
    assertEquals(r.decisions[0]!.model, "ridge_vol");
    assertEquals(r.decisions[0]!.weeks, 3);
    // no trial evidence given: the default gate cannot say go
    assertEquals(r.decisions[0]!.promoted, false);
    const p = await readDataset(PROMOTIONS, { root });
    assertEquals(p.height, 1);
    const again = await runShadow("2024-05-01", "2024-05-14", cfg, { notifyFile: false });
    assert(again.days.every((d) => d.lakeWrites === 0));
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
