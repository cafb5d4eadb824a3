/**
 * prefetchWorld (lib/sources/sim/prefetch.ts): a worker generates SPY sessions and equity day
 * bars from the world's config; the world takes them and then serves them without generating,
 * bit for bit what it would have generated itself; stopping early leaves nothing hanging.
 */
import { assert, assertEquals, assertThrows } from "../../_assert.ts";
import { generateWorld } from "../../../lib/sources/sim/mod.ts";
import { prefetchWorld } from "../../../lib/sources/sim/prefetch.ts";
import { type Bars, packBars } from "../../../lib/sources/sim/bars.ts";

const CFG = { seed: 21, start: "2024-02-01", end: "2024-03-28", equityCount: 5 };
const COLS = ["t", "o", "h", "l", "c", "v", "vw", "n"] as const;

function assertSameBars(a: Bars | undefined, b: Bars | undefined, what: string): void {
  assert(a && b, `${what}: both present`);
  assertEquals(a.length, b.length, `${what}: length`);
  for (const k of COLS) {
    for (let i = 0; i < a.length; i++) assert(Object.is(a[k][i], b[k][i]), `${what}: ${k}[${i}]`);
  }
}

Deno.test("prefetchWorld: the world serves the worker's bars, the same as its own", async () => {
  const w = generateWorld(CFG);
  const sessions = w.days.slice(-6);
  const tickers = w.equityInfo.map((x) => x.ticker);
  const vixDays = w.days.slice(-3);
  const pre = prefetchWorld(w, { vixDays, spySessions: sessions, equities: tickers });
  const got = await pre.done;
  assertEquals(got, { spySeconds: 0, vixDays: 3, spySessions: 6, equities: 5 });
  const ref = generateWorld(CFG); // generates everything itself
  for (const d of vixDays) {
    assertSameBars(w.indexDayBar("I:VIX", d), ref.indexDayBar("I:VIX", d), `I:VIX ${d}`);
  }
  for (const d of sessions) {
    assertSameBars(w.spyMinuteBars(d), ref.spyMinuteBars(d), `minutes ${d}`);
    assertSameBars(w.spy.dayBar(d), ref.spy.dayBar(d), `day ${d}`);
  }
  assertEquals(w.spy.sessionsGenerated, 0, "nothing generated on this thread");
  for (const t of tickers) {
    const a = w.equityDaily(t), b = ref.equityDaily(t);
    assertSameBars(a, b, `daily ${t}`);
    assertEquals(a.dates, b.dates);
  }
  // A session outside the plan is generated here, as without prefetching.
  const other = w.days[0]!;
  assertSameBars(w.spyMinuteBars(other), ref.spyMinuteBars(other), `minutes ${other}`);
  assertEquals(w.spy.sessionsGenerated, 1);
  pre.stop(); // after done: no effect
});

Deno.test("prefetchWorld: stop() ends the worker at once; the world still serves everything", async () => {
  const w = generateWorld(CFG);
  const pre = prefetchWorld(w, { spySessions: w.days, equities: [] });
  pre.stop();
  const got = await pre.done;
  assert(got.spySessions < w.days.length, `stopped before all sessions (${got.spySessions})`);
  const d = w.days[w.days.length - 1]!;
  assertSameBars(w.spy.dayBar(d), generateWorld(CFG).spy.dayBar(d), "day bar after stop");
});

Deno.test("adopt: only sessions of the world, only what is missing; bad shapes refused", () => {
  const w = generateWorld(CFG), src = generateWorld(CFG);
  const d = w.days[2]!;
  const m = packBars(src.spyMinuteBars(d)!), day = packBars(src.spy.dayBar(d)!);
  assertEquals(w.spy.adopt("2024-03-30", m, day), false, "not a session");
  assertEquals(w.spy.adopt(d, m, day), true);
  assertEquals(w.spy.adopt(d, m, day), false, "already here");
  assertEquals(w.spy.sessionsGenerated, 0);
  const t = w.equityInfo[0]!.ticker;
  const eq = src.equityDayBars(t)!;
  assertThrows(
    () => w.adoptEquityDayBars(t, { length: 3, cols: packBars(eq.bars).cols }, eq.state),
    RangeError,
    "3 sessions",
  );
  assertThrows(
    () => w.spy.adopt(w.days[3]!, { length: 390, cols: m.cols.slice(0, 7) }, day),
    RangeError,
    "8 columns",
  );
  w.adoptEquityDayBars(t, packBars(eq.bars), eq.state);
  assertSameBars(w.equityDaily(t), src.equityDaily(t), "adopted equity");
  assertEquals(w.equityDayBars("NOPE"), undefined);
  const vix = packBars(src.indexDayBar("I:VIX", d)!);
  assertEquals(w.adoptVixDayBar("2024-03-30", vix), false, "not a session");
  assertEquals(w.adoptVixDayBar(d, vix), true);
  assertEquals(w.adoptVixDayBar(d, vix), false, "already here");
  assertSameBars(w.indexDayBar("I:VIX", d), src.indexDayBar("I:VIX", d), "adopted I:VIX");
});

Deno.test("prefetchWorld: one worker or three deliver the same plan", async () => {
  for (const workers of [1, 3]) {
    const w = generateWorld(CFG);
    const tickers = w.equityInfo.map((x) => x.ticker).slice(0, 2);
    // An I:VIX day outside the SPY plan posts no SPY session.
    const pre = prefetchWorld(w, {
      vixDays: w.days.slice(-2),
      spySessions: w.days.slice(-4, -1),
      equities: tickers,
    }, { workers });
    assertEquals(
      await pre.done,
      { spySeconds: 0, vixDays: 2, spySessions: 3, equities: 2 },
      `${workers}`,
    );
    assertEquals(w.spy.sessionsGenerated, 0);
  }
});

Deno.test("prefetchWorld open: extend plans only what is new, seal ends it when delivered", async () => {
  const w = generateWorld(CFG);
  const vixDays = w.days.slice(-2);
  const pre = prefetchWorld(w, { vixDays, spySessions: vixDays }, { open: true });
  // Nothing more planned yet: the prefetch does not end on its own after its first part.
  const early = await Promise.race([
    pre.done.then(() => "done"),
    new Promise<string>((r) => setTimeout(() => r("waiting"), 1500)),
  ]);
  assertEquals(early, "waiting");
  const tickers = w.equityInfo.map((x) => x.ticker).slice(0, 2);
  // The I:VIX days and their SPY sessions again (skipped), two more SPY sessions, two equities.
  assertEquals(
    pre.extend({ vixDays, spySessions: w.days.slice(-4), equities: tickers }),
    true,
  );
  pre.seal();
  assertEquals(await pre.done, { spySeconds: 0, vixDays: 2, spySessions: 4, equities: 2 });
  assertEquals(pre.extend({ spySessions: w.days.slice(0, 1) }), false, "finished: nothing planned");
  assertEquals(w.spy.sessionsGenerated, 0, "nothing generated on this thread");
  const ref = generateWorld(CFG);
  for (const d of w.days.slice(-4)) assertSameBars(w.spy.dayBar(d), ref.spy.dayBar(d), `day ${d}`);
  for (const d of vixDays) {
    assertSameBars(w.indexDayBar("I:VIX", d), ref.indexDayBar("I:VIX", d), `I:VIX ${d}`);
  }
});

Deno.test("prefetchWorld open: sealed with nothing planned, it ends at once", async () => {
  const w = generateWorld(CFG);
  const pre = prefetchWorld(w, {}, { open: true });
  pre.seal();
  assertEquals(await pre.done, { spySeconds: 0, vixDays: 0, spySessions: 0, equities: 0 });
});

Deno.test("prefetchWorld: SPY second bars from the worker, with minutes and day bar from them, as the world's own", async () => {
  const w = generateWorld(CFG);
  const secs = w.days.slice(-2);
  const pre = prefetchWorld(w, {
    spySeconds: secs,
    vixDays: w.days.slice(-3),
    spySessions: w.days.slice(-3),
  });
  assertEquals(await pre.done, { spySeconds: 2, vixDays: 3, spySessions: 1, equities: 0 });
  const ref = generateWorld(CFG);
  for (const d of secs) {
    assertSameBars(w.spySecondBars(d), ref.spySecondBars(d), `seconds ${d}`);
    assertSameBars(w.spyMinuteBars(d), ref.spyMinuteBars(d), `minutes ${d}`);
    assertSameBars(w.spy.dayBar(d), ref.spy.dayBar(d), `day ${d}`);
  }
  assertEquals(w.spy.sessionsGenerated, 0, "nothing generated on this thread");
  // Seconds already here are not replaced.
  assertEquals(w.spy.adoptSeconds(secs[0]!, packBars(ref.spySecondBars(secs[1]!)!)), false);
  assertEquals(w.spy.adoptSeconds("2024-03-30", packBars(ref.spySecondBars(secs[1]!)!)), false);
});
