// Trial 10 findings 1-3: user datasets keep every version of a (symbol, time) (key symbol,
// date|ts, known_at). A corrected value re-ingested is a new version known from the ingest instant
// (the old one stays, pins keep working); vintages loaded one file at a time or all in one
// ALFRED-style file are versions, read as of an instant. Expected point-in-time figures:
// tests/fixtures/trial10/expected_asof.py (pandas merge_asof), not this code.
import pl from "nodejs-polars";
import { assert, assertEquals } from "../_assert.ts";
import { datasetState, readDataset, writeDataset } from "../../lib/lake/mod.ts";
import { pinSnapshot } from "../../lib/lake/snapshot.ts";
import { ingestBarsFile, userBarsSpec, userSeriesSpec } from "../../lib/ingest/user_file.ts";
import { loadDataset } from "../../lib/dataset/load.ts";
import { Catalog } from "../../lib/query/catalog.ts";
import { ingestFileTask } from "./_ingest_file_task.ts";

const FIX = new URL("../fixtures/trial10/", import.meta.url).pathname;
const EXPECTED = JSON.parse(Deno.readTextFileSync(`${FIX}expected_asof.json`));

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "trial10-versions-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const iso = (ms: number | Date) => new Date(ms).toISOString();

/** "date close known_at" of a daily bars dataset's stored rows (every version), sorted. */
async function storedBars(root: string, dataset: string): Promise<string[]> {
  const df = await readDataset(userBarsSpec(dataset, true, { partitioning: "year" }), { root });
  const d = df.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const c = df.getColumn("close").toArray() as number[];
  const k = df.getColumn("known_at").cast(pl.Int64).toArray().map(Number);
  return d.map((x, i) => `${x} ${c[i]} ${iso(k[i]!)}`).sort();
}

/** close on a date of a loaded frame (undefined when the date is not read). */
function closeOn(frame: pl.DataFrame, date: string): number | undefined {
  const f = frame.filter(pl.col("date").cast(pl.Utf8).eq(pl.lit(date)));
  assert(f.height <= 1, `${date}: ${f.height} rows, one version expected`);
  return f.height ? f.getColumn("close").get(0) as number : undefined;
}

const NOW = new Date("2026-01-05T12:00:00Z");
const PX = { dataset: "px", symbol: "MSFT" } as const;

Deno.test("trial 10 #1: a corrected value re-ingested is a new version known from the ingest instant; the old one stays", () =>
  withLake(async (root) => {
    const v1 = await ingestBarsFile(`${FIX}px_v1.csv`, { ...PX, root, now: NOW });
    assertEquals(v1.versions?.new, 3);
    const v2 = await ingestBarsFile(`${FIX}px_v2.csv`, { ...PX, root, now: NOW });
    assertEquals(
      [v2.versions?.new, v2.versions?.revised, v2.versions?.unchanged, v2.versions?.corrected],
      [1, 1, 2, 0],
    );
    const w = v2.warnings.find((x) => x.includes("revised"));
    assert(w, v2.warnings.join("\n"));
    assert(
      w.includes(
        "MSFT 2000-09-28 high 61.875 -> 62.5, close 61.3125 -> 62.5, known from 2026-01-05T12:00Z; as-of reads before that see high 61.875, close 61.3125",
      ),
      w,
    );
    // Both versions stored: the first at its bar close (16:00 New York = 20:00Z), the revision
    // at the ingest instant.
    assertEquals(await storedBars(root, "px"), [
      "2000-09-27 60.625 2000-09-27T20:00:00.000Z",
      "2000-09-28 61.3125 2000-09-28T20:00:00.000Z",
      "2000-09-28 62.5 2026-01-05T12:00:00.000Z",
      "2000-09-29 60.3125 2000-09-29T20:00:00.000Z",
      "2000-10-02 59.125 2000-10-02T20:00:00.000Z",
    ]);
    const ref = { source: "lake", dataset: "user/px", adjust: "raw" } as const;
    const before = await loadDataset({ ...ref, asOf: "2026-01-05T11:59:59Z" }, { root });
    assertEquals(closeOn(before.frame, "2000-09-28"), 61.3125);
    assertEquals(before.frame.height, 4);
    const after = await loadDataset({ ...ref, asOf: "2026-01-05T12:00:00Z" }, { root });
    assertEquals(closeOn(after.frame, "2000-09-28"), 62.5);
    const latest = await loadDataset(ref, { root });
    assertEquals(closeOn(latest.frame, "2000-09-28"), 62.5);
    assertEquals(latest.frame.height, 4);
    assertEquals(
      iso(Number(
        latest.frame.filter(pl.col("date").cast(pl.Utf8).eq(pl.lit("2000-09-28")))
          .getColumn("known_at").cast(pl.Int64).toArray()[0],
      )),
      NOW.toISOString(),
    );
    // Version 1's file is still on disk: a pin of it and a read of it work.
    const pin = await pinSnapshot({ zone: "curated", source: "user", dataset: "px" }, {
      root,
      version: 1,
      id: "v1",
    });
    assertEquals(pin.files.length, 1);
    const old = await loadDataset(ref, { root, version: 1 });
    assertEquals(closeOn(old.frame, "2000-09-28"), 61.3125);
    assertEquals(old.frame.height, 3);

    // The same file again: nothing written, every row unchanged.
    const entries = datasetState({ zone: "curated", source: "user", dataset: "px" }, root).entries;
    const again = await ingestBarsFile(`${FIX}px_v2.csv`, { ...PX, root, now: new Date() });
    assertEquals([again.versions?.new, again.versions?.revised, again.versions?.unchanged], [
      0,
      0,
      4,
    ]);
    assertEquals(again.write?.noop, true);
    assertEquals(again.warnings.filter((x) => x.includes("revised")), []);
    assertEquals(
      datasetState({ zone: "curated", source: "user", dataset: "px" }, root).entries,
      entries,
    );

    // SQL: the latest version, every version, and as of an instant.
    const cat = await Catalog.open({ root });
    try {
      const q = async (sql: string) =>
        (await cat.query(sql)).rows.map((r) => `${r.d} ${r.close}`).join(", ");
      assertEquals(
        await q(
          "SELECT strftime(date, '%Y-%m-%d') AS d, close FROM user_daily_bars WHERE date = DATE '2000-09-28'",
        ),
        "2000-09-28 62.5",
      );
      assertEquals(
        await q(
          "SELECT strftime(date, '%Y-%m-%d') AS d, close FROM user_daily_bars_versions WHERE date = DATE '2000-09-28' ORDER BY known_at",
        ),
        "2000-09-28 61.3125, 2000-09-28 62.5",
      );
      assertEquals(
        await q(
          "SELECT strftime(date, '%Y-%m-%d') AS d, close FROM user_daily_bars_asof(TIMESTAMPTZ '2025-01-01 00:00:00+00') WHERE date = DATE '2000-09-28'",
        ),
        "2000-09-28 61.3125",
      );
    } finally {
      cat.close();
    }
  }));

Deno.test("trial 10 #1 (task): the output counts new, revised and unchanged and warns naming the revision", () =>
  withLake(async (root) => {
    const env = { TZ: "UTC", WORKBENCH_DATA: root, NO_COLOR: "1" };
    const args = ["--dataset", "px", "--symbol", "MSFT"];
    const r1 = await ingestFileTask([`${FIX}px_v1.csv`, ...args], env);
    assertEquals(r1.code, 0, r1.stderr);
    const r2 = await ingestFileTask([`${FIX}px_v2.csv`, ...args], env);
    assertEquals(r2.code, 0, r2.stderr);
    assert(r2.stdout.includes("1 new, 1 revised"), r2.stdout);
    assert(r2.stdout.includes("2 unchanged"), r2.stdout);
    const all = r2.stdout + r2.stderr;
    assert(/MSFT 2000-09-28 .*close 61\.3125 -> 62\.5, known from 20\d\d-/.test(all), all);
    assert(all.includes("as-of reads before that see"), all);
  }));

Deno.test("trial 10 #1: the MSFT correction (msft_v1 then msft_v2) read as of three instants agrees with pandas", () =>
  withLake(async (root) => {
    const e = EXPECTED.msft;
    const now = new Date(e.now);
    const o = { dataset: "msft", symbol: "MSFT", root, now };
    await ingestBarsFile(`${FIX}msft_v1.csv`, o);
    const s = await ingestBarsFile(`${FIX}msft_v2.csv`, o);
    assertEquals([s.versions?.new, s.versions?.revised, s.versions?.unchanged], [
      e.new,
      e.revised,
      e.unchanged,
    ]);
    assert(
      s.warnings.some((w) =>
        w.includes("MSFT 2001-08-30 close 56.94 -> 58.0788, known from 2001-10-01T12:00Z") &&
        w.includes("as-of reads before that see 56.94")
      ),
      s.warnings.join("\n"),
    );
    const stored = await readDataset(userBarsSpec("msft", true), { root });
    assertEquals(stored.height, e.versions);
    for (const [asOf, want] of Object.entries(e.reads) as [string, Record<string, number>][]) {
      const d = await loadDataset({ source: "lake", dataset: "user/msft", adjust: "raw", asOf }, {
        root,
      });
      assertEquals(d.frame.height, want.rows, asOf);
      assertEquals(closeOn(d.frame, "2001-08-30"), want.close_2001_08_30, asOf);
      const sum = (d.frame.getColumn("close").toArray() as number[]).reduce((a, b) => a + b, 0);
      assert(Math.abs(sum - want.closeSum!) < 1e-9, `${asOf}: ${sum} vs ${want.closeSum}`);
    }
  }));

const GDP = {
  dataset: "gdp",
  kind: "series",
  symbol: "GDPC1",
  freq: "quarter",
  units: "other",
} as const;

/** "date value known_at" as of an instant, from loadDataset. */
async function gdpAsOf(root: string, asOf?: string): Promise<Record<string, unknown>> {
  const d = await loadDataset({
    source: "lake",
    dataset: "user/gdp",
    adjust: "raw",
    ...(asOf ? { asOf } : {}),
  }, {
    root,
  });
  const dates = d.frame.getColumn("date").cast(pl.Utf8).toArray() as string[];
  const v = d.frame.getColumn("value").toArray() as number[];
  const k = d.frame.getColumn("known_at").cast(pl.Int64).toArray().map(Number);
  return Object.fromEntries(dates.map((x, i) => [x, { value: v[i], known_at: iso(k[i]!) }]));
}

Deno.test("trial 10 #2: vintages loaded one release at a time (--map known_at=realtime_start) are both kept", () =>
  withLake(async (root) => {
    const [head, adv, rev] = Deno.readTextFileSync(`${FIX}gdp_two_vintages.csv`).trim().split(
      "\n",
    );
    await Deno.writeTextFile(`${root}/adv.csv`, `${head}\n${adv}\n`);
    await Deno.writeTextFile(`${root}/rev.csv`, `${head}\n${rev}\n`);
    const o = {
      ...GDP,
      root,
      map: { value: "GDPC1", known_at: "realtime_start" },
      skipColumns: ["realtime_end"],
    };
    const a = await ingestBarsFile(`${root}/adv.csv`, o);
    assertEquals(a.versions?.new, 1);
    const r = await ingestBarsFile(`${root}/rev.csv`, o);
    assertEquals([r.versions?.new, r.versions?.revised, r.versions?.unchanged], [0, 1, 0]);
    // known_at from the file (00:00 New York of realtime_start), not the ingest instant.
    assertEquals(await gdpAsOf(root, "2007-06-01T00:00:00Z"), {
      "2007-01-01": { value: 13034.401, known_at: "2007-04-30T04:00:00.000Z" },
    });
    assertEquals(await gdpAsOf(root), {
      "2007-01-01": { value: 13099.901, known_at: "2007-06-29T04:00:00.000Z" },
    });
    // Loading the advance release again changes nothing.
    const again = await ingestBarsFile(`${root}/adv.csv`, o);
    assertEquals([again.versions?.unchanged, again.versions?.revised], [1, 0]);
    assertEquals(again.write?.noop, true);
  }));

Deno.test("trial 10 #3: an ALFRED-style file (realtime_start, realtime_end, observation_date, VALUE) lands every vintage; as-of reads agree with pandas", () =>
  withLake(async (root) => {
    const s = await ingestBarsFile(`${FIX}gdpc1_vintages.csv`, { ...GDP, root });
    assertEquals([s.rowsValid, s.rowsQuarantined], [16, 0]);
    assertEquals(s.usedColumns.known_at, "realtime_start");
    assertEquals(s.usedColumns.value, "GDPC1");
    assert(
      s.notes.some((n) =>
        n.includes(`"realtime_start" read as known_at`) && n.includes("America/New_York")
      ),
      s.notes.join("\n"),
    );
    const stored = await readDataset(userSeriesSpec("gdp", true, { partitioning: "none" }), {
      root,
    });
    assertEquals(stored.height, 16);
    for (const [asOf, want] of Object.entries(EXPECTED.gdpc1)) {
      assertEquals(await gdpAsOf(root, asOf), want, asOf);
    }
    // SQL as of 2008-02-15: 2007Q4's advance value, known then.
    const cat = await Catalog.open({ root });
    try {
      const q = await cat.query(
        "SELECT value FROM user_series_asof(TIMESTAMPTZ '2008-02-15 23:59:59+00') WHERE date = DATE '2007-10-01'",
      );
      assertEquals(q.rows.map((r) => r.value), [13324.293]);
      const n = await cat.query("SELECT count(*)::INT AS n FROM user_series");
      assertEquals(n.rows[0]!.n, 8);
    } finally {
      cat.close();
    }
  }));

Deno.test("a dataset written with the old key (symbol, date) keeps working and is upgraded on the next write", () =>
  withLake(async (root) => {
    // The rows of px_v1.csv written as the code before versions did: key (symbol, date).
    const spec = userBarsSpec("px", true, { partitioning: "year" });
    const oldSpec = { ...spec, naturalKey: ["symbol", "date"] };
    const bar = (d: string, o: number, h: number, l: number, c: number, v: number) => ({
      symbol: "MSFT",
      date: d,
      open: o,
      high: h,
      low: l,
      close: c,
      volume: v,
      known_at: `${d}T20:00:00Z`,
    });
    const rows = [
      bar("2000-09-27", 63.4375, 63.5625, 59.8125, 60.625, 53077800),
      bar("2000-09-28", 60.8125, 61.875, 60.625, 61.3125, 26180200),
      bar("2000-09-29", 61, 61.3125, 58.625, 60.3125, 37026800),
    ];
    const df = pl.DataFrame(rows).withColumns(
      pl.col("date").str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("known_at", rows.map((r) => Date.parse(r.known_at)), pl.Float64).cast(pl.Int64)
        .cast(pl.Datetime("ms", "UTC")),
    );
    await writeDataset(oldSpec, df, { root, transformId: "old", sourceUri: "test" });
    const where = { zone: "curated", source: "user", dataset: "px" } as const;
    assertEquals(datasetState(where, root).spec?.naturalKey, ["symbol", "date"]);
    const before = await loadDataset({ source: "lake", dataset: "user/px", adjust: "raw" }, {
      root,
    });
    assertEquals(closeOn(before.frame, "2000-09-28"), 61.3125);

    const s = await ingestBarsFile(`${FIX}px_v2.csv`, { ...PX, root, now: NOW });
    assertEquals([s.versions?.new, s.versions?.revised, s.versions?.unchanged], [1, 1, 2]);
    assertEquals(datasetState(where, root).spec?.naturalKey, ["symbol", "date", "known_at"]);
    assertEquals(await storedBars(root, "px"), [
      "2000-09-27 60.625 2000-09-27T20:00:00.000Z",
      "2000-09-28 61.3125 2000-09-28T20:00:00.000Z",
      "2000-09-28 62.5 2026-01-05T12:00:00.000Z",
      "2000-09-29 60.3125 2000-09-29T20:00:00.000Z",
      "2000-10-02 59.125 2000-10-02T20:00:00.000Z",
    ]);
    const ref = { source: "lake", dataset: "user/px", adjust: "raw" } as const;
    assertEquals(closeOn((await loadDataset(ref, { root })).frame, "2000-09-28"), 62.5);
    assertEquals(
      closeOn((await loadDataset({ ...ref, asOf: "2025-12-31" }, { root })).frame, "2000-09-28"),
      61.3125,
    );
    // The old version's file is still there: version 1 reads.
    const v1 = await loadDataset(ref, { root, version: 1 });
    assertEquals(v1.frame.height, 3);
  }));
