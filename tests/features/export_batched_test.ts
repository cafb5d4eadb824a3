/**
 * Out-of-core training export: the batched rows and manifest equal the eager export's (every
 * value compared bit for bit with Object.is) on a lake spanning several batches with rolling
 * per-symbol features, cross-sectional ranks (mom_12_1 reaches 252 dates back, longer than a
 * batch), a 5-session forward-return label, z-scores fitted on training rows and symbols that
 * list late, delist early or pause for longer than the warm-up (the window must widen). Also:
 * lookbacks derived by hand from the kernels, unbounded features refused, and the task's
 * --batch-dates path and its usage errors.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import {
  batchLookback,
  exportLoadedBars,
  exportTrainingSetBatched,
  loadDailyBars,
  resolveExportSpec,
} from "../../lib/features/mod.ts";
import { assertFramesIdentical, comparable } from "./_frames_assert.ts";
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { nyMs, userDailyBarsSpec } from "../dataset/_lake.ts";

const NYSE = getCalendar("nyse");
const DATES = NYSE.sessions("2020-01-02", "2022-12-30"); // 756 sessions, 3 year partitions

/** Seeded LCG in [0, 1). */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Symbols and the date ranges they trade (a gap of 70 sessions for GAP, > every warm-up but 252). */
const LIFE: Record<string, (t: number) => boolean> = {
  AAA: () => true,
  BBB: () => true,
  CCC: (t) => t >= 300, // lists late
  DDD: (t) => t < 500, // delists
  GAP: (t) => t < 200 || t >= 270, // pauses 70 sessions
  HHH: (t) => t % 3 !== 1 || t < 100, // sparse: misses every third session after t = 100
};

const SPEC: DatasetSpec = userDailyBarsSpec("panel_daily");

async function lake(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "export_batched_" });
  Deno.env.set("WORKBENCH_DATA", root); // the specs' dataset references read this lake
  const r = rng(7);
  const cols: Record<string, (string | number)[]> = {
    symbol: [],
    date: [],
    open: [],
    high: [],
    low: [],
    close: [],
    volume: [],
    known_at: [],
  };
  for (const [sym, alive] of Object.entries(LIFE)) {
    let c = 50 + 50 * r();
    DATES.forEach((d, t) => {
      const o = c * Math.exp(0.01 * (r() - 0.5));
      c = o * Math.exp(0.03 * (r() - 0.5));
      if (!alive(t)) return;
      cols.symbol!.push(sym);
      cols.date!.push(d);
      cols.open!.push(o);
      cols.high!.push(Math.max(o, c) * (1 + 0.01 * r()));
      cols.low!.push(Math.min(o, c) * (1 - 0.01 * r()));
      cols.close!.push(c);
      cols.volume!.push(Math.round(1e5 + 1e6 * r()));
      cols.known_at!.push(nyMs(d, 16 * 60));
    });
  }
  await writeDataset(
    SPEC,
    pl.DataFrame([
      pl.Series("symbol", cols.symbol as string[], pl.Utf8),
      pl.Series("date", cols.date as string[], pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      ...["open", "high", "low", "close", "volume"].map((c) =>
        pl.Series(c, cols[c] as number[], pl.Float64)
      ),
      pl.Series("known_at", cols.known_at as number[], pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    ]),
    { transformId: "test@1", sourceUri: "test://panel", root },
  );
  return root;
}

const FEATURES = [
  "roc_5",
  "roc_20",
  "stoch_k",
  "vol_yz_20",
  "vol_park_20",
  "ret_overnight",
  "ret_intraday",
  "mom_12_1",
  "reversal_21",
];

function exportSpec(extra: Record<string, unknown> = {}) {
  return resolveExportSpec({
    name: "batched",
    data: { source: "lake", dataset: "user/panel_daily" },
    features: FEATURES,
    label: { kind: "forward_return", horizon: 5 },
    trainEnd: "2022-01-01",
    cpcv: { groups: 5, testGroups: 2, embargoDays: 3 },
    ...extra,
  });
}

/** The eager path of the task: load, panel and labels on the dataset's clock, export. */
async function eager(spec: ReturnType<typeof exportSpec>, outDir: string) {
  return await exportLoadedBars(await loadDailyBars(spec.source), spec, { outDir });
}

Deno.test("batchLookback: warm-up and look-ahead derived from the kernels' windows", () => {
  // roc_20 reads C_{t-20}; Yang-Zhang 20 reads the overnight return of t-19 (close of t-20);
  // stochastic %K 14 reads t-13..t; mom_12_1 reads C_{t-252} on the panel grid
  assertEquals(batchLookback(["roc_20", "stoch_k"], { kind: "forward_return", horizon: 5 }), {
    symbolBars: 20,
    panelRows: 0,
    years: 0,
    horizon: 5,
  });
  assertEquals(
    batchLookback(["vol_yz_20", "mom_12_1", "month_seasonality"], { kind: "overnight" }),
    {
      symbolBars: 20,
      panelRows: 252,
      years: 5,
      horizon: 1,
    },
  );
  for (
    const f of ["rsi_14", "macd_hist_pct", "atr_14_pct", "bb_pctb", "vol_63", "dow_seasonality"]
  ) {
    assertThrows(
      () => batchLookback([f], { kind: "forward_return" }),
      RangeError,
      `feature ${f} has unbounded lookback`,
    );
  }
  assertThrows(
    () => batchLookback(["roc_5"], { kind: "triple_barrier" }),
    RangeError,
    "label triple_barrier has unbounded lookback",
  );
  assertThrows(
    () => batchLookback(["nope"], { kind: "overnight" }),
    RangeError,
    "Unknown daily feature nope",
  );
});

Deno.test("batched export equals the eager export: several batches, gaps, late listing, delisting", async () => {
  const root = await lake();
  try {
    const spec = exportSpec();
    const me = await eager(spec, join(root, "eager"));
    const rowsE = pl.readParquet(join(root, "eager", "rows.parquet"));
    assert(me.rows > 1500, `eager rows ${me.rows}`);
    // Missing sessions on the NYSE clock: GAP's 70 (t = 200..269) and HHH's every third session
    // from t = 100 (t = 100, 103, ..., 754: 219); late listing and delisting are not gaps.
    assertEquals(me.missing_sessions, {
      clock: "sessions",
      count: 70 + 219,
      examples: Array.from({ length: 10 }, (_, k) => `HHH@${DATES[100 + 3 * k]}`),
    });
    assert(me.rows_dropped_missing_sessions > 0, "rows lost to the gaps are counted");
    assert(me.rows_dropped_missing_sessions <= me.rows_dropped_incomplete);
    // symbols of every kind reach the samples, and mom_12_1 needs 252 dates: all batch sizes
    // below have a warm-up longer than the batch. HHH's runs of two bars after t = 100 never
    // fill a 20-session window and its first 100 sessions are before mom_12_1 has a value.
    const syms = new Set(rowsE.getColumn("symbol").toArray() as string[]);
    for (const s of Object.keys(LIFE)) {
      assertEquals(syms.has(s), s !== "HHH", `eager samples and ${s}`);
    }
    for (const batchDates of [60, 173]) {
      const out = join(root, `b${batchDates}`);
      const r = await exportTrainingSetBatched(spec, { outDir: out, batchDates });
      assert(r.batches >= 756 / batchDates - 1, `batches ${r.batches}`);
      assertFramesIdentical(pl.readParquet(join(out, "rows.parquet")), rowsE);
      assertEquals(comparable(r.manifest), comparable(me));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("batched export: one date per batch, a symbol gap longer than the warm-up widens the window", async () => {
  const root = await lake();
  try {
    // roc_20 only: warm-up 20 bars < the 70-session gap of GAP and < HHH's sparse bars, so
    // those batches must read further back; the window widening is counted in `reads`
    const spec = exportSpec({
      features: ["roc_20", "ret_overnight"],
      data: {
        source: "lake",
        dataset: "user/panel_daily",
        root,
        start: "2020-01-02",
        end: "2020-12-31",
      },
      trainEnd: "2020-09-01",
    });
    const me = await eager(spec, join(root, "eager"));
    const out = join(root, "b1");
    const r = await exportTrainingSetBatched(spec, { outDir: out, batchDates: 1 });
    assert(r.reads > r.batches, `reads ${r.reads} batches ${r.batches}: no window was widened`);
    assertFramesIdentical(
      pl.readParquet(join(out, "rows.parquet")),
      pl.readParquet(join(root, "eager", "rows.parquet")),
    );
    assertEquals(comparable(r.manifest), comparable(me));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("batched export refuses what it cannot reproduce exactly", async () => {
  const root = await lake();
  try {
    for (
      const [extra, msg] of [
        [{ features: ["rsi_14"] }, "rsi_14 has unbounded lookback"],
        [{ sequence: { lookback: 5, patchLength: 5, stride: 1 } }, "sequence windows"],
        [
          { data: { source: "lake", dataset: "user/panel_daily", adjust: "split" } },
          "adjust split",
        ],
      ] as const
    ) {
      await assertRejects(
        () => exportTrainingSetBatched(exportSpec(extra), { outDir: join(root, "x") }),
        msg,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

async function assertRejects(f: () => Promise<unknown>, msg: string) {
  try {
    await f();
  } catch (e) {
    assert(e instanceof RangeError && e.message.includes(msg), `${e}: expected ${msg}`);
    return;
  }
  throw new Error(`no error, expected ${msg}`);
}

const TASK = new URL("../../tasks/export_training.ts", import.meta.url).pathname;
async function run(args: string[], env: Record<string, string>) {
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, ...args],
    env: { ...env, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

Deno.test("export-training --batch-dates: same rows as without; usage errors exit 2 in one line", async () => {
  const root = await lake();
  try {
    const spec = {
      name: "t",
      data: { source: "lake", dataset: "user/panel_daily" },
      features: ["roc_5", "mom_12_1"],
      label: { kind: "forward_return", horizon: 2 },
      trainEnd: "2022-01-01",
    };
    const f = join(root, "spec.json");
    Deno.writeTextFileSync(f, JSON.stringify(spec));
    const env = { WORKBENCH_DATA: root };
    const a = await run(["--spec", f, "--out", join(root, "a"), "--batch-dates", "100"], env);
    assertEquals(a.code, 0, a.stderr);
    assert(/in \d+ batches of 100 dates/.test(a.stdout), a.stdout);
    const b = await run(["--spec", f, "--out", join(root, "b")], env);
    assertEquals(b.code, 0, b.stderr);
    assert(!b.stdout.includes("batches"), b.stdout);
    assertFramesIdentical(
      pl.readParquet(join(root, "a", "rows.parquet")),
      pl.readParquet(join(root, "b", "rows.parquet")),
    );
    // automatic: the manifest holds fewer rows than 1 and more than 0 -> batched
    const c = await run(["--spec", f, "--out", join(root, "c"), "--batch-above", "1"], env);
    assertEquals(c.code, 0, c.stderr);
    assert(c.stdout.includes("batches of 250 dates"), c.stdout);
    for (const bad of [["--batch-dates", "0"], ["--batch-dates", "x"], ["--batch-above", "-1"]]) {
      const r = await run(["--spec", f, ...bad], env);
      assertEquals(r.code, 2, bad.join(" "));
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
    Deno.writeTextFileSync(f, JSON.stringify({ ...spec, features: ["rsi_14"] }));
    const u = await run(["--spec", f, "--batch-dates", "10"], env);
    assertEquals(u.code, 2);
    assert(u.stderr.includes("rsi_14 has unbounded lookback"), u.stderr);
    assertEquals(u.stderr.trim().split("\n").length, 1, u.stderr);
    // unbatchable spec above the threshold: eager, same as before
    const e = await run(["--spec", f, "--out", join(root, "e"), "--batch-above", "1"], env);
    assertEquals(e.code, 0, e.stderr);
    assert(!e.stdout.includes("batches"), e.stdout);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
