/**
 * Polygon "as of now" datasets: the options chain snapshot and the upcoming market calendar,
 * end to end against the simulated market (every listed contract lands once, PIT-stamped at its
 * quote time; a rerun writes nothing), and their curation rules on hand-made rows.
 */
import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import {
  curateMarketCalendar,
  curateOptionSnapshot,
} from "../../lib/ingest/pipelines/polygon_snapshots.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { openSession } from "../../lib/ingest/session.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import { Catalog } from "../../lib/query/mod.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

Deno.test({
  name: "sim: option snapshot and market calendar land once, PIT-stamped; a rerun writes nothing",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const root = Deno.makeTempDirSync({ prefix: "snapshots-" });
    const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
    const session = await openSession({ config: cfg, sim: { seed: 5 } });
    try {
      const world = session.sim!.world;
      const today = world.today;
      const snap = pipelineFor("polygon", "option_snapshot");
      const cal = pipelineFor("polygon", "market_calendar");
      const run = () =>
        runBackfill([
          { pipeline: snap, symbols: ["SPY"], start: today, end: today },
          { pipeline: cal, symbols: ["US"], start: today, end: today },
        ], { clients: session.clients, root, workers: 2, quality: false });
      const first = await run();
      assertEquals(first.units.failed, 0, JSON.stringify(first.failures));

      const listed = world.options.listed(today);
      const rows = await readDataset(snap.curatedSpec, { root });
      assertEquals(rows.height, listed.length, "one row per listed contract");
      const tickers = new Set(rows.getColumn("ticker").toArray() as string[]);
      assertEquals(tickers.size, listed.length, "no duplicates");
      for (const c of listed.slice(0, 50)) assert(tickers.has(c.ticker), c.ticker);
      const dates = new Set(rows.getColumn("snapshot_date").cast(pl.Utf8).toArray());
      assertEquals([...dates], [today]);
      const b = sessionBounds(today)!;
      const q = rows.getColumn("quote_ts").cast(pl.Float64).toArray() as number[];
      const k = rows.getColumn("known_at").cast(pl.Float64).toArray() as number[];
      for (let i = 0; i < q.length; i++) {
        assertEquals(k[i], q[i], "known at the quote time");
        assert(q[i]! > b.open.getTime() && q[i]! <= b.close.getTime(), "quotes inside the session");
      }
      const bid = rows.getColumn("bid").toArray() as number[];
      const ask = rows.getColumn("ask").toArray() as number[];
      assert(bid.every((x, i) => x <= ask[i]!), "no crossed quote survives curation");
      const types = new Set(rows.getColumn("contract_type").toArray());
      assertEquals([...types].sort(), ["call", "put"]);

      const c = await readDataset(cal.curatedSpec, { root });
      assert(c.height > 0, "the sim announces holidays in the next 120 days");
      assert(
        (c.getColumn("matches_calendar").toArray() as boolean[]).every((x) => x),
        "the simulated vendor and lib/time agree",
      );
      for (const r of c.toRecords() as Record<string, unknown>[]) {
        const d = r.date instanceof Date ? r.date.toISOString().slice(0, 10) : String(r.date);
        assert(d > today, `${d} is upcoming`);
        if (r.status === "early-close") {
          assertEquals((r.close as Date).getTime(), sessionBounds(d)!.close.getTime());
        } else assertEquals(sessionBounds(d), null, `${d} is a holiday`);
      }

      const sql = await Catalog.open({ root });
      try {
        const v = await sql.query(
          "SELECT count(*)::INT AS n, min(mid > 0)::BOOLEAN AS pos FROM option_snapshots",
        );
        assertEquals(v.rows[0], { n: listed.length, pos: true });
        const m = await sql.query(
          "SELECT count(*)::INT AS n FROM market_calendar WHERE matches_calendar",
        );
        assertEquals(m.rows[0]!.n, c.height);
      } finally {
        sql.close();
      }

      const before = [snap, cal].map((p) => datasetState(p.curatedSpec, root).rows);
      const second = await run();
      assertEquals(second.units.failed, 0);
      const after = [snap, cal].map((p) => datasetState(p.curatedSpec, root).rows);
      assertEquals(after, before, "a rerun of the same snapshot adds no rows");
    } finally {
      await session.close();
      Deno.removeSync(root, { recursive: true });
    }
  },
});

Deno.test("market calendar curation: disagreements with lib/time are flagged, bad rows rejected", () => {
  const d = (s: string) => new Date(`${s}T00:00:00Z`);
  const raw = pl.DataFrame({
    date: pl.Series("date", [
      d("2024-07-04"), // Independence Day: closed in both
      d("2024-03-13"), // an ordinary Wednesday the "vendor" calls a holiday
      d("2024-11-29"), // day after Thanksgiving: early close at 13:00 ET = 18:00 UTC
      d("2024-12-24"), // early close announced at the wrong time
      d("2024-12-25"),
    ], pl.Date),
    exchange: ["NYSE", "NYSE", "NYSE", "NYSE", "NYSE"],
    name: ["Independence Day", "Made-up", "Thanksgiving", "Christmas Eve", "Christmas"],
    status: ["closed", "closed", "early-close", "early-close", "open-ish"],
    open: [null, null, "2024-11-29T14:30:00.000Z", "2024-12-24T14:30:00.000Z", null],
    close: [null, null, "2024-11-29T18:00:00.000Z", "2024-12-24T20:00:00.000Z", null],
    fetched_for: pl.Series("fetched_for", Array(5).fill(d("2024-06-28")), pl.Date),
  });
  const { curated, rejected } = curateMarketCalendar(raw);
  assertEquals(rejected.length, 1);
  assert(rejected[0]!.reason.includes("status"), rejected[0]!.reason);
  assertEquals(curated.getColumn("matches_calendar").toArray(), [true, false, true, false]);
  const known = curated.getColumn("known_at").cast(pl.Float64).toArray() as number[];
  assertEquals(known[0], Date.parse("2024-06-28T04:00:00Z"), "midnight New York (EDT)");
});

Deno.test("option snapshot curation: crossed, negative and malformed rows are rejected with a reason", () => {
  const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
  const n = 4;
  const raw = pl.DataFrame([
    pl.Series("snapshot_date", Array(n).fill(new Date("2024-03-28T00:00:00Z")), pl.Date),
    pl.Series("ticker", ["O:SPY240419C00520000", "O:SPY240419P00520000", "X", "Y"]),
    pl.Series("underlying_ticker", Array(n).fill("SPY")),
    pl.Series("contract_type", ["call", "put", "call", "straddle"]),
    pl.Series("expiration_date", ["2024-04-19", "2024-04-19", "2024-04-19", "2024-04-19"]),
    pl.Series("strike_price", [520, 520, 520, 520], pl.Float64),
    pl.Series("implied_volatility", [0.14, 0.15, 0.14, 0.14], pl.Float64),
    pl.Series("open_interest", [10, 20, 30, 40], pl.Float64),
    ...["delta", "gamma", "theta", "vega", "day_close", "day_volume", "underlying_price"].map((
      c,
    ) => pl.Series(c, [1, 1, 1, 1], pl.Float64)),
    pl.Series("bid", [5.1, 4.0, 6.0, 1.0], pl.Float64),
    pl.Series("ask", [5.2, 4.1, 5.9, 1.1], pl.Float64),
    pl.Series(
      "quote_last_updated",
      BigInt64Array.from(Array(n).fill(ns("2024-03-28T19:58:59Z"))) as unknown as number[],
    ),
  ]);
  const { curated, rejected } = curateOptionSnapshot(raw);
  assertEquals(curated.height, 2);
  assertEquals(rejected.map((r) => r.reason).sort(), [
    "contract_type is not call or put",
    "crossed quote (bid > ask)",
  ]);
  assertEquals(
    curated.getColumn("known_at").cast(pl.Float64).toArray(),
    [Date.parse("2024-03-28T19:58:59Z"), Date.parse("2024-03-28T19:58:59Z")],
  );
});
