/**
 * Missing sessions in real daily bars: TTR's ttrc (1990-05-01..06-29, 43 NYSE sessions) with
 * 1990-06-04 dropped, as the new-user trial found it. Features and labels count sessions: a
 * window or horizon over the missing Monday has no value (dropped and counted), instead of a
 * 5-session ROC or label silently spanning 6 sessions. Expected values are worked by hand from
 * the closes (tests/fixtures/ttrc_1990_05_06.csv) and TTR's ROC(5) on the full series.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import {
  buildDailyFeaturePanel,
  clockKind,
  exportLoadedBars,
  exportTrainingSetBatched,
  loadDailyBars,
  resolveExportSpec,
  sessionClock,
  type SymbolDailyBars,
} from "../../lib/features/mod.ts";
import { panelLabels } from "../../lib/labels/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { userDailyBarsSpec } from "../dataset/_lake.ts";

const CSV = new URL("../fixtures/ttrc_1990_05_06.csv", import.meta.url);

function ttrcWithout(drop: string): SymbolDailyBars {
  const lines = Deno.readTextFileSync(CSV).trim().split("\n").slice(1)
    .map((l) => l.split(",").map((c) => c.replaceAll('"', "")))
    .filter((c) => c[0] !== drop);
  const col = (j: number) => Float64Array.from(lines, (c) => Number(c[j]));
  return {
    symbol: "TTRC",
    dates: lines.map((c) => c[0]!),
    open: col(1),
    high: col(2),
    low: col(3),
    close: col(4),
    volume: col(5),
  };
}

const NYSE = getCalendar("nyse");
const bounds = (d: string) => NYSE.sessionBounds(d);
const at = (p: { dates: string[] }, d: string) => p.dates.indexOf(d);

Deno.test("sessionClock: missing NYSE sessions and missing periods, hand-worked", () => {
  const nyse = sessionClock({ calendar: "nyse", frequency: "session" })!;
  assertEquals(nyse("1990-06-01", "1990-06-05"), ["1990-06-04"]);
  assertEquals(nyse("1990-05-25", "1990-05-29"), [], "Memorial Day 1990-05-28 is no session");
  assertEquals(nyse("1990-12-28", "1991-01-03"), ["1990-12-31", "1991-01-02"]);
  assertEquals(sessionClock({ calendar: "none", frequency: "day" }), null, "rows are the clock");
  assertEquals(clockKind({ calendar: "none", frequency: "day" }), "rows");
  const month = sessionClock({ calendar: "none", frequency: "month" })!;
  assertEquals(month("1949-10-01", "1950-02-01"), ["1949-11-01", "1949-12-01", "1950-01-01"]);
  assertEquals(clockKind({ calendar: "none", frequency: "month" }), "periods");
});

Deno.test("roc_5 and the horizon-5 label never span the missing 1990-06-04 (ttrc)", () => {
  const b = ttrcWithout("1990-06-04");
  assertEquals(b.dates.length, 42);
  const spec = { kind: "forward_return" as const, horizon: 5 };
  // Before: the rows were the clock (what the trial saw).
  const rows = buildDailyFeaturePanel([b], { features: ["roc_5"] });
  const yRows = panelLabels(rows, spec, { sessionBounds: bounds });
  // 5 rows before 06-06 is 05-29: a 6-session change (roc simple, label log return)
  assertAlmostEquals(rows.features.roc_5![at(rows, "1990-06-06")]!, 10.06 / 9.72 - 1, 1e-12);
  assertAlmostEquals(yRows.label[at(rows, "1990-05-29")]!, Math.log(10.06 / 9.72), 1e-12);

  // After: the NYSE sessions are the clock.
  const p = buildDailyFeaturePanel([b], {
    features: ["roc_5"],
    missingBetween: sessionClock({ calendar: "nyse", frequency: "session" }),
  });
  const y = panelLabels(p, spec, { sessionBounds: bounds });
  assertEquals(p.dates.length, 43, "the missing session is a panel date");
  assertEquals(p.gaps!.missing, [
    { symbol: "TTRC", date: "1990-06-04", prev: "1990-06-01", next: "1990-06-05" },
  ]);
  assert(Number.isNaN(p.close[at(p, "1990-06-04")]!));
  // roc_5 needs the close 5 sessions back: none for 06-05..06-11 (06-04 would be 1..5 back
  // within the run that starts 06-05); 06-12 reads 06-05: TTR's ROC(5) on the full series.
  for (const d of ["1990-06-05", "1990-06-06", "1990-06-07", "1990-06-08", "1990-06-11"]) {
    assert(Number.isNaN(p.features.roc_5![at(p, d)]!), `roc_5 ${d}`);
  }
  assertAlmostEquals(p.features.roc_5![at(p, "1990-06-12")]!, 0.0227722772, 1e-10);
  // before the hole nothing changes: 5 sessions back of 06-01 is 05-24 (Memorial Day between)
  assertAlmostEquals(p.features.roc_5![at(p, "1990-06-01")]!, 10 / 9.78 - 1, 1e-12);
  // The label of 05-29 would end on 06-05 across the hole: none. 05-24 ends on 06-01 (5
  // sessions, Memorial Day is no session): Math.log(10 / 9.78); 06-05 ends on 06-12: Math.log(10.33 / 10.1).
  for (const d of ["1990-05-25", "1990-05-29", "1990-05-30", "1990-05-31", "1990-06-01"]) {
    assert(Number.isNaN(y.label[at(p, d)]!), `label ${d}`);
  }
  assertAlmostEquals(y.label[at(p, "1990-05-24")]!, Math.log(10 / 9.78), 1e-12);
  assertAlmostEquals(y.label[at(p, "1990-06-05")]!, Math.log(10.33 / 10.1), 1e-12);
  assertEquals(y.t1Ms[at(p, "1990-06-05")]!, bounds("1990-06-12")!.close.getTime());

  // Gap-free bars: the clock changes nothing (TTR's ROC(5) at 06-06 on the full series).
  const full = ttrcWithout("none");
  const a = buildDailyFeaturePanel([full], { features: ["roc_5", "rsi_14", "vol_yz_20"] });
  const c = buildDailyFeaturePanel([full], {
    features: ["roc_5", "rsi_14", "vol_yz_20"],
    missingBetween: sessionClock({ calendar: "nyse", frequency: "session" }),
  });
  assertEquals(c.gaps!.missing, []);
  for (const f of ["roc_5", "rsi_14", "vol_yz_20"]) assertEquals(c.features[f], a.features[f]);
  assertAlmostEquals(c.features.roc_5![at(c, "1990-06-06")]!, 0.0339157246, 1e-10);
});

const SPEC: DatasetSpec = userDailyBarsSpec("ttrc_gap");

Deno.test("export over the missing session: rows dropped and counted, eager = batched", async () => {
  const root = await Deno.makeTempDir({ prefix: "session_clock_" });
  Deno.env.set("WORKBENCH_DATA", root); // the batched reads resolve the lake from it
  try {
    const b = ttrcWithout("1990-06-04");
    await writeDataset(
      SPEC,
      pl.DataFrame([
        pl.Series("symbol", b.dates.map(() => "TTRC"), pl.Utf8),
        pl.Series("date", b.dates, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
        ...(["open", "high", "low", "close", "volume"] as const).map((c) =>
          pl.Series(c, b[c], pl.Float64)
        ),
        pl.Series("known_at", b.dates.map((d) => bounds(d)!.close.getTime()), pl.Float64)
          .cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
      ]),
      { transformId: "test@1", sourceUri: "test://ttrc", root },
    );
    const spec = resolveExportSpec({
      name: "ttrc_gap",
      data: { source: "lake", dataset: "user/ttrc_gap", root },
      features: ["roc_5"],
      label: { kind: "forward_return", horizon: 5 },
      trainEnd: "1990-06-01",
      cpcv: { groups: 3, testGroups: 1 },
    });
    const m = await exportLoadedBars(await loadDailyBars(spec.source), spec, {
      outDir: join(root, "eager"),
    });
    // Run 05-01..06-01 (23 bars): roc_5 from the 6th, label up to the 18th: 13 rows. Run
    // 06-05..06-29 (19 bars): 6th..14th: 9 rows. 42 bars - 22 = 20 dropped; counting rows
    // (42 bars: 6th..37th = 32 rows) would have kept 10 of them over a 6-session span.
    assertEquals(m.rows, 22);
    assertEquals(m.rows_dropped_incomplete, 20);
    assertEquals(m.rows_dropped_missing_sessions, 10);
    assertEquals(m.missing_sessions, {
      clock: "sessions",
      count: 1,
      examples: ["TTRC@1990-06-04"],
    });
    const rows = pl.readParquet(join(root, "eager", "rows.parquet"));
    const dates = rows.getColumn("date").toArray() as string[];
    assert(!dates.includes("1990-05-29") && !dates.includes("1990-06-06"));
    const r = await exportTrainingSetBatched(spec, { outDir: join(root, "b"), batchDates: 4 });
    const rb = pl.readParquet(join(root, "b", "rows.parquet"));
    assertEquals(rb.getColumn("date").toArray(), dates);
    assertEquals(rb.getColumn("roc_5").toArray(), rows.getColumn("roc_5").toArray());
    assertEquals(rb.getColumn("label").toArray(), rows.getColumn("label").toArray());
    assertEquals(r.manifest.missing_sessions, m.missing_sessions);
    assertEquals(r.manifest.rows_dropped_missing_sessions, 10);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
