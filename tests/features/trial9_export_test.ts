/**
 * Trial 9 (/work/notes/trial9/report.md) finding 4: export-training on close-only bars names the
 * columns a feature needs (atr_14_pct needs high and low), not its window, in both export paths
 * (eager and batched), exit 2 with nothing written; the look-back message stays for data that
 * really is too short. The datasets are ingested here from CSV text (USD_CHF closes on the fx
 * calendar, like the trial's fx_close).
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { featureInputBlocker } from "../../lib/features/training_export.ts";
import { getCalendar } from "../../lib/time/mod.ts";

const TASK = new URL("../../tasks/export_training.ts", import.meta.url).pathname;

/** Weekdays (fx sessions) from 2024-01-01, `n` of them. */
function sessions(n: number): string[] {
  return getCalendar("fx").sessions("2024-01-01", "2025-12-31").slice(0, n);
}

async function withLake(fn: (root: string) => Promise<void>) {
  const root = await Deno.makeTempDir({ prefix: "trial9-export-test-" });
  try {
    await fn(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/** Ingest `n` sessions of USD_CHF as close-only (or OHLCV) bars into user/`dataset`. */
async function ingest(root: string, dataset: string, n: number, ohlcv: boolean) {
  const f = join(root, `${dataset}.csv`);
  const rows = sessions(n).map((d, i) => {
    const c = 0.9 + 0.01 * Math.sin(i / 7) + 0.0001 * i;
    return ohlcv ? `${d},${c},${c + 0.004},${c - 0.004},${c},${1000 + i}` : `${d},${c}`;
  });
  await Deno.writeTextFile(
    f,
    `date,${ohlcv ? "open,high,low,close,volume" : "close"}\n${rows.join("\n")}\n`,
  );
  const s = await ingestBarsFile(f, {
    dataset,
    symbol: "USD_CHF",
    calendar: "fx",
    currency: "CHF",
    root,
  });
  assertEquals(s.rowsValid, n);
}

async function exportTask(root: string, dataset: string, features: string[], extra: string[] = []) {
  const spec = join(root, `spec_${features.join("_")}.json`);
  await Deno.writeTextFile(
    spec,
    JSON.stringify({
      name: "fx_close_feats",
      data: { source: "lake", dataset: `user/${dataset}` },
      features,
      label: { kind: "forward_return", horizon: 1 },
      trainEnd: "2024-06-01",
      cpcv: { groups: 4, testGroups: 1, embargoBars: 1 },
    }),
  );
  const out = join(root, `out_${features.join("_")}${extra.length ? "_b" : ""}`);
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, "--spec", spec, "--out", out, ...extra],
    env: { WORKBENCH_DATA: root, TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  const written = await Deno.stat(out).then(() => true, () => false);
  return { code: r.code, stderr: dec.decode(r.stderr), written };
}

Deno.test("finding 4: close-only bars: atr_14_pct needs high and low (eager export), exit 2, nothing written", () =>
  withLake(async (root) => {
    await ingest(root, "fx_close", 300, false);
    const r = await exportTask(root, "fx_close", ["roc_5", "roc_20", "atr_14_pct"]);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("atr_14_pct needs high and low;"), r.stderr);
    assert(r.stderr.includes("user/fx_close has close only"), r.stderr);
    assert(r.stderr.includes("features that need only close: "), r.stderr);
    assert(r.stderr.includes("roc_5, roc_20"), r.stderr);
    assert(!r.stderr.includes("looks back"), r.stderr);
    assertEquals(r.written, false);
    // the close-only features alone export
    const ok = await exportTask(root, "fx_close", ["roc_5", "roc_20"]);
    assertEquals(ok.code, 0, ok.stderr);
  }));

Deno.test("finding 4: close-only bars in batches: vol_park_20 needs high and low, ret_overnight open, exit 2", () =>
  withLake(async (root) => {
    await ingest(root, "fx_close", 300, false);
    const r = await exportTask(root, "fx_close", ["roc_5", "vol_park_20", "ret_overnight"], [
      "--batch-dates",
      "50",
    ]);
    assertEquals(r.code, 2, r.stderr);
    assert(
      r.stderr.includes("vol_park_20 needs high and low; ret_overnight needs open;"),
      r.stderr,
    );
    assert(r.stderr.includes("has close only"), r.stderr);
    assert(!r.stderr.includes("looks back"), r.stderr);
    assertEquals(r.written, false);
  }));

Deno.test("finding 4: bars that are really too short keep the look-back message", () =>
  withLake(async (root) => {
    await ingest(root, "fx_short", 12, true);
    const r = await exportTask(root, "fx_short", ["roc_5", "roc_20"]);
    assertEquals(r.code, 2, r.stderr);
    assert(r.stderr.includes("roc_20 looks back 20 bars"), r.stderr);
    assert(r.stderr.includes("the longest symbol has 12 daily bars"), r.stderr);
    assert(!r.stderr.includes("needs"), r.stderr);
  }));

Deno.test("featureInputBlocker: names each missing column, what the data has, and what it can compute", () => {
  const fwd = { kind: "forward_return" as const, horizon: 1 };
  assertEquals(featureInputBlocker(["roc_5", "rsi_14", "mom_12_1"], fwd, new Set(), "d"), null);
  assertEquals(
    featureInputBlocker(["atr_14_pct"], fwd, new Set(["open", "high", "low"]), "d"),
    null,
  );
  const m = featureInputBlocker(
    ["vol_yz_20", "amihud_21", "roc_5"],
    fwd,
    new Set(["open", "volume"]),
    "user/x",
  )!;
  assert(
    m.startsWith("vol_yz_20 needs high and low; user/x has open, close and volume, no high or low"),
    m,
  );
  assert(!m.includes("amihud_21 needs"), m);
  assert(m.includes("features that need only open, close and volume: "), m);
  assert(m.includes("ret_overnight") && m.includes("amihud_21") && !m.includes("stoch_k"), m);
  const o = featureInputBlocker(["roc_5"], { kind: "overnight" }, new Set(["volume"]), "d")!;
  assert(
    o.startsWith("label overnight (close to the next open) needs open; d has close and volume"),
    o,
  );
});
