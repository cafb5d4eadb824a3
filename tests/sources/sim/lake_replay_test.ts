import pl from "nodejs-polars";
import { assert, assertEquals } from "../../_assert.ts";
import { curatedBarSpec, writeDataset } from "../../../lib/lake/mod.ts";
import { generateWorld, startSimServer } from "../../../lib/sources/sim/mod.ts";
import { lakeReplayEvents } from "../../../lib/sources/sim/lake_replay.ts";

const DAY = "2024-03-27";

Deno.test("lake replay: curated minute bars of a day come back as AM events over the WebSocket", async () => {
  const root = await Deno.makeTempDir({ prefix: "sim_lake_" });
  const sim = await (async () => {
    const world = generateWorld({
      seed: 9,
      start: "2024-03-25",
      end: "2024-03-28",
      equityCount: 0,
    });
    const m = world.spyMinuteBars(DAY)!;
    const df = pl.DataFrame({
      ticker: Array(m.length).fill("SPY"),
      ts: pl.Series("ts", Array.from(m.t)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      open: Array.from(m.o),
      high: Array.from(m.h),
      low: Array.from(m.l),
      close: Array.from(m.c),
      volume: Array.from(m.v),
      vwap: Array.from(m.vw),
      trades: pl.Series("trades", Array.from(m.n)).cast(pl.Int64),
      known_at: pl.Series("known_at", Array.from(m.t, (t) => t + 60_000)).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    });
    await writeDataset(
      curatedBarSpec("polygon", "stock_bars_minute"),
      df,
      { transformId: "test@1", sourceUri: "sim://test", root },
    );
    // The first ten minutes of second bars too.
    const s = world.spySecondBars(DAY)!;
    const n = 600;
    const sec = pl.DataFrame({
      ticker: Array(n).fill("SPY"),
      ts: pl.Series("ts", Array.from(s.t.subarray(0, n))).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
      open: Array.from(s.o.subarray(0, n)),
      high: Array.from(s.h.subarray(0, n)),
      low: Array.from(s.l.subarray(0, n)),
      close: Array.from(s.c.subarray(0, n)),
      volume: Array.from(s.v.subarray(0, n)),
      vwap: Array.from(s.vw.subarray(0, n)),
      trades: pl.Series("trades", Array.from(s.n.subarray(0, n))).cast(pl.Int64),
      known_at: pl.Series("known_at", Array.from(s.t.subarray(0, n), (t) => t + 1000)).cast(
        pl.Int64,
      )
        .cast(pl.Datetime("ms", "UTC")),
    });
    await writeDataset(
      curatedBarSpec("polygon", "stock_bars_second"),
      sec,
      { transformId: "test@1", sourceUri: "sim://test", root },
    );
    const events = await lakeReplayEvents(DAY, { root });
    const am = events.filter((e) => e.ev.ev === "AM"), a = events.filter((e) => e.ev.ev === "A");
    assertEquals(am.length, m.length);
    assertEquals(a.length, n);
    assertEquals(am[0]!.ev.o, m.o[0]);
    assertEquals(am[0]!.ev.s, m.t[0]);
    assertEquals(am[m.length - 1]!.ev.c, m.c[m.length - 1]);
    assertEquals(a[59]!.ev.c, am[0]!.ev.c, "the first minute closes where its 60th second does");
    assert(events.every((e, i) => i === 0 || e.at >= events[i - 1]!.at));
    assertEquals(await lakeReplayEvents("2024-03-26", { root }), []);
    return startSimServer({ seed: 9, worldInstance: world, ws: { replay: { date: DAY, events } } });
  })();
  try {
    const got: Record<string, unknown>[] = [];
    const ws = new WebSocket(`${sim.wsUrl}/stocks`);
    await new Promise<void>((resolve, reject) => {
      ws.onmessage = (e) => {
        const frame = JSON.parse(String(e.data)) as Record<string, unknown>[];
        const first = frame[0]!;
        if (first.status === "connected") ws.send(JSON.stringify({ action: "auth", params: "k" }));
        else if (first.status === "auth_success") {
          ws.send(JSON.stringify({ action: "subscribe", params: "AM.SPY" }));
        } else if (first.ev === "AM") got.push(...frame);
        if (got.length >= 390) resolve();
      };
      ws.onerror = () => reject(new Error("WebSocket error"));
    });
    ws.close();
    assertEquals(got.length, 390);
    assert(got.every((e, i) => i === 0 || (e.s as number) > (got[i - 1]!.s as number)));
  } finally {
    await sim.close();
    await Deno.remove(root, { recursive: true });
  }
});
