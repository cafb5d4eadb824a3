/**
 * Dukascopy ticks and bars backfilled from the simulated datafeed, once clean and once under a
 * fault schedule (as tests/ingest/sim_backfill_test.ts does for the other vendors): the faulty
 * lake holds exactly the clean rows except the records the server corrupted, which are in
 * quarantine with their reason; the client's retries match the server's fault log kind by kind;
 * the bars are the world's FX path; no request or stored URL carries a query string or a key.
 */
import pl from "nodejs-polars";
import { setLogSink } from "../../lib/core/log.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import type { FaultSchedule } from "../../lib/sources/sim/mod.ts";
import { fxDayStartMs } from "../../lib/sources/sim/fx.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { assertKeyAbsent, retryTally, runSimPlan } from "./_harness.ts";

const FAKE_KEY = "SIMFAKEKEY-dk-4b1f0e77c2a9d8-KEEPOUT";
const WORLD = { start: "2024-01-02", end: "2024-02-29", equityCount: 2 };
// Friday, Saturday (no unit), Sunday (a unit without a session), Monday, Tuesday.
const START = "2024-02-23", END = "2024-02-27";
const SESSIONS = ["2024-02-23", "2024-02-26", "2024-02-27"];
const TOL_PRICE = 1e-12;

const FAULTS: FaultSchedule = {
  "dukascopy.ticks": [
    { kind: "http429", everyNth: 7, retryAfterSec: 0 },
    { kind: "http503", everyNth: 11 },
    { kind: "truncated", everyNth: 13 },
    { kind: "error200", everyNth: 17 },
    { kind: "reset", everyNth: 19 },
    { kind: "badValues", everyNth: 5 },
    { kind: "duplicateRows", everyNth: 23 },
    { kind: "timeout", everyNth: 29, maxCount: 1, delayMs: 3000 },
  ],
};

async function run(root: string, faults?: FaultSchedule) {
  const { summaries, sim } = await runSimPlan(
    root,
    [{
      pipeline: pipelineFor("dukascopy", "fx_ticks"),
      symbols: ["EURUSD"],
      start: START,
      end: END,
    }],
    { seed: 11, world: WORLD, faults, key: FAKE_KEY, timeoutMs: 1500 },
  );
  return { summary: summaries[0]!, sim };
}

const BAR_SETS = [
  "fx_bars_m1",
  "fx_bars_m5",
  "fx_bars_m15",
  "fx_bars_h1",
  "fx_bars_h4",
  "fx_bars_d1",
];

Deno.test({
  name:
    "dukascopy: backfill under faults lands the clean rows minus quarantined ones, retries reconcile, no key",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const clean = Deno.makeTempDirSync({ prefix: "dk-clean-" });
    const faulty = Deno.makeTempDirSync({ prefix: "dk-faulty-" });
    const lines: string[] = [];
    const prev = setLogSink((l) => lines.push(l));
    try {
      const a = await run(clean);
      const b = await run(faulty, FAULTS);
      for (const s of [a.summary, b.summary]) {
        assertEquals(s.units.failed, 0, JSON.stringify(s.failures));
        assertEquals(s.units.total, 4); // Fri, Sun, Mon, Tue (Saturday is never a unit)
      }
      // 24 hour files per session, none for Sunday.
      assertEquals(a.summary.pages, 24 * SESSIONS.length);
      assertEquals(a.summary.requests, 24 * SESSIONS.length);

      // Retries reconcile with the fault log.
      const { served } = retryTally([], b.sim.faultLog);
      const r = b.summary.retriesByReason;
      assert((served.http429 ?? 0) > 0 && (served.truncated ?? 0) > 0, "faults were served");
      assertEquals(r.http_429 ?? 0, served.http429 ?? 0, "429");
      assertEquals(r.http_503 ?? 0, served.http503 ?? 0, "503");
      assertEquals(r.parse ?? 0, (served.truncated ?? 0) + (served.error200 ?? 0), "parse");
      assertEquals((r.body ?? 0) + (r.network ?? 0), served.reset ?? 0, "reset");
      assertEquals(r.timeout ?? 0, served.timeout ?? 0, "timeout");
      assert(
        b.sim.faultLog.filter((f) => f.kind === "duplicateRows").every((f) =>
          f.detail?.includes("no effect")
        ),
        "row faults of JSON pages are logged as without effect",
      );

      // Ticks: faulty = clean minus exactly the records swapped by badValues, quarantined.
      const tp = pipelineFor("dukascopy", "fx_ticks");
      const ca = await readDataset(tp.curatedSpec, { root: clean, dropLineage: true });
      const cb = await readDataset(tp.curatedSpec, { root: faulty, dropLineage: true });
      const bad = b.sim.faultLog.filter((f) => f.kind === "badValues").length;
      assert(bad > 0, "badValues served");
      assertEquals(ca.height - cb.height, bad, "one tick missing per corrupted file");
      const key = ["instrument", "ts", "seq"];
      const joined = cb.join(ca, { on: key, how: "inner", suffix: "_clean" });
      assertEquals(joined.height, cb.height, "every faulty-run tick was served clean");
      for (const c of ["bid", "ask", "mid", "bid_volume", "ask_volume"]) {
        const x = joined.getColumn(c).toArray(), y = joined.getColumn(`${c}_clean`).toArray();
        assertEquals(x, y, `${c} equal`);
      }
      const q = await readDataset(quarantineSpec("dukascopy"), { root: faulty });
      assertEquals(q.height, bad);
      assertEquals(new Set(q.getColumn("reason").toArray()), new Set(["invalid_value"]));
      const payloads = q.getColumn("payload").toArray() as string[];
      assert(payloads.every((p) => p.includes("crossed quote")), payloads[0]);
      const refs = q.getColumn("payload_ref").toArray() as string[];
      assert(
        refs.every((s) => /\/datafeed\/EURUSD\/2024\/01\/\d\d\/\d\dh_ticks\.bi5#row=\d+$/.test(s)),
        refs[0],
      );

      // Bars: same windows, tick counts short by the quarantined ticks.
      for (const ds of BAR_SETS) {
        const spec = pipelineFor("dukascopy", ds).curatedSpec;
        const ba = await readDataset(spec, { root: clean });
        const bb = await readDataset(spec, { root: faulty });
        assertEquals(bb.height, ba.height, `${ds} bars`);
        const sum = (df: pl.DataFrame) => Number(df.getColumn("ticks").sum());
        assertEquals(sum(ba) - sum(bb), bad, `${ds} ticks`);
        assertEquals(sum(ba), ca.height, `${ds} counts every tick`);
      }
      const nBars: Record<string, number> = {};
      for (const ds of BAR_SETS) {
        nBars[ds] = (await readDataset(pipelineFor("dukascopy", ds).curatedSpec, { root: clean }))
          .height;
      }
      assertEquals(nBars, {
        fx_bars_m1: 1440 * 3,
        fx_bars_m5: 288 * 3,
        fx_bars_m15: 96 * 3,
        fx_bars_h1: 24 * 3,
        fx_bars_h4: 6 * 3,
        fx_bars_d1: 3,
      });

      // The clean M1 mid bars are the world's EUR/USD minute candles; known_at = the bar's close.
      const m1 = (await readDataset(pipelineFor("dukascopy", "fx_bars_m1").curatedSpec, {
        root: clean,
      })).sort("ts");
      const ts = m1.getColumn("ts").toArray() as unknown as Date[];
      const known = m1.getColumn("known_at").toArray() as unknown as Date[];
      const col = (c: string) => m1.getColumn(c).toArray() as number[];
      const [o, h, l, c] = ["mid_open", "mid_high", "mid_low", "mid_close"].map(col);
      let k = 0;
      for (const d of SESSIONS) {
        const day = a.sim.world.fx.day("EUR_USD", d)!;
        assertEquals(ts[k]!.getTime(), fxDayStartMs(d));
        for (let i = 0; i < 1440; i++, k++) {
          assertEquals(known[k]!.getTime() - ts[k]!.getTime(), 60_000);
          assertAlmostEquals(o![k]!, day.mid.o[i]!, TOL_PRICE, `${d} ${i} open`);
          assertAlmostEquals(h![k]!, day.mid.h[i]!, TOL_PRICE, `${d} ${i} high`);
          assertAlmostEquals(l![k]!, day.mid.l[i]!, TOL_PRICE, `${d} ${i} low`);
          assertAlmostEquals(c![k]!, day.mid.c[i]!, TOL_PRICE, `${d} ${i} close`);
        }
      }
      // D1 bars: session dates, open at 17:00 New York the day before, known at the close.
      const d1 = (await readDataset(pipelineFor("dukascopy", "fx_bars_d1").curatedSpec, {
        root: clean,
      })).sort("ts");
      assertEquals(d1.getColumn("session").toArray(), SESSIONS);
      assertEquals(
        (d1.getColumn("known_at").toArray() as unknown as Date[]).map((x) => x.toISOString()),
        ["2024-02-23T22:00:00.000Z", "2024-02-26T22:00:00.000Z", "2024-02-27T22:00:00.000Z"],
      );

      // No query strings, no key: requests, stored URLs, logs and every file of both lakes.
      for (const rec of [...a.sim.requestLog, ...b.sim.requestLog]) {
        assert(!rec.path.includes("?"), rec.path);
      }
      for (const root of [clean, faulty]) {
        const raw = await readDataset(tp.rawSpec, { root });
        const uris = new Set(raw.getColumn("source_uri").toArray() as string[]);
        for (const u of uris) {
          assert(/^http:\/\/127\.0\.0\.1:\d+\/datafeed\/EURUSD\/[0-9/]+h_ticks\.bi5$/.test(u), u);
        }
      }
      assertKeyAbsent(FAKE_KEY, { lines, roots: [clean, faulty] });
    } finally {
      setLogSink(prev);
      Deno.removeSync(clean, { recursive: true });
      Deno.removeSync(faulty, { recursive: true });
    }
  },
});
