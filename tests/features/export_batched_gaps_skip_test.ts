/**
 * Batched export with `gaps: "skip"`: the gold series of tests/fixtures/gaps_skip_gold_input.csv
 * (34 NA weekdays) in a lake on calendar `weekdays`, exported eagerly and in batches of 60 and
 * 173 dates, gives identical rows (bit for bit) and manifests; the rows and labels agree with
 * pandas `dropna()` windows (the fixture's expected values, tests/reference/gaps_skip_gold.py).
 * Also: the batched "no sample" refusal is the eager one (exit 2, each feature's window vs bars).
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeDataset } from "../../lib/lake/mod.ts";
import { MS_PER_DAY } from "../../lib/core/mod.ts";
import {
  exportLoadedBars,
  ExportSpecError,
  exportTrainingSetBatched,
  loadDailyBars,
  resolveExportSpec,
} from "../../lib/features/mod.ts";
import { assertFramesIdentical, comparable } from "./_frames_assert.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { userCloseSpec } from "../dataset/_lake.ts";

const FIX = new URL("../fixtures/", import.meta.url);
const SPEC = userCloseSpec("gold_gappy", true, {
  kind: "bars",
  calendar: "weekdays",
  currency: "USD",
  frequency: "day",
});

/** The observed (non-NA) gold closes as GOLD, and GOLDH: half of them, every 7th bar dropped. */
async function lake(): Promise<{ root: string; obs: [string, number][] }> {
  const root = await Deno.makeTempDir({ prefix: "export_batched_skip_" });
  Deno.env.set("WORKBENCH_DATA", root);
  const obs = (await Deno.readTextFile(new URL("gaps_skip_gold_input.csv", FIX))).trim().split(
    "\n",
  ).slice(1).map((l) => l.split(",")).filter(([, v]) => v !== "").map((
    [d, v],
  ) => [d!, +v!] as [string, number]);
  const sym: string[] = [], date: string[] = [], close: number[] = [], known: number[] = [];
  const push = (s: string, d: string, c: number) => {
    sym.push(s);
    date.push(d);
    close.push(c);
    known.push(Date.parse(d + "T00:00:00Z") + MS_PER_DAY);
  };
  obs.forEach(([d, c]) => push("GOLD", d, c));
  obs.forEach(([d, c], i) => i % 7 !== 3 && push("GOLDH", d, c / 2));
  await writeDataset(
    SPEC,
    pl.DataFrame([
      pl.Series("symbol", sym, pl.Utf8),
      pl.Series("date", date, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("close", close, pl.Float64),
      pl.Series("known_at", known, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
    ]),
    { transformId: "test@1", sourceUri: "test://gold", root },
  );
  return { root, obs };
}

function exportSpec(extra: Record<string, unknown> = {}) {
  return resolveExportSpec({
    name: "gold_skip",
    data: { source: "lake", dataset: "user/gold_gappy" },
    features: ["roc_5", "roc_20", "reversal_21_raw", "mom_12_1"],
    label: { kind: "forward_return", horizon: 5 },
    gaps: "skip",
    trainEnd: "1987-01-01",
    cpcv: { groups: 4, testGroups: 1, embargoDays: 3 },
    ...extra,
  });
}

Deno.test('batched export with gaps "skip" equals the eager export and pandas dropna() windows', async () => {
  const { root } = await lake();
  try {
    // GOLD alone, the fixture's features: rows and labels as pandas computes them
    const one = exportSpec({
      universe: ["GOLD"],
      features: ["roc_5", "reversal_21_raw"],
    });
    const exp = (await Deno.readTextFile(new URL("gaps_skip_gold_expected.csv", FIX))).trim()
      .split("\n").slice(1).map((l) =>
        l.split(",").map((x, j) => j === 0 ? x : x === "" ? NaN : +x)
      )
      .filter((r) => [2, 4, 5].every((j) => Number.isFinite(r[j] as number)));
    const me1 = await exportLoadedBars(await loadDailyBars(one.source), one, {
      outDir: join(root, "e1"),
    });
    assertEquals(me1.rows, exp.length);
    assertEquals(me1.missing_sessions.count, 34 + 0); // GOLD's NA weekdays (GOLDH not kept)
    const r1 = await exportTrainingSetBatched(one, { outDir: join(root, "b1"), batchDates: 97 });
    const rows1 = pl.readParquet(join(root, "b1", "rows.parquet"));
    assertFramesIdentical(rows1, pl.readParquet(join(root, "e1", "rows.parquet")));
    assertEquals(comparable(r1.manifest), comparable(me1));
    const lab = rows1.getColumn("label").toArray() as number[];
    const dt = rows1.getColumn("date").toArray() as string[];
    exp.forEach((r, i) => {
      assertEquals(dt[i], r[0]);
      assertAlmostEquals(lab[i]!, r[5] as number, 1e-12, r[0] as string);
    });

    // two symbols with different gaps, a ranked feature over 252 own bars (longer than a batch)
    const spec = exportSpec();
    const me = await exportLoadedBars(await loadDailyBars(spec.source), spec, {
      outDir: join(root, "e"),
    });
    const rowsE = pl.readParquet(join(root, "e", "rows.parquet"));
    // "break" loses every window over GOLD's 34 NA days and GOLDH's extra gaps
    const brk = exportSpec({ gaps: "break" });
    const mb = await exportLoadedBars(await loadDailyBars(brk.source), brk, {
      outDir: join(root, "brk"),
    });
    assert(me.rows > mb.rows + 300, `skip ${me.rows} rows, break ${mb.rows}`);
    assertEquals(me.rows_dropped_missing_sessions, 0);
    for (const batchDates of [60, 173]) {
      const out = join(root, `b${batchDates}`);
      const r = await exportTrainingSetBatched(spec, { outDir: out, batchDates });
      assert(r.batches >= Math.floor(1074 / batchDates), `batches ${r.batches}`);
      assertFramesIdentical(pl.readParquet(join(out, "rows.parquet")), rowsE);
      assertEquals(comparable(r.manifest), comparable(me));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("batched export: no sample refused as the eager export (window vs bars)", async () => {
  const { root } = await lake();
  try {
    // half a year of weekdays (under 130 bars): mom_12_1_raw looks back 252 bars, never a value
    const spec = exportSpec({
      data: { source: "lake", dataset: "user/gold_gappy", start: "1985-01-01", end: "1985-06-30" },
      features: ["roc_5", "mom_12_1_raw"],
      trainEnd: "1985-04-01",
    });
    let eagerMsg = "";
    try {
      await exportLoadedBars(await loadDailyBars(spec.source), spec, { outDir: join(root, "e") });
    } catch (e) {
      assert(e instanceof ExportSpecError, String(e));
      eagerMsg = e.message;
    }
    assert(
      /mom_12_1_raw looks back 252 bars; the longest symbol has \d+ daily bars/.test(eagerMsg),
    );
    let batchMsg = "";
    try {
      await exportTrainingSetBatched(spec, { outDir: join(root, "b"), batchDates: 40 });
    } catch (e) {
      assert(e instanceof ExportSpecError, String(e));
      batchMsg = e.message;
    }
    assertEquals(batchMsg, eagerMsg);

    // the task: exit 2, one line, the same message
    const f = join(root, "spec.json");
    Deno.writeTextFileSync(
      f,
      JSON.stringify({
        name: "gold_skip",
        data: {
          source: "lake",
          dataset: "user/gold_gappy",
          start: "1985-01-01",
          end: "1985-06-30",
        },
        features: ["roc_5", "mom_12_1_raw"],
        label: { kind: "forward_return", horizon: 5 },
        gaps: "skip",
        trainEnd: "1985-04-01",
      }),
    );
    const o = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        new URL("../../tasks/export_training.ts", import.meta.url).pathname,
        "--spec",
        f,
        "--out",
        join(root, "t"),
        "--batch-dates",
        "40",
      ],
      env: { WORKBENCH_DATA: root, TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(o.stderr);
    assertEquals(o.code, 2, err);
    assertEquals(err.trim().split("\n").length, 1, err);
    assert(err.includes("mom_12_1_raw looks back 252 bars; the longest symbol has"), err);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
