/**
 * Per-row lineage of multi-unit backfill batches: `landBatch` lands several units in one write
 * per dataset, and every raw, curated and quarantine row must carry the URL of the unit that
 * fetched it (redacted: a key in a query parameter never reaches the lake), not a sibling's.
 * The single-URL path (one unit, or units sharing a URL) keeps one literal URL for the write.
 * Expected URLs are written out by hand below; the end-to-end case against the simulated market
 * maps each row back to the unit whose fetched frame held its key.
 *
 * The motivating failure: tests/ingest/dukascopy_backfill_test.ts checks every raw
 * `source_uri` against the datafeed URL pattern; a batch whose first unit (by timing) was the
 * FX Sunday, which fetched nothing, labelled every row `dukascopy:<unit>` (bf0cdcb picked the
 * first unit with a URL instead, which is still a sibling's URL for the other units).
 */
import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { type FetchedItem, landBatch, runBackfill } from "../../lib/ingest/backfill.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { openSession } from "../../lib/ingest/session.ts";
import type { FetchedUnit, Pipeline, Unit } from "../../lib/ingest/types.ts";
import {
  type DatasetSpec,
  metaDir,
  readDataset,
  readManifest,
  SchemaError,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { assertKeyAbsent, rawSpyBars } from "./_harness.ts";

const KEY = "PLANTEDKEY-lineage-7f3a9c51d2";
const BASE = "https://api.polygon.io/v2/aggs/ticker/SPY/range/1/minute";
/** The URL a unit of 2024-01-`day` fetched, with the key in the query. */
const urlOf = (day: number) => {
  const d = `2024-01-${String(day).padStart(2, "0")}`;
  return `${BASE}/${d}/${d}?adjusted=true&apiKey=${KEY}`;
};
/** The same URL as it must be stored (the key parameter's value masked). */
const storedOf = (day: number) => {
  const d = `2024-01-${String(day).padStart(2, "0")}`;
  return `${BASE}/${d}/${d}?adjusted=true&apiKey=***`;
};

const P = pipelineFor("polygon", "stock_bars_minute");

function unitOf(day: number): Unit {
  const d = `2024-01-${String(day).padStart(2, "0")}`;
  return {
    id: `polygon/stock_bars_minute/SPY/${d}..${d}`,
    source: "polygon",
    dataset: "stock_bars_minute",
    symbol: "SPY",
    start: d,
    end: d,
  };
}

function item(day: number, raw: pl.DataFrame, sourceUri: string, extra: Partial<FetchedUnit> = {}) {
  return {
    pipeline: P,
    unit: unitOf(day),
    fetched: { raw, rejected: [], sourceUri, pages: 1, fields: [], ...extra },
    drift: { source: "polygon", dataset: "stock_bars_minute", added: [], removed: [], changed: [] },
  } as unknown as FetchedItem;
}

/** `ts (ISO) -> source_uri` of a dataset's rows. */
async function urisByTs(spec: DatasetSpec, root: string): Promise<Record<string, string>> {
  const df = await readDataset(spec, { root });
  const ts = df.getColumn("ts").toArray() as unknown as Date[];
  const u = df.getColumn("source_uri").toArray() as string[];
  return Object.fromEntries(ts.map((t, i) => [t.toISOString(), u[i]!]));
}

/** What each day's two rawSpyBars rows (14:30Z and 14:31Z) must carry. */
function expectedByTs(days: Record<number, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [day, uri] of Object.entries(days)) {
    const d = `2024-01-${day.padStart(2, "0")}`;
    out[`${d}T14:30:00.000Z`] = uri;
    out[`${d}T14:31:00.000Z`] = uri;
  }
  return out;
}

function lastEntry(spec: DatasetSpec, root: string) {
  const m = readManifest(metaDir(spec, root)).filter((e) => e.kind === "write");
  return m[m.length - 1]!;
}

Deno.test("a batch of units with different URLs: every raw and curated row carries its own unit's URL, key redacted", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-" });
  try {
    // Day 5 fetched nothing (no URL, no rows): it must label no row of its siblings.
    const items = [
      item(5, rawSpyBars(5).head(0), ""),
      item(2, rawSpyBars(2), urlOf(2)),
      item(3, rawSpyBars(3), urlOf(3)),
      item(4, rawSpyBars(4), urlOf(4)),
    ];
    const r = await landBatch(items, root);
    assertEquals([r.rawRows, r.curatedRows, r.quarantined], [6, 6, 0]);
    const want = expectedByTs({ 2: storedOf(2), 3: storedOf(3), 4: storedOf(4) });
    assertEquals(await urisByTs(P.rawSpec, root), want);
    assertEquals(await urisByTs(P.curatedSpec, root), want);
    // One write per dataset; its manifest entry names the first URL and how many more.
    for (const spec of [P.rawSpec, P.curatedSpec]) {
      const writes = readManifest(metaDir(spec, root)).filter((e) => e.kind === "write");
      assertEquals(writes.length, 1, spec.zone);
      assertEquals(writes[0]!.source_uri, `${storedOf(2)} (+2 more)`);
    }
    assertKeyAbsent(KEY, { roots: [root] });
    // Landing the same rows again from other URLs is a no-op (lineage is not compared).
    const again = [
      item(2, rawSpyBars(2), urlOf(12)),
      item(3, rawSpyBars(3), urlOf(13)),
    ];
    await landBatch(again, root);
    assertEquals(await urisByTs(P.rawSpec, root), want);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a multi-URL batch: quarantine rows (parse and validate) carry their own unit's id and URL", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-q-" });
  try {
    // Day 3's 14:31 bar has its high below its low: a validate-stage reject of unit 3.
    const bad = rawSpyBars(3).withColumns(
      pl.when(pl.col("t").eq(Date.UTC(2024, 0, 3, 14, 31))).then(pl.lit(460)).otherwise(
        pl.col("h"),
      ).alias("h"),
    );
    const items = [
      item(2, rawSpyBars(2), urlOf(2)),
      item(3, bad, urlOf(3)),
      item(4, rawSpyBars(4), urlOf(4), {
        rejected: [{ index: 7, reason: "c: Expected number", payload: "{}", url: urlOf(4) }],
      }),
    ];
    const r = await landBatch(items, root);
    assertEquals([r.rawRows, r.curatedRows, r.quarantined], [6, 5, 2]);
    const q = (await readDataset(quarantineSpec("polygon"), { root })).sort("stage");
    assertEquals(q.getColumn("stage").toArray(), ["parse", "validate"]);
    assertEquals(q.getColumn("unit_id").toArray(), [unitOf(4).id, unitOf(3).id]);
    assertEquals(q.getColumn("source_uri").toArray(), [storedOf(4), storedOf(3)]);
    // The curated rows of the other units still carry their own URLs.
    assertEquals(
      await urisByTs(P.curatedSpec, root),
      Object.fromEntries(
        Object.entries(expectedByTs({ 2: storedOf(2), 3: storedOf(3), 4: storedOf(4) }))
          .filter(([t]) => t !== "2024-01-03T14:31:00.000Z"),
      ),
    );
    assertKeyAbsent(KEY, { roots: [root] });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("a multi-URL batch whose curate makes keys the raw rows lack: each unit is curated on its own, rows keep their URL", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-u-" });
  try {
    // A curate that moves every bar one minute later: no curated key is a raw key.
    const shifted: Pipeline = {
      ...P,
      curate: async (raw) => {
        const c = await P.curate(raw);
        return {
          ...c,
          curated: c.curated.withColumns(
            pl.col("ts").cast(pl.Int64).add(60_000).cast(pl.Datetime("ms", "UTC")).alias("ts"),
          ),
        };
      },
    };
    const items = [2, 3].map((d) => ({ ...item(d, rawSpyBars(d), urlOf(d)), pipeline: shifted }));
    const r = await landBatch(items, root);
    assertEquals([r.rawRows, r.curatedRows], [4, 4]);
    assertEquals(await urisByTs(P.curatedSpec, root), {
      "2024-01-02T14:31:00.000Z": storedOf(2),
      "2024-01-02T14:32:00.000Z": storedOf(2),
      "2024-01-03T14:31:00.000Z": storedOf(3),
      "2024-01-03T14:32:00.000Z": storedOf(3),
    });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("single-URL path: one unit, or units sharing a URL, write that URL (redacted) on every row and in the manifest", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-1-" });
  try {
    const shared = `${BASE}/2024-01-02/2024-01-04?adjusted=true&apiKey=${KEY}`;
    const sharedStored = `${BASE}/2024-01-02/2024-01-04?adjusted=true&apiKey=***`;
    await landBatch([
      item(2, rawSpyBars(2), shared),
      item(3, rawSpyBars(3), shared),
      item(8, rawSpyBars(8).head(0), ""), // no rows, no URL: no effect on the others
    ], root);
    await landBatch([item(4, rawSpyBars(4), urlOf(4))], root);
    const want = expectedByTs({ 2: sharedStored, 3: sharedStored, 4: storedOf(4) });
    assertEquals(await urisByTs(P.rawSpec, root), want);
    assertEquals(await urisByTs(P.curatedSpec, root), want);
    for (const spec of [P.rawSpec, P.curatedSpec]) {
      const writes = readManifest(metaDir(spec, root)).filter((e) => e.kind === "write");
      assertEquals(writes.map((w) => w.source_uri), [sharedStored, storedOf(4)], spec.zone);
    }
    // A batch where no unit fetched from a URL keeps the `<source>:<unit id>` fallback.
    await landBatch([item(9, rawSpyBars(9), "")], root);
    assertEquals(lastEntry(P.rawSpec, root).source_uri, `polygon:${unitOf(9).id}`);
    assertEquals(
      (await urisByTs(P.rawSpec, root))["2024-01-09T14:30:00.000Z"],
      `polygon:${unitOf(9).id}`,
    );
    assertKeyAbsent(KEY, { roots: [root] });
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("writeDataset: an input source_uri column is kept per row (each value redacted); non-strings and nulls are refused", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-w-" });
  const spec: DatasetSpec = {
    zone: "raw",
    source: "test",
    dataset: "lineage",
    partitioning: "none",
    timeColumn: "ts",
    naturalKey: ["ts"],
    schema: { ts: "ts_ms", x: "f64" },
  };
  const ts = (ms: number[]) => pl.Series("ts", ms).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  try {
    const df = pl.DataFrame([
      ts([1000, 2000, 3000]),
      pl.Series("source_uri", [
        `https://v.example/a?token=${KEY}`,
        "https://v.example/b",
        `https://v.example/a?token=${KEY}`,
      ]),
      pl.Series("x", [1, 2, 3], pl.Float64),
    ]);
    await writeDataset(spec, df, { transformId: "t@1", sourceUri: "label://batch", root });
    // A later write changes row 2 (rewrite path): the changed row gets its own new URL, the
    // unchanged stored rows keep theirs.
    await writeDataset(
      spec,
      pl.DataFrame([
        ts([2000]),
        pl.Series("source_uri", [`https://v.example/c?apikey=${KEY}`]),
        pl.Series("x", [20], pl.Float64),
      ]),
      { transformId: "t@1", sourceUri: "label://second", root },
    );
    const got = (await readDataset(spec, { root })).sort("ts");
    assertEquals(got.getColumn("source_uri").toArray(), [
      "https://v.example/a?token=***",
      "https://v.example/c?apikey=***",
      "https://v.example/a?token=***",
    ]);
    assertEquals(got.getColumn("x").toArray(), [1, 20, 3]);
    assertEquals(
      readManifest(metaDir(spec, root)).map((e) => e.source_uri),
      ["label://batch", "label://second"],
    );
    assertKeyAbsent(KEY, { roots: [root] });
    await assertRejects(
      () =>
        writeDataset(
          spec,
          pl.DataFrame([ts([4000]), pl.Series("source_uri", [7]), pl.Series("x", [1.0])]),
          { transformId: "t@1", sourceUri: "x", root },
        ),
      SchemaError,
      "not a string",
    );
    await assertRejects(
      () =>
        writeDataset(
          spec,
          pl.DataFrame([
            ts([4000, 5000]),
            pl.Series("source_uri", ["https://v.example/d", null], pl.Utf8),
            pl.Series("x", [1.0, 2.0]),
          ]),
          { transformId: "t@1", sourceUri: "x", root },
        ),
      SchemaError,
      "1 null values",
    );
    assertEquals((await readDataset(spec, { root })).height, 3);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

Deno.test("backfill against the simulated market: a batch of sessions lands once, each row with its own session's URL", async () => {
  const root = Deno.makeTempDirSync({ prefix: "lineage-sim-" });
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
  const session = await openSession({
    config: cfg,
    sim: { seed: 5, world: { start: "2024-01-02", end: "2024-01-31", equityCount: 2 } },
    http: { backoffBaseMs: 2, backoffMaxMs: 20, timeoutMs: 2500, maxRetries: 4 },
    simKey: KEY,
  });
  // The pipeline, recording what each unit fetched (its rows' keys and its URL).
  const fetchedBy = new Map<string, FetchedUnit>();
  const p: Pipeline = {
    ...P,
    fetch: async (ctx, unit) => {
      const f = await P.fetch(ctx, unit);
      fetchedBy.set(unit.id, f);
      return f;
    },
  };
  try {
    const s = await runBackfill(
      [{ pipeline: p, symbols: ["SPY"], start: "2024-01-08", end: "2024-01-12" }],
      { clients: session.clients, root, workers: 3, quality: false, lingerMs: 10_000 },
    );
    assertEquals(s.units.done, 5);
    // The URL each row must carry: its unit's, by the row's key (ticker, ts).
    const want: Record<string, string> = {};
    const urls = new Set<string>();
    for (const f of fetchedBy.values()) {
      assert(f.raw.height > 300, "a session of minute bars");
      assert(f.sourceUri.includes("/v2/aggs/"), f.sourceUri);
      urls.add(f.sourceUri);
      const ts = f.raw.getColumn("ts").toArray() as unknown as Date[];
      for (const t of ts) want[t.toISOString()] = f.sourceUri;
    }
    assertEquals(urls.size, 5);
    for (const spec of [P.rawSpec, P.curatedSpec]) {
      const writes = readManifest(metaDir(spec, root)).filter((e) =>
        e.kind === "write" && e.added.length > 0
      );
      // The lander lingered for every unit: one write of the whole batch.
      assertEquals(writes.length, 1, spec.zone);
      assert(writes[0]!.source_uri.endsWith(" (+4 more)"), writes[0]!.source_uri);
      const got = await urisByTs(spec, root);
      assertEquals(Object.keys(got).length, Object.keys(want).length, spec.zone);
      for (const [t, u] of Object.entries(got)) assertEquals(u, want[t], `${spec.zone} ${t}`);
    }
    assertKeyAbsent(KEY, { roots: [root] });
  } finally {
    await session.close();
    Deno.removeSync(root, { recursive: true });
  }
});
