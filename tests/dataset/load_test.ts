import pl from "nodejs-polars";
import { join } from "node:path";
import {
  curatedBarSpec,
  datasetState,
  manifestPath,
  metaDir,
  writeDataset,
} from "../../lib/lake/mod.ts";
import { loadDataset, parseDatasetRef, periodsPerYear } from "../../lib/dataset/mod.ts";
import { DataError } from "../../lib/core/errors.ts";
import { assert, assertAlmostEquals, assertEquals, assertRejects } from "../_assert.ts";
import {
  FX_CLOSES,
  FX_DATES,
  FX_SPEC,
  nyMs,
  OLD_CLOSES,
  OLD_DATES,
  OLD_VOLUMES,
  userCloseSpec,
  writeFixtures,
} from "./_lake.ts";

const RTOL = 1e-12;

async function withLake(fn: (root: string) => Promise<void>, opts = {}) {
  const root = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    await writeFixtures(root, opts);
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const dates = (df: pl.DataFrame) => df.getColumn("date").cast(pl.Utf8).toArray() as string[];
const nums = (df: pl.DataFrame, c: string) => df.getColumn(c).toArray() as (number | null)[];

Deno.test("manifest records the spec and meta; datasetState folds it", async () => {
  await withLake(async (root) => {
    const s = datasetState(FX_SPEC, root);
    assertEquals(s.spec, {
      meta: { kind: "bars", calendar: "fx", currency: "USD", frequency: "session" },
      partitioning: "year",
      timeColumn: "date",
      naturalKey: ["symbol", "date"],
    });
    // An old manifest without the spec field still folds (spec null) and still reads.
    const p = manifestPath(metaDir(FX_SPEC, root));
    const lines = Deno.readTextFileSync(p).trim().split("\n").map((l) => {
      const e = JSON.parse(l);
      delete e.spec;
      return JSON.stringify(e);
    });
    Deno.writeTextFileSync(p, lines.join("\n") + "\n");
    const old = datasetState(FX_SPEC, root);
    assertEquals(old.spec, null);
    assertEquals(old.rows, FX_DATES.length);
    const d = await loadDataset("user/eurusd_daily", { root });
    assertEquals(d.metaSource, "inferred");
    assertEquals(d.meta.calendar, "nyse"); // old user datasets were NYSE-checked
    assertEquals(d.frame.height, FX_DATES.length);
  });
});

Deno.test("loadDataset: a close-only FX series by name alone, on its own calendar", async () => {
  await withLake(async (root) => {
    const d = await loadDataset("user/eurusd_daily", { root });
    assertEquals(d.name, "curated/user/eurusd_daily");
    assertEquals(d.meta, { kind: "bars", calendar: "fx", currency: "USD", frequency: "session" });
    assertEquals(d.metaSource, "declared");
    assertEquals(d.periodsPerYear, 260);
    assertEquals(d.timeColumn, "date");
    assertEquals(dates(d.frame), FX_DATES);
    assertEquals(nums(d.frame, "close"), FX_CLOSES);
    for (const c of ["open", "high", "low", "volume"]) {
      assertEquals(d.frame.getColumn(c).nullCount(), FX_DATES.length, `${c} stays null`);
    }
    assertEquals(d.frame.getColumn("symbol").toArray(), FX_DATES.map(() => "EUR_USD"));
    assert(!d.frame.columns.includes("ingested_at"), "no lineage");
    assertEquals(d.files.length, 1);
    assert(d.files[0]!.path.startsWith("curated/user/eurusd_daily/year=2024/part-"));
    assertEquals(d.files[0]!.sha256, datasetState(FX_SPEC, root).files[0]!.sha256);
    assert(d.manifest.startsWith("curated/user/eurusd_daily?adjust=raw#"), d.manifest);
    // Same read, same id; another filter, another id.
    assertEquals((await loadDataset("user/eurusd_daily", { root })).manifest, d.manifest);
    const f = await loadDataset({
      source: "lake",
      dataset: "user/eurusd_daily",
      start: "2024-07-04",
      end: "2024-07-09",
      adjust: "raw",
    }, { root });
    assertEquals(dates(f.frame), ["2024-07-04", "2024-07-05", "2024-07-08", "2024-07-09"]);
    // A window with no rows gives an empty frame, not an invented row or a sort error.
    const none = await loadDataset({
      source: "lake",
      dataset: "user/eurusd_daily",
      start: "2030-01-01",
      end: "2030-02-01",
      adjust: "raw",
    }, { root });
    assertEquals(none.frame.height, 0);
    assert(f.manifest !== d.manifest);
    // Adjustment cannot apply to FX: prices unchanged, said in the notes.
    const tr = await loadDataset(
      { source: "lake", dataset: "user/eurusd_daily", adjust: "total_return" },
      { root },
    );
    assertEquals(nums(tr.frame, "close"), FX_CLOSES);
    assert(tr.notes.some((n) => n.includes("no corporate actions apply")), tr.notes.join("; "));
  });
});

Deno.test("loadDataset: asOf keeps rows known by then (date-only asOf = end of that UTC day)", async () => {
  await withLake(async (root) => {
    // known_at = 17:00 New York = 21:00Z in July: on 2024-07-03 at 20:59Z July 3 is not known.
    const a = await loadDataset({
      source: "lake",
      dataset: "user/eurusd_daily",
      asOf: "2024-07-03T20:59:59Z",
      adjust: "raw",
    }, { root });
    assertEquals(dates(a.frame), ["2024-07-01", "2024-07-02"]);
    const b = await loadDataset({
      source: "lake",
      dataset: "user/eurusd_daily",
      asOf: "2024-07-03",
      adjust: "raw",
    }, { root });
    assertEquals(dates(b.frame), ["2024-07-01", "2024-07-02", "2024-07-03"]);
  });
});

Deno.test("loadDataset: 1987 OHLCV adjusted for a split and a dividend (hand-worked)", async () => {
  await withLake(async (root) => {
    const raw = await loadDataset("user/abc_daily", { root });
    assertEquals(dates(raw.frame), OLD_DATES);
    assertEquals(nums(raw.frame, "close"), OLD_CLOSES);
    assertEquals(raw.periodsPerYear, 252);
    assertEquals(raw.corporateActions.length, 2);
    // Split 2:1 ex 1987-10-15: the three bars before it get prices / 2, volumes x 2.
    const sp = await loadDataset({ source: "lake", dataset: "user/abc_daily", adjust: "split" }, {
      root,
    });
    [5, 5.5, 6, 6.2, 6.4, 6.0].forEach((e, i) =>
      assertAlmostEquals(nums(sp.frame, "close")[i]!, e, RTOL)
    );
    [200, 220, 240, 260, 250, 300].forEach((e, i) =>
      assertAlmostEquals(nums(sp.frame, "volume")[i]!, e, RTOL)
    );
    assertAlmostEquals(nums(sp.frame, "open")[0]!, (10 - 0.1) / 2, RTOL);
    // Total return: dividend 0.40 ex 1987-10-19, previous close 6.4: factor 1 - 0.4 / 6.4 = 0.9375
    // on every bar before it, times the split's 0.5 before 1987-10-15.
    const tr = await loadDataset(
      { source: "lake", dataset: "user/abc_daily", adjust: "total_return" },
      { root },
    );
    [4.6875, 5.15625, 5.625, 5.8125, 6.0, 6.0].forEach((e, i) =>
      assertAlmostEquals(nums(tr.frame, "close")[i]!, e, RTOL)
    );
    [200, 220, 240, 260, 250, 300].forEach((e, i) =>
      assertAlmostEquals(nums(tr.frame, "volume")[i]!, e, RTOL)
    );
    assert(
      tr.files.some((f) => f.path.startsWith("curated/polygon/dividends/")),
      "CA files pinned",
    );
    // A window ending before the dividend: the dividend is not applied (last bar unchanged).
    const early = await loadDataset({
      source: "lake",
      dataset: "user/abc_daily",
      end: "1987-10-16",
      adjust: "total_return",
    }, { root });
    [5, 5.5, 6, 6.2, 6.4].forEach((e, i) =>
      assertAlmostEquals(nums(early.frame, "close")[i]!, e, RTOL)
    );
    assertEquals(OLD_VOLUMES.length, 6);
  });
});

Deno.test("loadDataset: a dividend not yet known at asOf is not applied", async () => {
  await withLake(async (root) => {
    const tr = await loadDataset({
      source: "lake",
      dataset: "user/abc_daily",
      asOf: "1990-01-01",
      adjust: "total_return",
    }, { root });
    [5, 5.5, 6, 6.2, 6.4, 6.0].forEach((e, i) =>
      assertAlmostEquals(nums(tr.frame, "close")[i]!, e, RTOL)
    );
  }, { dividendKnownAt: nyMs("1995-01-03", 0) });
});

Deno.test("loadDataset: equity bars with no corporate actions in the lake refuse adjustment", async () => {
  await withLake(async (root) => {
    await assertRejects(
      () => loadDataset({ source: "lake", dataset: "user/abc_daily", adjust: "split" }, { root }),
      RangeError,
      "holds no corporate actions",
    );
    const raw = await loadDataset("user/abc_daily", { root });
    assertEquals(raw.corporateActions, []);
  }, { actions: false });
});

Deno.test("loadDataset: unknown dataset lists what the lake holds; bad references", async () => {
  await withLake(async (root) => {
    const e = await assertRejects(() => loadDataset("user/nope", { root }), RangeError);
    // Listed as a reference writes them (curated zone without its prefix).
    assert(
      e.message.endsWith(
        "holds 4 datasets to read: polygon/dividends, polygon/splits, user/abc_daily, user/eurusd_daily",
      ),
      e.message,
    );
    await assertRejects(() => loadDataset("nope", { root }), RangeError, "Invalid dataset");
    await assertRejects(
      () =>
        loadDataset({ source: "lake", dataset: "user/abc_daily", asOf: "soon", adjust: "raw" }, {
          root,
        }),
      RangeError,
      "Invalid asOf",
    );
    await assertRejects(
      () =>
        loadDataset({
          source: "lake",
          dataset: "user/abc_daily",
          start: "1987-10-20",
          end: "1987-10-01",
          adjust: "raw",
        }, { root }),
      RangeError,
      "after end",
    );
    let threw = false;
    try {
      parseDatasetRef({ source: "lake", dataset: "user/x", adjust: "dividends" });
    } catch (err) {
      threw = err instanceof RangeError && err.message.startsWith("Invalid dataset reference");
    }
    assert(threw, "a bad adjust mode is a RangeError");
  });
});

Deno.test("loadDataset: a file whose bytes differ from the manifest checksum is a DataError", async () => {
  await withLake(async (root) => {
    const f = datasetState(FX_SPEC, root).files[0]!;
    const path = join(root, "curated/user/eurusd_daily", f.partition, f.file);
    const bytes = Deno.readFileSync(path);
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff;
    Deno.writeFileSync(path, bytes);
    await assertRejects(() => loadDataset("user/eurusd_daily", { root }), DataError, "sha256");
  });
});

Deno.test("loadDataset: intraday FX in UTC, the day's session runs from 17:00 New York the day before", async () => {
  const root = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    const spec = userCloseSpec("usdchf_30m", false, {
      kind: "bars",
      calendar: "fx",
      currency: "CHF",
      frequency: "30m",
    });
    // 2024-07-03 20:00Z .. 22:00Z every 30 minutes: 17:00 New York is 21:00Z.
    const ts = [0, 1, 2, 3, 4].map((k) => Date.parse("2024-07-03T20:00:00Z") + k * 1_800_000);
    await writeDataset(
      spec,
      pl.DataFrame([
        pl.Series("symbol", ts.map(() => "USD_CHF"), pl.Utf8),
        pl.Series("ts", ts, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
        pl.Series("close", [0.9, 0.901, 0.902, 0.903, 0.904], pl.Float64),
        pl.Series("known_at", ts.map((t) => t + 1_800_000), pl.Float64).cast(pl.Int64).cast(
          pl.Datetime("ms", "UTC"),
        ),
      ]),
      { transformId: "t", sourceUri: "test://", root },
    );
    const d = await loadDataset({
      source: "lake",
      dataset: "user/usdchf_30m",
      start: "2024-07-04",
      end: "2024-07-04",
      adjust: "raw",
    }, { root });
    assertEquals(d.timeColumn, "ts");
    assertEquals(d.meta.currency, "CHF");
    // 21:00Z (17:00 New York, k = 2) and later belong to the session of July 4.
    assertEquals(nums(d.frame, "close"), [0.902, 0.903, 0.904]);
    assertEquals(d.periodsPerYear, 260 * 48);
    const d3 = await loadDataset({
      source: "lake",
      dataset: "user/usdchf_30m",
      end: "2024-07-03",
      adjust: "raw",
    }, { root });
    assertEquals(nums(d3.frame, "close"), [0.9, 0.901]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadDataset: vendor day bars without meta: nyse/USD/session, ticker as symbol, date from ts", async () => {
  const root = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    const spec = curatedBarSpec("polygon", "stock_bars_day", {
      partitioning: "year",
      extra: { date: "date" },
    });
    const days = ["2024-07-03", "2024-07-05"];
    const ts = days.map((d) => nyMs(d, 0));
    await writeDataset(
      spec,
      pl.DataFrame([
        pl.Series("ticker", ["SPY", "SPY"], pl.Utf8),
        pl.Series("ts", ts, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
        pl.Series("date", days, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
        ...["open", "high", "low", "close", "volume", "vwap"].map((c) =>
          pl.Series(c, [100, 101], pl.Float64)
        ),
        pl.Series("trades", [1, 2], pl.Int64),
        pl.Series(
          "known_at",
          [nyMs("2024-07-03", 13 * 60), nyMs("2024-07-05", 16 * 60)],
          pl.Float64,
        )
          .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      ]),
      { transformId: "t", sourceUri: "test://", root },
    );
    const d = await loadDataset("polygon/stock_bars_day", { root });
    assertEquals(d.meta, { kind: "bars", calendar: "nyse", currency: "USD", frequency: "session" });
    assertEquals(d.timeColumn, "date");
    assertEquals(dates(d.frame), days);
    assertEquals(d.frame.getColumn("symbol").toArray(), ["SPY", "SPY"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("periodsPerYear: sessions, slower frequencies and intraday bars per calendar", () => {
  assertEquals(periodsPerYear("session", "nyse"), 252);
  assertEquals(periodsPerYear("day", "fx"), 260);
  assertEquals(periodsPerYear("session", "crypto"), 365);
  assertEquals(periodsPerYear("week", "nyse"), 52);
  assertEquals(periodsPerYear("month", "fx"), 12);
  assertEquals(periodsPerYear("quarter", "none"), 4);
  // NYSE session 6.5 h: 13 thirty-minute bars, 390 minute bars, 7 hourly bars (last one half).
  assertEquals(periodsPerYear("30m", "nyse"), 252 * 13);
  assertEquals(periodsPerYear("1m", "nyse"), 252 * 390);
  assertEquals(periodsPerYear("1h", "nyse"), 252 * 7);
  assertEquals(periodsPerYear("30m", "fx"), 260 * 48);
  assert(Number.isNaN(periodsPerYear("irregular", "none")));
  let msg = "";
  try {
    periodsPerYear("fortnightly", "nyse");
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("Unknown frequency"), msg);
});

Deno.test("loadDataset: a view through the DuckDB catalog, filtered by symbol, dates and asOf", async () => {
  await withLake(async (root) => {
    const v = await loadDataset({
      source: "lake",
      dataset: "view:user_daily_bars",
      symbols: ["ABC"],
      start: "1987-10-13",
      end: "1987-10-16",
      calendar: "nyse",
      adjust: "raw",
    }, { root });
    assertEquals(v.name, "view:user_daily_bars");
    assertEquals(v.timeColumn, "date");
    assertEquals(dates(v.frame), OLD_DATES.slice(1, 5));
    assertEquals(nums(v.frame, "close"), OLD_CLOSES.slice(1, 5));
    assertEquals(v.meta.calendar, "nyse");
    assertEquals(v.periodsPerYear, 252);
    const eur = await loadDataset({
      source: "lake",
      dataset: "view:user_daily_bars",
      symbols: ["EUR_USD"],
      asOf: "2024-07-02",
      calendar: "fx",
      adjust: "raw",
    }, { root });
    assertEquals(dates(eur.frame), ["2024-07-01", "2024-07-02"]);
    assertEquals(eur.frame.getColumn("open").nullCount(), 2, "open stays null");
    await assertRejects(
      () => loadDataset("view:no_such_view", { root }),
      RangeError,
      "user_daily_bars",
    );
  });
});

Deno.test("loadDataset: a declared null currency (unitless series) stays null, never the calendar's", async () => {
  const root = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    const spec = {
      meta: { kind: "series" as const, calendar: "nyse", currency: null, frequency: "quarter" },
      zone: "curated" as const,
      source: "user",
      dataset: "unemployment_q",
      partitioning: "none" as const,
      timeColumn: "date",
      naturalKey: ["symbol", "date"],
      schema: { symbol: "str", date: "date", value: "f64", known_at: "ts_ms" } as const,
    };
    await writeDataset(
      spec,
      pl.DataFrame([
        pl.Series("symbol", ["unemp", "unemp"], pl.Utf8),
        pl.Series("date", ["2009-01-01", "2009-04-01"], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
        pl.Series("value", [8.1, 9.2], pl.Float64),
        pl.Series("known_at", [Date.parse("2009-04-01"), Date.parse("2009-07-01")], pl.Float64)
          .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      ]),
      { transformId: "t", sourceUri: "test://", root },
    );
    const d = await loadDataset("user/unemployment_q", { root });
    assertEquals(d.meta.currency, null);
    const o = await loadDataset({
      source: "lake",
      dataset: "user/unemployment_q",
      currency: "USD",
      adjust: "raw",
    }, { root });
    assertEquals(o.meta.currency, "USD");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
