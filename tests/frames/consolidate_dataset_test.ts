/**
 * Consolidation from dataset references: the same session read through loadDataset (three
 * references) consolidates to exactly what the Polygon-specific reader gives; a user's own
 * minute bars of the underlying stand in for Polygon's; inputs that cannot feed it are refused
 * with the reason; the task answers --help and runs on the lake.
 */
import pl from "nodejs-polars";
import { writeDataset } from "../../lib/lake/mod.ts";
import {
  consolidateOptionMinutes,
  consolidationInputFromDatasets,
  lakeConsolidationInput,
} from "../../lib/frames/mod.ts";
import { curatePolygonBars } from "../../lib/ingest/pipelines/polygon_bars.ts";
import { userBarsSpec } from "../../lib/ingest/user_file.ts";
import { sessionBounds } from "../../lib/time/mod.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { polygonBarSpec as spec, rawBars } from "./_polygon_bars.ts";

const DATE = "2024-03-01", PREV = "2024-02-29";

async function lake(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "consolidate_dataset_" });
  const w = { transformId: "test", sourceUri: "test", root };
  const spy = pl.concat([
    rawBars("SPY", PREV, 390, (m) => 500 + m / 100),
    rawBars("SPY", DATE, 390, (m) => 504 + Math.sin(m / 9)),
  ]);
  const cur = curatePolygonBars(spy, "minute", "stock", "stock_bars_minute").curated;
  await writeDataset(spec("stock_bars_minute"), cur, w);
  // The same underlying bars as a user's own dataset (symbol column, declared meta).
  await writeDataset(
    userBarsSpec("spy_minute", false, {
      meta: { kind: "bars", calendar: "nyse", currency: "USD", frequency: "1m" },
    }),
    cur.select(
      pl.col("ticker").alias("symbol"),
      "ts",
      "open",
      "high",
      "low",
      "close",
      "volume",
      "known_at",
    ),
    w,
  );
  await writeDataset(
    spec("index_bars_minute"),
    curatePolygonBars(rawBars("I:VIX", DATE, 390, () => 14), "minute", "index", "index_bars_minute")
      .curated,
    w,
  );
  const opt = pl.concat([
    rawBars("O:SPY240315C00505000", DATE, 200, (m) => 5 + m / 1000),
    rawBars("O:SPY240315P00500000", DATE, 100, () => 3),
  ]);
  await writeDataset(
    spec("option_bars_minute", true),
    curatePolygonBars(opt, "minute", "option", "option_bars_minute").curated,
    w,
  );
  return root;
}

const asOf = sessionBounds(DATE)!.close.toISOString();
const ref = (dataset: string, extra: Record<string, unknown> = {}) => ({
  source: "lake" as const,
  dataset,
  asOf,
  adjust: "raw" as const,
  ...extra,
});

Deno.test("consolidation through dataset references equals the Polygon reader's; a user underlying too", async () => {
  const root = await lake();
  try {
    const vix = await loadDataset(
      ref("polygon/index_bars_minute", { symbols: ["I:VIX"], start: DATE, end: DATE }),
      { root },
    );
    const options = await loadDataset(
      ref("polygon/option_bars_minute", { start: DATE, end: DATE }),
      { root },
    );
    const cols = ["ticker", "ts", "spy_close", "opt_close", "iv", "delta", "macd_signal"];
    const expected = consolidateOptionMinutes(await lakeConsolidationInput(DATE, { root }), {
      rate: 0.05,
      div: 0.013,
    }).sort(["ticker", "ts"]).select(...cols);
    for (const underDataset of ["polygon/stock_bars_minute", "user/spy_minute"]) {
      const underlying = await loadDataset(
        ref(underDataset, { symbols: ["SPY"], start: PREV, end: DATE }),
        { root },
      );
      const input = consolidationInputFromDatasets(DATE, { underlying, vix, options });
      assertEquals(input.underlying.height, 780);
      const got = consolidateOptionMinutes(input, { rate: 0.05, div: 0.013 })
        .sort(["ticker", "ts"]).select(...cols);
      assertEquals(got.height, 2 * 390);
      for (const c of cols) {
        assertEquals(
          got.getColumn(c).cast(pl.Utf8).toArray(),
          expected.getColumn(c).cast(pl.Utf8).toArray(),
          `${underDataset}: ${c}`,
        );
      }
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("consolidation refuses inputs that cannot feed it, saying why", () => {
  const frame = pl.DataFrame({ symbol: ["SPY"], close: [1] });
  const daily = {
    name: "curated/user/spy_daily",
    frame,
    timeColumn: "date",
    meta: { calendar: "nyse", frequency: "session" },
  };
  const minute = {
    name: "x",
    frame,
    timeColumn: "ts",
    meta: { calendar: "nyse", frequency: "1m" },
  };
  const optsNoTerms = { ...minute, name: "curated/user/opts" };
  assertThrows(
    () =>
      consolidationInputFromDatasets(DATE, {
        underlying: minute,
        vix: minute,
        options: optsNoTerms,
      }),
    RangeError,
    "contract terms",
  );
  const opts = {
    ...minute,
    frame: pl.DataFrame({
      symbol: ["O"],
      expiration_date: ["2024-03-15"],
      contract_type: ["call"],
      strike: [1],
    }),
  };
  assertThrows(
    () => consolidationInputFromDatasets(DATE, { underlying: daily, vix: minute, options: opts }),
    RangeError,
    "session on the nyse calendar",
  );
  const fx = {
    ...minute,
    name: "curated/user/eurusd_1m",
    meta: { calendar: "fx", frequency: "1m" },
  };
  assertThrows(
    () => consolidationInputFromDatasets(DATE, { underlying: fx, vix: minute, options: opts }),
    RangeError,
    "1m on the fx calendar",
  );
});

Deno.test("consolidate task: --help, bad values exit 2, a dry run on a user underlying", async () => {
  const task = new URL("../../tasks/consolidate.ts", import.meta.url).pathname;
  const run = async (args: string[], env: Record<string, string> = {}) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", task, ...args],
      env: { ...env, TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const d = new TextDecoder();
    return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr).trim() };
  };
  const h = await run(["--help"]);
  assertEquals(h.code, 0);
  assert(h.out.includes("deno task consolidate") && h.out.includes("--underlying-dataset"));
  for (
    const bad of [
      ["--date", "2024-02-30"],
      ["--date", "2024-03-02"],
      ["--date", "2024-03-01", "--source", "web"],
      ["--date", "2024-03-01", "--underlying-dataset", "nozone"],
      ["--bogus"],
    ]
  ) {
    const r = await run(bad);
    assertEquals(r.code, 2, `${bad.join(" ")}: ${r.err}`);
    assertEquals(r.err.split("\n").length, 1, r.err);
  }
  const root = await lake();
  try {
    const r = await run(
      ["--date", DATE, "--underlying-dataset", "user/spy_minute", "--rate", "0.05", "--dry-run"],
      { WORKBENCH_DATA: root },
    );
    assertEquals(r.code, 0, r.err);
    assert(r.out.includes("780 rows (2 contracts x 390 minutes)"), r.out);
    const daily = await run(
      ["--date", DATE, "--underlying-dataset", "user/nope", "--dry-run"],
      { WORKBENCH_DATA: root },
    );
    assertEquals(daily.code, 2, daily.err);
    assert(
      daily.err.includes("holds 4 datasets to read") && daily.err.includes("user/spy_minute"),
      daily.err,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
