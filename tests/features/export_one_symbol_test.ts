/**
 * export-training on a one-symbol user dataset (trial 2, finding 3): cross-sectionally ranked
 * features are refused (exit 2, one line naming them and their `_raw` versions), the `_raw`
 * versions export the symbol's own values, a constant column is exported with a warning, and the
 * manifest's statistics are those of the exported column. Expected values are computed here
 * from the bars (sample std of log returns, ln(C_{t-21} / C_{t-252})), never from the library.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { writeDataset } from "../../lib/lake/mod.ts";
import { buildDailyFeaturePanel } from "../../lib/features/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { nyMs, userDailyBarsSpec } from "../dataset/_lake.ts";

const RTOL = 1e-9;
const ATOL_Z = 1e-12;
const TASK = new URL("../../tasks/export_training.ts", import.meta.url).pathname;
const DAYS = getCalendar("nyse").sessions("2020-01-02", "2021-06-30");
const C = DAYS.map((_, t) => 50 * Math.exp(0.02 * Math.sin(0.3 * t) + 0.0005 * t));
const TRAIN_END = "2021-04-01";

async function lake(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "export_one_symbol_" });
  await writeDataset(
    userDailyBarsSpec("one"),
    pl.DataFrame([
      pl.Series("symbol", DAYS.map(() => "ONE"), pl.Utf8),
      pl.Series("date", DAYS, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("open", C, pl.Float64), // open = close: ret_intraday is 0 on every row
      pl.Series("high", C.map((x) => x + 0.5), pl.Float64),
      pl.Series("low", C.map((x) => x - 0.5), pl.Float64),
      pl.Series("close", C, pl.Float64),
      pl.Series("volume", DAYS.map((_, t) => 1e6 * (1 + 0.3 * Math.sin(0.11 * t))), pl.Float64),
      pl.Series("known_at", DAYS.map((d) => nyMs(d, 16 * 60)), pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    ]),
    { transformId: "test@1", sourceUri: "test://one", root },
  );
  return root;
}

async function exportTask(root: string, features: string[]) {
  const specFile = join(root, `spec_${features.length}.json`);
  await Deno.writeTextFile(
    specFile,
    JSON.stringify({
      name: "one",
      data: { source: "lake", dataset: "user/one" },
      features,
      label: { kind: "forward_return", horizon: 1 },
      trainEnd: TRAIN_END,
      cpcv: { groups: 4, testGroups: 1, embargoDays: 0 },
    }),
  );
  const out = join(root, `out_${features.join("_")}`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, "--spec", specFile, "--out", out],
    env: { WORKBENCH_DATA: root, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, stdout: dec.decode(r.stdout), stderr: dec.decode(r.stderr), out };
}

const exists = (p: string) => Deno.stat(p).then(() => true, () => false);

Deno.test("export-training refuses ranked features on one symbol: exit 2, one line, _raw named", async () => {
  const root = await lake();
  try {
    const r = await exportTask(root, ["vol_63", "reversal_21", "roc_5"]);
    assertEquals(r.code, 2, r.stderr);
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assert(lines[0]!.includes("vol_63, reversal_21 are ranked across symbols per date"), r.stderr);
    assert(lines[0]!.includes("1 symbol in the export universe (ONE)"), r.stderr);
    assert(lines[0]!.includes("use vol_63_raw, reversal_21_raw"), r.stderr);
    assert(!lines[0]!.includes("roc_5"), "a per-symbol feature is not blamed");
    assert(!/\n\s+at /.test(r.stderr), "no stack trace");
    assertEquals(await exists(join(r.out, "rows.parquet")), false, "nothing written");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("export-training on one symbol with _raw features: values, warm-up, constant warning, manifest stats", async () => {
  const root = await lake();
  try {
    const feats = ["vol_63_raw", "mom_12_1_raw", "ret_intraday"];
    const r = await exportTask(root, feats);
    assertEquals(r.code, 0, r.stderr);
    // the constant column is named on stderr
    const warn = r.stderr.split("\n").filter((l) => l.includes("warning"));
    assertEquals(warn.length, 1, r.stderr);
    assert(warn[0]!.includes("ret_intraday is constant (0)"), r.stderr);
    // warm-up: mom_12_1 reads C_{t-252}, vol_63 needs 63 returns (t >= 63), label C_{t+1}
    assert(r.stdout.includes("mom_12_1_raw 252 (sets the warm-up), vol_63_raw 63"), r.stdout);
    const m = JSON.parse(await Deno.readTextFile(join(r.out, "manifest.json")));
    assertEquals(m.rows_missing, { vol_63_raw: 63, mom_12_1_raw: 252, ret_intraday: 0, label: 1 });
    const nT = DAYS.length;
    assertEquals(m.rows, nT - 252 - 1);
    assertEquals(m.rows_dropped_incomplete, 253);

    // independent raw values per row
    const lr = C.map((c, t) => (t ? Math.log(c / C[t - 1]!) : NaN));
    const vol = (t: number) => {
      const w = lr.slice(t - 62, t + 1);
      const mu = w.reduce((a, b) => a + b, 0) / 63;
      return Math.sqrt(w.reduce((a, b) => a + (b - mu) ** 2, 0) / 62);
    };
    const mom = (t: number) => Math.log(C[t - 21]! / C[t - 252]!);
    const rows = pl.readParquet(join(r.out, "rows.parquet"));
    const dates = rows.getColumn("date").toArray() as string[];
    assertEquals(dates[0], DAYS[252]);
    const tOf = new Map(DAYS.map((d, t) => [d, t]));
    const train = dates.map((d) => d < TRAIN_END);
    const nTrain = train.filter(Boolean).length;
    assertEquals(m.normalisation.train_rows, nTrain);
    const stats = (x: number[]) => {
      const v = x.filter((_, i) => train[i]);
      const mu = v.reduce((a, b) => a + b, 0) / v.length;
      return [mu, Math.sqrt(v.reduce((a, b) => a + (b - mu) ** 2, 0) / (v.length - 1))] as const;
    };
    for (const [name, f] of [["vol_63_raw", vol], ["mom_12_1_raw", mom]] as const) {
      const raw = dates.map((d) => f(tOf.get(d)!));
      const [mu, sd] = stats(raw);
      const fit = m.features.find((x: { name: string }) => x.name === name);
      assertAlmostEquals(fit.mean, mu, Math.abs(mu) * RTOL, name);
      assertAlmostEquals(fit.std, sd, sd * RTOL, name);
      assertEquals(fit.raw_std, fit.std);
      assertEquals([fit.constant, fit.per_date], [false, "none"]);
      const z = Array.from(rows.getColumn(name).toTypedArray() as Float64Array);
      z.forEach((v, i) => assertAlmostEquals(v, (raw[i]! - mu) / sd, 1e-6, `${name} row ${i}`));
      // the manifest's exported-column stats are those of the Parquet column
      const [zm, zs] = stats(z);
      assertAlmostEquals(fit.exported_mean, zm, ATOL_Z);
      assertAlmostEquals(fit.exported_std, zs, ATOL_Z);
      assertAlmostEquals(zm, 0, 1e-9);
      assertAlmostEquals(zs, 1, 1e-9);
    }
    // the constant column: 0 on every row, and the manifest says so (not std 1 of a constant)
    const zi = Array.from(rows.getColumn("ret_intraday").toTypedArray() as Float64Array);
    assert(zi.every((v) => v === 0), "ret_intraday exported as 0");
    const ci = m.features.find((x: { name: string }) => x.name === "ret_intraday");
    assertEquals(
      [ci.constant, ci.mean, ci.raw_std, ci.exported_mean, ci.exported_std],
      [true, 0, 0, 0, 0],
    );
    assertEquals(m.warnings.length, 1);
    assert(m.warnings[0].startsWith("feature ret_intraday is constant"), m.warnings[0]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("daily panel: a rank on a date with one symbol is NaN, with two a 0/1 rank", () => {
  // B lists at t = 80: before that A is alone, so its vol_63 rank has no value
  const n = 120, days = DAYS.slice(0, n);
  const mk = (symbol: string, from: number, k: number) => {
    const d = days.slice(from);
    const c = Float64Array.from(d, (_, t) => 20 * Math.exp(k * Math.sin(0.4 * t)));
    return { symbol, dates: d, open: c, high: c, low: c, close: c, volume: c.map(() => 1e5) };
  };
  const p = buildDailyFeaturePanel([mk("A", 0, 0.01), mk("B", 80, 0.03)], {
    features: ["vol_63", "vol_63_raw"],
  });
  const rank = p.features.vol_63!, raw = p.features.vol_63_raw!;
  // A alone with a value at t = 63..n-1 until B has 63 returns (t = 80 + 63 = 143 > n): NaN
  for (let t = 63; t < n; t++) {
    assert(Number.isFinite(raw[t * 2]!), `raw A t=${t}`);
    assert(Number.isNaN(rank[t * 2]!), `rank A t=${t} with one symbol`);
  }
  const q = buildDailyFeaturePanel([mk("A", 0, 0.01), mk("B", 0, 0.03)], {
    features: ["vol_63"],
  });
  // two symbols: B is more volatile, rank 1; A rank 0
  assertEquals([q.features.vol_63![100 * 2], q.features.vol_63![100 * 2 + 1]], [0, 1]);
});
