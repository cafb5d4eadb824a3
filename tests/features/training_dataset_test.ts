/**
 * export-training and train on a user dataset: a close-only EUR_USD daily series on the fx
 * calendar (4 July included), built into a temporary lake; exported rows checked against the
 * features and labels computed here by hand (roc_5 = C_t / C_{t-5} - 1, label ln(C_{t+1} / C_t),
 * z-score with the training rows' mean and ddof-1 std), and a 1987 NYSE OHLCV series.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { getCalendar } from "../../lib/time/mod.ts";
import { loadDailyBars, resolveExportSpec } from "../../lib/features/mod.ts";
import { runTraining, type TrainSpec } from "../../lib/models/train.ts";
import { assert, assertAlmostEquals, assertEquals } from "../_assert.ts";
import { nyMs, userCloseSpec, userDailyBarsSpec } from "../dataset/_lake.ts";

const RTOL = 1e-9;
const ROOT_TASKS = new URL("../../tasks/", import.meta.url).pathname;

const FX = getCalendar("fx");
const DATES = FX.sessions("2024-05-01", "2024-08-30"); // 88 weekdays
const CLOSE = DATES.map((_, t) => 1.1 * (1 + 0.002 * Math.sin(0.7 * t) + 0.0005 * t));

const SPEC: DatasetSpec = userCloseSpec("eurusd_long", true, {
  kind: "bars",
  calendar: "fx",
  currency: "USD",
  frequency: "session",
});

async function lake(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "training_dataset_" });
  await writeDataset(
    SPEC,
    pl.DataFrame([
      pl.Series("symbol", DATES.map(() => "EUR_USD"), pl.Utf8),
      pl.Series("date", DATES, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
      pl.Series("close", CLOSE, pl.Float64),
      pl.Series("known_at", DATES.map((d) => nyMs(d, 17 * 60)), pl.Float64).cast(pl.Int64).cast(
        pl.Datetime("ms", "UTC"),
      ),
    ]),
    { transformId: "test@1", sourceUri: "test://eurusd", root },
  );
  return root;
}

const EXPORT = {
  name: "eurusd_roc",
  data: { source: "lake", dataset: "user/eurusd_long" },
  features: ["roc_5"],
  label: { kind: "forward_return", horizon: 1 },
  trainEnd: "2024-07-01",
  frequency: "1d",
  cpcv: { groups: 4, testGroups: 1, embargoDays: 0 },
};

async function runTask(file: string, args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", join(ROOT_TASKS, file), ...args],
    env: { ...env, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test("export-training on a user FX dataset: rows equal the hand-computed features and labels", async () => {
  const root = await lake();
  try {
    const specFile = join(root, "export.json");
    Deno.writeTextFileSync(specFile, JSON.stringify(EXPORT));
    const out = join(root, "out");
    const r = await runTask("export_training.ts", ["--spec", specFile, "--out", out], {
      WORKBENCH_DATA: root,
    });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("calendar fx"), r.stdout);
    assert(r.stdout.includes("260 periods per year"), r.stdout);
    const rows = pl.readParquet(join(out, "rows.parquet"));
    const man = JSON.parse(Deno.readTextFileSync(join(out, "manifest.json")));
    // Independent: samples t = 5 .. n-2 (roc_5 needs 5 bars back, the label one bar ahead).
    const n = DATES.length;
    const idx = Array.from({ length: n - 6 }, (_, k) => k + 5);
    assertEquals(rows.height, idx.length);
    assertEquals(rows.getColumn("date").toArray(), idx.map((t) => DATES[t]));
    assert(DATES.includes("2024-07-04"), "4 July is an FX session");
    const roc = idx.map((t) => CLOSE[t]! / CLOSE[t - 5]! - 1);
    const lab = idx.map((t) => Math.log(CLOSE[t + 1]! / CLOSE[t]!));
    const train = idx.map((t, k) => (DATES[t]! < EXPORT.trainEnd ? roc[k]! : NaN)).filter((x) =>
      !Number.isNaN(x)
    );
    const mean = train.reduce((a, b) => a + b, 0) / train.length;
    const sd = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / (train.length - 1));
    assertAlmostEquals(man.features[0].mean, mean, RTOL);
    assertAlmostEquals(man.features[0].std, sd, RTOL);
    const z = rows.getColumn("roc_5").toArray() as number[];
    const y = rows.getColumn("label").toArray() as number[];
    idx.forEach((_, k) => {
      assertAlmostEquals(z[k]!, (roc[k]! - mean) / sd, RTOL);
      assertAlmostEquals(y[k]!, lab[k]!, RTOL);
    });
    // Decision time = the FX session close (17:00 New York = 21:00Z in summer), 4 July too.
    const k4 = idx.findIndex((t) => DATES[t] === "2024-07-04");
    assertEquals(
      Number(rows.getColumn("t0_ms").get(k4)),
      Date.parse("2024-07-04T21:00:00Z"),
    );
    assert(man.inputs[0].name.includes("curated/user/eurusd_long"), man.inputs[0].name);
    assert(man.inputs[0].name.includes("calendar fx"), man.inputs[0].name);
    // the spec leaves the label's type to its default: the manifest records it (log)
    assertEquals(man.label.definition, { kind: "forward_return", horizon: 1, type: "log" });
    assertEquals(man.spec.label, { kind: "forward_return", horizon: 1 });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("export-training and train tasks: --help, bad options exit 2 with one line", async () => {
  for (const task of ["export_training.ts", "train.ts"]) {
    const h = await runTask(task, ["--help"]);
    assertEquals(h.code, 0, h.stderr);
    assert(
      h.stdout.includes(`deno task ${task === "train.ts" ? "train" : "export-training"}`),
      h.stdout,
    );
    assert(h.stdout.includes("--dataset user/msft_daily"), h.stdout);
    if (task === "export_training.ts") {
      // the example spec is named once in --spec's description (not also in its text)
      const flat = h.stdout.replace(/\s+/g, " ");
      assertEquals(
        flat.match(/e\.g\. tasks\/specs\/export_user_daily\.json/g)?.length,
        1,
        h.stdout,
      );
    }
    for (
      const bad of [
        ["--bogus"],
        ["--spec", "x.json", "--adjust", "weird", "--dataset", "user/x"],
        ["--spec", "x.json", "--symbols", "A"],
        ["--spec", "x.json", "--dataset", "nozone"],
        [],
      ]
    ) {
      const r = await runTask(task, bad);
      assertEquals(r.code, 2, `${task} ${bad.join(" ")}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    }
  }
});

Deno.test("export-training and train: an unknown feature in the spec is exit 2 before any read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const exp = { ...EXPORT, features: ["roc_5", "momentum_x"] };
    const files = {
      "export_training.ts": exp,
      "train.ts": { name: "t", question: "q", data: exp, model: { kind: "ridge", grid: [{}] } },
    };
    for (const [task, spec] of Object.entries(files)) {
      const f = join(dir, `${task}.json`);
      Deno.writeTextFileSync(f, JSON.stringify(spec));
      // an empty lake: the refusal comes before any read (it used to exit 1 after loading)
      const r = await runTask(task, ["--spec", f], { WORKBENCH_DATA: join(dir, "lake") });
      assertEquals(r.code, 2, `${task}: ${r.stderr}`);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert(r.stderr.includes('unknown feature "momentum_x"'), r.stderr);
      assert(r.stderr.includes("roc_20"), `the known features are listed: ${r.stderr}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train on a user FX dataset: Sharpe annualised with the fx calendar's 260 sessions", async () => {
  const root = await lake();
  try {
    const spec: TrainSpec = {
      name: "eurusd_ridge",
      question: "test-eurusd",
      data: resolveExportSpec(EXPORT) as TrainSpec["data"],
      model: { kind: "ridge", grid: [{ alpha: 1 }, { alpha: 10 }] },
      register: false,
    };
    const s = await runTraining(spec, { root, outDir: join(root, "export") });
    assertEquals(s.periodsPerYear, 260);
    assertEquals(s.dataset?.name, "curated/user/eurusd_long");
    assertEquals(s.dataset?.meta.calendar, "fx");
    assertEquals(s.rows, DATES.length - 6);
    assertEquals(s.configs.length, 2);
    for (const c of s.configs) {
      assertAlmostEquals(c.sharpeAnnualized, c.sharpe * Math.sqrt(260), 1e-12);
    }
    // The task with --dataset instead of the spec's data.
    const specFile = join(root, "train.json");
    Deno.writeTextFileSync(
      specFile,
      JSON.stringify({ ...spec, data: { ...EXPORT, data: undefined, source: { kind: "lake" } } }),
    );
    const r = await runTask("train.ts", [
      "--spec",
      specFile,
      "--root",
      root,
      "--no-register",
      "--dataset",
      "user/eurusd_long",
    ], { WORKBENCH_DATA: root });
    assertEquals(r.code, 0, r.stderr);
    assert(r.stdout.includes("calendar fx"), r.stdout);
    assert(r.stdout.includes("260 periods per year"), r.stdout);
    // progress lines label their Sharpe: annualised (what the table and the selection use) with
    // the per-period figure beside it, ann = per period x sqrt(260) to the printed rounding
    const lines = [
      ...r.stdout.matchAll(/OOS Sharpe (-?\d+\.\d+) annualised \((-?\d+\.\d+) per period\)/g),
    ];
    assertEquals(lines.length, 2, r.stdout);
    for (const [, ann, per] of lines) {
      assert(
        Math.abs(Number(ann) - Number(per) * Math.sqrt(260)) <= 0.005 + 0.00005 * Math.sqrt(260),
        `${ann} vs ${per}`,
      );
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadDailyBars on a 1987 NYSE OHLCV dataset (before 2000)", async () => {
  const root = await Deno.makeTempDir({ prefix: "training_dataset_" });
  try {
    const days = getCalendar("nyse").sessions("1987-01-02", "1987-03-31");
    const spec = userDailyBarsSpec("old_ohlcv");
    const c = days.map((_, t) => 30 + t * 0.1);
    await writeDataset(
      spec,
      pl.DataFrame([
        pl.Series("symbol", days.map(() => "IBM"), pl.Utf8),
        pl.Series("date", days, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d"),
        pl.Series("open", c.map((x) => x - 0.05), pl.Float64),
        pl.Series("high", c.map((x) => x + 0.2), pl.Float64),
        pl.Series("low", c.map((x) => x - 0.2), pl.Float64),
        pl.Series("close", c, pl.Float64),
        pl.Series("volume", c.map(() => 1e6), pl.Float64),
        pl.Series("known_at", days.map((d) => nyMs(d, 16 * 60)), pl.Float64).cast(pl.Int64).cast(
          pl.Datetime("ms", "UTC"),
        ),
      ]),
      { transformId: "t", sourceUri: "test://", root },
    );
    const l = await loadDailyBars({
      source: "lake",
      dataset: "user/old_ohlcv",
      start: "1987-02-01",
      root,
    });
    assertEquals(l.bars.length, 1);
    assertEquals(l.bars[0]!.dates[0], days.find((d) => d >= "1987-02-01"));
    assertEquals(l.dataset?.periodsPerYear, 252);
    assertEquals(
      l.dataset?.sessionBounds("1987-02-02")?.close.toISOString(),
      "1987-02-02T21:00:00.000Z",
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
