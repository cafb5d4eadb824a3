/**
 * startSimServerWorker (lib/sources/sim/server_worker.ts): the simulated market served from a
 * Worker answers with the same bytes as the in-process server for the same world; its prefetch
 * runs inside the worker; spySessions gives the bars this thread's own world generates; close
 * ends it; errors in the worker reject on this thread with the worker's message.
 */
import { assert, assertEquals, assertRejects } from "../../_assert.ts";
import { generateWorld, startSimServer } from "../../../lib/sources/sim/mod.ts";
import { startSimServerWorker } from "../../../lib/sources/sim/server_worker.ts";
import { type Bars, unpackBars } from "../../../lib/sources/sim/bars.ts";

const CFG = { seed: 21, start: "2024-02-01", end: "2024-03-28", equityCount: 5 };
const COLS = ["t", "o", "h", "l", "c", "v", "vw", "n"] as const;
const KEY = "k";

function assertSameBars(a: Bars | undefined, b: Bars | undefined, what: string): void {
  assert(a && b, `${what}: both present`);
  assertEquals(a.length, b.length, `${what}: length`);
  for (const k of COLS) {
    for (let i = 0; i < a.length; i++) assert(Object.is(a[k][i], b[k][i]), `${what}: ${k}[${i}]`);
  }
}

/** A response's status and body, the server's own base URL written as `http://sim`. */
async function get(base: string, path: string): Promise<{ status: number; body: string }> {
  const sep = path.includes("?") ? "&" : "?";
  const r = await fetch(`${base}${path}${sep}apiKey=${KEY}`);
  return { status: r.status, body: (await r.text()).replaceAll(base, "http://sim") };
}

Deno.test("startSimServerWorker: same bytes as the in-process server; prefetch and SPY sessions from the worker's world", async () => {
  const here = generateWorld(CFG);
  const last = here.days.slice(-3);
  const sim = await startSimServerWorker({
    config: CFG,
    plan: { vixDays: last.slice(-1), spySessions: last, equities: ["NOPE"] },
  });
  const ref = await startSimServer({ world: CFG });
  try {
    assert(/^http:\/\/127\.0\.0\.1:\d+$/.test(sim.baseUrl), sim.baseUrl);
    const ticker = here.equityInfo[0]!.ticker;
    const paths = [
      `/v2/aggs/ticker/${ticker}/range/1/day/2024-02-01/2024-03-28?adjusted=true&sort=asc&limit=20`,
      `/v2/aggs/ticker/SPY/range/1/day/2024-03-01/2024-03-28?sort=desc`,
    ];
    for (const p of paths) {
      const a = await get(sim.baseUrl, p), b = await get(ref.baseUrl, p);
      assertEquals(a.status, 200, p);
      assertEquals(a, b, p);
      // A page of 20 day bars (the first page has a next_url), or every session of March.
      const n = (JSON.parse(a.body) as { resultsCount: number }).resultsCount;
      assertEquals(
        n,
        p.includes("limit=20") ? 20 : here.days.filter((d) => d >= "2024-03-01").length,
      );
    }
    // The prefetch ran in the worker: 1 I:VIX day, 3 SPY sessions (the server had not asked for
    // them yet... or had: the SPY day page above needs March's day bars, so the worker's world
    // may have generated some itself; every planned one is either delivered or its own).
    const counts = await sim.prefetchDone();
    assertEquals(counts.vixDays, 1);
    assertEquals(counts.equities, 0, "an unknown ticker delivers nothing");
    assert(counts.spySessions <= 3);
    assert(
      counts.spySessions + counts.spySessionsGeneratedByServer >= 3,
      JSON.stringify(counts),
    );
    // SPY sessions from the worker's world, packed: the same bars as this thread's generation.
    const dates = [here.days[0]!, ...last];
    const got = await sim.spySessions(dates);
    assertEquals(got.map((s) => s.date), dates);
    const fresh = generateWorld(CFG);
    for (const s of got) {
      assertSameBars(unpackBars(s.minutes), here.spy.minuteBars(s.date), `minutes ${s.date}`);
      assertSameBars(unpackBars(s.day), here.spy.dayBar(s.date), `day ${s.date}`);
      assert(fresh.spy.adopt(s.date, s.minutes, s.day), `adopted ${s.date}`);
    }
    assertEquals(fresh.spy.sessionsGenerated, 0);
    assertSameBars(fresh.spy.minuteBars(last[2]!), here.spy.minuteBars(last[2]!), "adopted");
    assertEquals(fresh.spy.sessionsGenerated, 0, "served from the adopted bars");
    // A request error rejects with the worker's message; the worker lives on.
    await assertRejects(() => sim.spySessions(["2024-02-03"]), Error, "2024-02-03");
    assertEquals((await sim.spySessions([last[0]!])).length, 1);
  } finally {
    await ref.close();
    await sim.close();
  }
  // Closed: the port no longer answers, calls reject.
  await assertRejects(() =>
    fetch(`${sim.baseUrl}/v2/aggs/ticker/SPY/range/1/day/2024-03-01/2024-03-28`)
  );
  await assertRejects(() => sim.spySessions(last), Error, "closed");
  await sim.close(); // idempotent
});

Deno.test("startSimServerWorker: a bad world config rejects with the worker's message", async () => {
  await assertRejects(
    () => startSimServerWorker({ config: { ...CFG, start: "2024-03-28", end: "2024-02-01" } }),
    Error,
  );
});

Deno.test("startSimServerWorker: when the worker dies, pending and later calls reject", async () => {
  const all = generateWorld(CFG).days;
  // A prefetch of every session keeps prefetchDone() pending while the worker throws.
  const sim = await startSimServerWorker({ config: CFG, plan: { spySessions: all } });
  try {
    const pending = sim.prefetchDone();
    sim.crashForTest("boom from the worker");
    await assertRejects(() => pending, Error, "boom from the worker");
    await assertRejects(() => sim.spySessions(all.slice(-1)), Error, "boom from the worker");
  } finally {
    await sim.close();
  }
});
