/**
 * A dataset reference that does not match the lake: symbols the dataset does not hold (a case
 * difference suggested, never matched silently; the dataset's symbols listed with their count)
 * and a misspelled dataset (the closest name suggested; internal datasets, the trial ledger and
 * quarantine tables, never listed). Through loadDataset and through `deno task backtest --spec`
 * (exit 2, one line, no stack trace). Expected strings are written by hand from the lake below.
 */
import pl from "nodejs-polars";
import { join } from "node:path";
import { type DatasetSpec, writeDataset } from "../../lib/lake/mod.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import {
  closestDataset,
  isInternalDataset,
  readableDatasets,
  unknownDatasetMessage,
  unknownSymbolsMessage,
} from "../../lib/dataset/_suggest.ts";
import { userSeriesSpec } from "../../lib/ingest/user_file.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const MONTHS = ["2024-01-31", "2024-02-29", "2024-03-31"];
const dateCol = (dates: string[]) =>
  pl.Series("date", dates, pl.Utf8).str.strptime(pl.Date, "%Y-%m-%d");
const tsCol = (name: string, ms: number[]) =>
  pl.Series(name, ms, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));

/** A wide file's series as ingest-file lands them (symbol = column name), plus internal datasets. */
async function writeLake(root: string) {
  const w = { transformId: "test@1", sourceUri: "test://fixture", root };
  const syms = ["co2", "gdp", "hicp"];
  await writeDataset(
    userSeriesSpec("eu_indices", true, {
      meta: { kind: "series", calendar: "none", currency: null, frequency: "month" },
    }),
    pl.DataFrame([
      pl.Series("symbol", syms.flatMap((s) => MONTHS.map(() => s)), pl.Utf8),
      dateCol(syms.flatMap(() => MONTHS)),
      pl.Series("value", [1, 2, 3, 4, 5, 6, 7, 8, 9], pl.Float64),
      tsCol("known_at", syms.flatMap(() => MONTHS.map((d) => Date.parse(d) + 86_400_000))),
    ]),
    w,
  );
  const q = quarantineSpec("user");
  await writeDataset(
    q,
    pl.DataFrame([
      pl.Series("dataset", ["eu_indices"], pl.Utf8),
      pl.Series("unit_id", ["file"], pl.Utf8),
      dateCol(["2024-01-31"]).alias("unit_start"),
      pl.Series("stage", ["parse"], pl.Utf8),
      pl.Series("reason", ["not_a_number"], pl.Utf8),
      pl.Series("detail", ["x"], pl.Utf8),
      pl.Series("payload", ["x"], pl.Utf8),
      pl.Series("payload_ref", [""], pl.Utf8),
      pl.Series("payload_sha", ["0"], pl.Utf8),
    ]),
    w,
  );
  const ledger: DatasetSpec = {
    zone: "reference",
    source: "validation",
    dataset: "trial_ledger",
    partitioning: "none",
    timeColumn: "recorded_at",
    naturalKey: ["trial_id"],
    schema: { trial_id: "str", recorded_at: "ts_ms", known_at: "ts_ms" },
  };
  await writeDataset(
    ledger,
    pl.DataFrame([
      pl.Series("trial_id", ["t1"], pl.Utf8),
      tsCol("recorded_at", [Date.parse("2024-04-01")]),
      tsCol("known_at", [Date.parse("2024-04-01")]),
    ]),
    w,
  );
}

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "ref_mismatch_" });
  try {
    await writeLake(root);
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

Deno.test("suggest: internal datasets, closest dataset, symbol messages (hand-written)", () => {
  assert(isInternalDataset("raw/user/quarantine"));
  assert(isInternalDataset("reference/validation/trial_ledger"));
  assert(isInternalDataset("curated/_tmp/x"));
  assert(!isInternalDataset("curated/user/eu_indices"));
  assert(!isInternalDataset("reference/fred/series_meta"));
  const held = [
    "curated/polygon/splits",
    "curated/user/eu_indices",
    "raw/polygon/splits",
    "raw/user/quarantine",
    "reference/validation/trial_ledger",
  ];
  assertEquals(readableDatasets(held), ["curated/polygon/splits", "curated/user/eu_indices"]);
  assertEquals(readableDatasets(held, "raw"), [
    "curated/polygon/splits",
    "curated/user/eu_indices",
    "raw/polygon/splits",
  ]);
  assertEquals(
    closestDataset("curated/user/eu_indicez", readableDatasets(held)),
    "user/eu_indices",
  );
  assertEquals(closestDataset("curated/polgon/splits", readableDatasets(held)), "polygon/splits");
  assertEquals(closestDataset("curated/user/nope", readableDatasets(held)), undefined);
  assertEquals(
    unknownDatasetMessage("curated/user/nope", held, "/lake"),
    "Unknown dataset curated/user/nope: the lake at /lake holds 2 datasets to read: polygon/splits, user/eu_indices",
  );
  assertEquals(
    unknownDatasetMessage("curated/user/nope", [], "/lake"),
    "Unknown dataset curated/user/nope: the lake at /lake holds no datasets to read",
  );
  assertEquals(
    unknownSymbolsMessage("curated/user/eu", ["CO2", "XYZ"], ["co2", "gdp"]),
    'symbols: curated/user/eu has no "CO2" (did you mean "co2"?), "XYZ"; its 2 symbols: co2, gdp',
  );
  // More than 8 symbols: the first 8 and "...", with the count.
  const many = Array.from({ length: 10 }, (_, i) => `S${i}`);
  assertEquals(
    unknownSymbolsMessage("d", ["QQQ"], many),
    'symbols: d has no "QQQ"; its 10 symbols: S0, S1, S2, S3, S4, S5, S6, S7, ...',
  );
});

Deno.test("loadDataset: a symbol in another case is refused with did-you-mean, never matched", async () => {
  await withLake(async (root) => {
    const e = await assertRejects(
      () =>
        loadDataset(
          { source: "lake", dataset: "user/eu_indices", adjust: "raw", symbols: ["CO2"] },
          { root },
        ),
      RangeError,
    );
    assertEquals(
      e.message,
      'Invalid dataset reference: symbols: curated/user/eu_indices has no "CO2" (did you mean "co2"?); its 3 symbols: co2, gdp, hicp',
    );
    // Only the absent one is named; a close misspelling is suggested too.
    const two = await assertRejects(
      () =>
        loadDataset({
          source: "lake",
          dataset: "user/eu_indices",
          adjust: "raw",
          symbols: ["co2", "hipc"],
        }, {
          root,
        }),
      RangeError,
    );
    assert(two.message.includes('has no "hipc" (did you mean "hicp"?);'), two.message);
    assert(!two.message.includes('"co2" ('), two.message);
    // The exact symbol reads; a symbol held but outside the window is an empty frame, no error.
    const ok = await loadDataset({
      source: "lake",
      dataset: "user/eu_indices",
      adjust: "raw",
      symbols: ["co2"],
    }, {
      root,
    });
    assertEquals(ok.frame.getColumn("value").toArray(), [1, 2, 3]);
    const none = await loadDataset({
      source: "lake",
      dataset: "user/eu_indices",
      symbols: ["co2"],
      start: "2030-01-01",
      adjust: "raw",
    }, { root });
    assertEquals(none.frame.height, 0);
  });
});

Deno.test("loadDataset: a misspelled dataset gets did-you-mean; ledger and quarantine not listed", async () => {
  await withLake(async (root) => {
    const e = await assertRejects(
      () => loadDataset("user/eu_indicez", { root }),
      RangeError,
    );
    assertEquals(
      e.message,
      `Unknown dataset curated/user/eu_indicez: did you mean user/eu_indices? The lake at ${root} holds 1 dataset to read: user/eu_indices`,
    );
  });
});

async function backtest(spec: unknown, lake: string, dir: string) {
  const path = join(dir, "spec.json");
  await Deno.writeTextFile(path, JSON.stringify(spec));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", "tasks/backtest.ts", "--spec", path, "--memory-ledger"],
    cwd: REPO,
    env: { TZ: "UTC", WORKBENCH_DATA: lake },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("backtest task: wrong symbol case and misspelled dataset exit 2 with one line", async () => {
  await withLake(async (root) => {
    const base = {
      question: "co2-trend",
      strategy: "buy_and_hold",
      costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
    };
    const s = await backtest(
      {
        ...base,
        data: { source: "lake", dataset: "user/eu_indices", adjust: "raw", symbols: ["CO2"] },
      },
      root,
      root,
    );
    assertEquals(s.code, 2, s.stderr);
    const lines = s.stderr.trim().split("\n");
    assertEquals(lines.length, 1, s.stderr);
    assert(lines[0]!.includes('has no "CO2" (did you mean "co2"?)'), lines[0]);
    assert(lines[0]!.includes("its 3 symbols: co2, gdp, hicp"), lines[0]);
    assert(!/\n\s+at /.test(s.stderr), "no stack trace");

    const d = await backtest(
      { ...base, data: { source: "lake", dataset: "user/eu_indicez" } },
      root,
      root,
    );
    assertEquals(d.code, 2, d.stderr);
    const dl = d.stderr.trim().split("\n");
    assertEquals(dl.length, 1, d.stderr);
    assert(dl[0]!.includes("did you mean user/eu_indices?"), dl[0]);
    assert(dl[0]!.includes("holds 1 dataset to read: user/eu_indices"), dl[0]);
    assert(!dl[0]!.includes("quarantine") && !dl[0]!.includes("trial_ledger"), dl[0]);
  });
});
