/**
 * Units of a dataset's values (lib/lake/units.ts) end to end: ingest-file --units records them,
 * a backtest and export-training refuse a yield (exit 2, one line), quality judges it by its
 * changes, unknown units without a currency are refused, a price series backtests as before. Small CSVs made here.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";

function assertMatch(s: string, re: RegExp, msg?: string): void {
  assert(re.test(s), msg ?? `expected ${re} to match: ${s}`);
}
import { join } from "node:path";
import {
  NotAPriceError,
  requirePriceUnits,
  resolveUnits,
  unitsClass,
} from "../../lib/lake/units.ts";
import { ingestUnits, UnitsConflictError } from "../../lib/ingest/user_file_units.ts";
import { changeOutliers, firstDifferences } from "../../lib/quality/outliers.ts";
import { runTaskIn } from "../_task_run.ts";

const run = runTaskIn;

/** NYSE sessions from 2024-01-02 (no holiday until 2024-01-15, MLK day, skipped). */
function sessions(n: number): string[] {
  const out: string[] = [];
  for (
    const d = new Date("2024-01-02T00:00:00Z");
    out.length < n;
    d.setUTCDate(d.getUTCDate() + 1)
  ) {
    const iso = d.toISOString().slice(0, 10);
    const wd = d.getUTCDay();
    if (wd === 0 || wd === 6 || iso === "2024-01-15" || iso === "2024-02-19") continue;
    out.push(iso);
  }
  return out;
}

/**
 * Yields in percent: 4.00 + 0.01 * (k^2 mod 7) with one jump of +1.50 from row 20 on. The
 * changes cycle through 0.01 * {1, 3, -2, 0, 2, -3, -1}: median 0, MAD 0.02, so ordinary changes
 * score |z| <= 0.6745 * 0.03 / 0.02 = 1.01 and the jump (1.50 - 0.03) scores 49.6: one change
 * outlier per series at quality's threshold 8.
 */
const YIELD_ROWS = 40;
function yieldValue(k: number): number {
  return +(4 + 0.01 * ((k * k) % 7) + (k >= 20 ? 1.5 : 0)).toFixed(2);
}

function lastManifestMeta(lake: string, dataset: string): Record<string, unknown> {
  const path = join(lake, "_meta", "curated", "user", dataset, "manifest.jsonl");
  const lines = Deno.readTextFileSync(path).trim().split("\n");
  return JSON.parse(lines.at(-1)!).spec.meta;
}

Deno.test("units: defaults, classes and the refusal (pure)", () => {
  assertEquals(resolveUnits({ kind: "bars", currency: "USD" }), {
    units: "price",
    declared: false,
  });
  assertEquals(resolveUnits({ kind: "bars", currency: null }), { units: "price", declared: false });
  assertEquals(resolveUnits({ kind: "series", currency: "EUR" }), {
    units: "price",
    declared: false,
  });
  assertEquals(resolveUnits({ kind: "series", currency: null }), { units: null, declared: false });
  assertEquals(resolveUnits({ kind: "series", currency: null, units: "bp" }), {
    units: "bp",
    declared: true,
  });
  assertEquals(
    ["price", "index", "percent", "bp", "rate", "ratio", "count", "other"].map((u) =>
      unitsClass(u as "price")
    ),
    ["level", "level", "rate", "rate", "rate", "neither", "neither", "neither"],
  );
  const e = assertThrows(
    () =>
      requirePriceUnits("user/y", { kind: "series", currency: null, units: "percent" }, "x", "y"),
    NotAPriceError,
  );
  assertEquals(e.message, "user/y is a yield or rate in percent, not a price: x; y");
  assertEquals(requirePriceUnits("user/p", { kind: "bars", currency: "USD" }, "x", "y"), null);
  // unknown units: refused without a currency, a warning with one
  assertThrows(
    () => requirePriceUnits("user/u", { kind: "series", currency: null }, "x", "y"),
    NotAPriceError,
    "declares no units and no currency",
  );
  assertMatch(
    requirePriceUnits("user/u", { kind: "table", currency: "USD" }, "x", "y")!,
    /^user\/u declares no units: .* taken as prices/,
  );
});

Deno.test("units: ingestUnits keeps stored units, refuses a change without replace", () => {
  assertEquals(ingestUnits({ dataset: "d" }, "series", null, "percent"), {
    units: "percent",
    note: null,
  });
  assertThrows(
    () => ingestUnits({ dataset: "d", units: "bp" }, "series", null, "percent"),
    UnitsConflictError,
    "--replace",
  );
  const r = ingestUnits({ dataset: "d", units: "bp", replace: true }, "series", null, "percent");
  assertEquals(r.units, "bp");
  assertMatch(r.note!, /units changed from percent to bp/);
  assertMatch(ingestUnits({ dataset: "d" }, "series", null, undefined).note!, /units unknown/);
  assertEquals(ingestUnits({ dataset: "d" }, "bars", "USD", undefined).note, null);
});

Deno.test("units: changeOutliers judges differences (hand-worked)", () => {
  // diffs .01 .02 -.01 .03 1.95 .02: median .02, |dev| .01 0 .03 .01 1.93 0 -> MAD .01;
  // z(1.95) = 0.6745 * 1.93 / .01 = 130; z(-.01) = 0.6745 * .03 / .01 = 2.02 < 3.5.
  assertEquals(changeOutliers([5, 5.01, 5.03, 5.02, 5.05, 7, 7.02]), [5]);
  const d = firstDifferences([1, 3, NaN, 4]);
  assert(Number.isNaN(d[0]!) && Number.isNaN(d[2]!) && Number.isNaN(d[3]!));
  assertEquals(d[1], 2);
  // A yield crossing zero: log returns are undefined there, changes are not.
  assertEquals(changeOutliers([0.02, 0.01, -0.01, 0.0, 0.01, 0.0, -3, -3.01]), [6]);
  assertEquals(changeOutliers([]), []);
  assertEquals(changeOutliers([4]), []);
});

Deno.test("units: ingest-file --help lists --units and its values", async () => {
  const dir = Deno.makeTempDirSync();
  const r = await run("ingest_file", ["--help"], join(dir, "lake"), dir);
  assertEquals(r.code, 0);
  assertMatch(r.stdout, /--units price\|index\|percent\|bp\|rate\|ratio\|count\|return\|other/);
});

Deno.test({
  name: "units: yields in percent refused by backtest and export-training, quality on changes",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const days = sessions(YIELD_ROWS);
    const csv = [
      "date,y2,y10",
      ...days.map((d, k) => `${d},${yieldValue(k)},${yieldValue(k) + 0.5}`),
    ];
    Deno.writeTextFileSync(join(dir, "yields.csv"), csv.join("\n") + "\n");
    let r = await run(
      "ingest_file",
      [
        join(dir, "yields.csv"),
        "--dataset",
        "yields",
        "--kind",
        "series",
        "--wide",
        "--map",
        "ts=date",
        "--units",
        "percent",
      ],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    // no --currency: a percent series gets none (not the calendar's USD)
    assertMatch(r.stdout, /currency none, units percent,/);
    assertEquals(lastManifestMeta(lake, "yields").units, "percent");

    // backtest: exit 2, one line naming the dataset, its units and what to do
    const spec = {
      question: "yields_bh",
      strategy: "buy_and_hold",
      data: { source: "lake", dataset: "user/yields", symbols: ["y10"] },
      costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
      gate: { maxPbo: null },
    };
    Deno.writeTextFileSync(join(dir, "bh.json"), JSON.stringify(spec));
    r = await run("backtest", ["--spec", join(dir, "bh.json"), "--memory-ledger"], lake, dir);
    assertEquals(r.code, 2, `backtest: ${r.stdout}${r.stderr}`);
    assertEquals(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assertEquals(lines.length, 1, r.stderr);
    assertMatch(
      lines[0]!,
      /user\/yields is a yield or rate in percent, not a price: a backtest trades prices; .*--units price --replace/,
    );
    assert(!/at \S+:\d+:\d+/.test(r.stderr), "no stack trace");

    // export-training: refused (all labels are returns of prices)
    const ex = {
      name: "yields_feat",
      data: { source: "lake", dataset: "user/yields", symbols: ["y10"] },
      features: ["roc_5"],
      label: { kind: "forward_return", horizon: 1, type: "log" },
      trainEnd: "2024-02-01",
      frequency: "1d",
    };
    Deno.writeTextFileSync(join(dir, "ex.json"), JSON.stringify(ex));
    r = await run(
      "export_training",
      ["--spec", join(dir, "ex.json"), "--out", join(dir, "ex")],
      lake,
      dir,
    );
    assertEquals(r.code, 2, r.stderr);
    assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
    assertMatch(
      r.stderr,
      /user\/yields is a yield or rate in percent, not a price: the features and labels/,
    );

    // quality: change_outliers (the +1.50 jump at row 20 of each series), no return_outliers
    r = await run("quality", ["--dataset", "user/yields", "--json"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    const q = JSON.parse(r.stdout);
    assertEquals(q.units, "percent");
    assertEquals(q.counts.change_outliers, 2);
    assertEquals(q.counts.return_outliers, undefined);
    assertEquals(q.examples.change_outliers, [`y10@${days[20]}`, `y2@${days[20]}`]);

    // re-ingest with other units: refused (exit 2) unless --replace
    const base = [
      join(dir, "yields.csv"),
      "--dataset",
      "yields",
      "--kind",
      "series",
      "--wide",
      "--map",
      "ts=date",
    ];
    r = await run("ingest_file", [...base, "--units", "bp"], lake, dir);
    assertEquals(r.code, 2, `reingest: ${r.stdout}${r.stderr}`);
    assertMatch(r.stderr, /declares its values are a yield or rate in percent .*--replace/);
    assertEquals(lastManifestMeta(lake, "yields").units, "percent");
    // without --units the stored units are kept
    r = await run("ingest_file", base, lake, dir);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /units percent/);
    r = await run("ingest_file", [...base, "--units", "bp", "--replace"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    assertEquals(lastManifestMeta(lake, "yields").units, "bp");
  },
});

Deno.test({
  name: "units: a price series backtests as before; unknown units without a currency refused",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const days = sessions(10);
    const px = [100, 110, 105, 120, 125, 118, 121, 130, 126, 125];
    const csv = ["date,close", ...days.map((d, k) => `${d},${px[k]}`)];
    Deno.writeTextFileSync(join(dir, "px.csv"), csv.join("\n") + "\n");
    let r = await run(
      "ingest_file",
      [join(dir, "px.csv"), "--dataset", "px", "--symbol", "PX", "--map", "ts=date"],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /currency USD, units price \(default\),/);
    assertEquals(lastManifestMeta(lake, "px").units, undefined); // nothing declared, nothing stored
    const spec = (ds: string, q: string) => ({
      question: q,
      strategy: "buy_and_hold",
      data: { source: "lake", dataset: ds },
      costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
      gate: { maxPbo: null },
    });
    Deno.writeTextFileSync(join(dir, "px.json"), JSON.stringify(spec("user/px", "px")));
    r = await run(
      "backtest",
      ["--spec", join(dir, "px.json"), "--memory-ledger", "--report", join(dir, "px.html")],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assert(!/warning/.test(r.stderr), r.stderr);
    // decided at the first close, filled at the next bar's close 110: floor(1e6 / 110) = 9090
    // shares; final equity 9090 * 125 + (1e6 - 9090 * 110) = 1,136,350: total return 13.635%
    assertMatch(r.stdout, /9090 whole shares = 999900\.00 USD/);
    assertMatch(r.stdout, /candidate run: total return 13\.6[34]%/);

    // the same closes as a series without a currency and without --units: unknown units
    const sv = ["date,value", ...days.map((d, k) => `${d},${px[k]}`)];
    Deno.writeTextFileSync(join(dir, "sv.csv"), sv.join("\n") + "\n");
    r = await run(
      "ingest_file",
      [
        join(dir, "sv.csv"),
        "--dataset",
        "sv",
        "--kind",
        "series",
        "--symbol",
        "SV",
        "--map",
        "ts=date",
        "--currency",
        "none",
      ],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /units unknown/);
    assertMatch(r.stdout, /note: units unknown: .*--units price\|index\|percent/);
    Deno.writeTextFileSync(join(dir, "sv.json"), JSON.stringify(spec("user/sv", "sv")));
    r = await run(
      "backtest",
      ["--spec", join(dir, "sv.json"), "--memory-ledger", "--report", join(dir, "sv.html")],
      lake,
      dir,
    );
    // no units and no currency: not known to be a price, refused (exit 2) with the re-ingest
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /user\/sv declares no units and no currency: .*--units price/);
    const ex = {
      name: "sv_feat",
      data: { source: "lake", dataset: "user/sv" },
      features: ["roc_5"],
      label: { kind: "forward_return", horizon: 1, type: "log" },
      trainEnd: "2024-01-10",
      frequency: "1d",
    };
    Deno.writeTextFileSync(join(dir, "ex.json"), JSON.stringify(ex));
    r = await run(
      "export_training",
      ["--spec", join(dir, "ex.json"), "--out", join(dir, "ex")],
      lake,
      dir,
    );
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /user\/sv declares no units and no currency/);
    // quality on unknown units keeps return outliers, and says the units are unknown
    r = await run("quality", ["--dataset", "user/sv"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /units unknown/);
    assertMatch(r.stdout, /return_outliers=0/);
  },
});
