/**
 * Trial 6 finding A: cumulative net values (SMALLCAP level / first level - 1) must not land
 * with `--from-returns simple --returns-in percent` (the plausibility checks run on the values as
 * they will be compounded, after / 100), and the first refusal must not call a column of them
 * "percent?"; real percent returns (NYSE weekly log returns x 100) still land, with pandas'
 * levels (tests/reference/ingest_trial6.py -> tests/fixtures/trial6/ingest_trial6.json).
 */
import { assert, assertEquals } from "../_assert.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import {
  MAX_STEADY_YIELD_CHANGE,
  returnsPlausibility,
} from "../../lib/ingest/user_file_returns.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { exists, ingestInto } from "../_task_run.ts";

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/trial6/${f}`, import.meta.url));
const REF = JSON.parse(Deno.readTextFileSync(fixture("ingest_trial6.json")));

Deno.test("returnsPlausibility: smooth values that move by a risky asset's return and add up are cumulative", () => {
  // 0.0050, 0.0055, ..., 0.0125 (16 months, +0.0005 each): median |x| (0.0085 + 0.009) / 2 =
  // 0.00875, changes all 0.0005: change ratio 0.057 (smooth); drift 0.00875 x 12 = 0.105 < 1
  // (the old test passed them), but 0.0005 x 12 = 0.006 > 0.005, and k = min(12, 16 / 4) = 4:
  // 4-month changes 0.002 = 4 x 0.0005, wander 4 / ((1 + 2) / 2) = 2.67 > 1: cumulative.
  const cum = Array.from({ length: 16 }, (_, t) => 0.005 + 0.0005 * t);
  const p = returnsPlausibility(cum, "month");
  assert(Math.abs(p.changeRatio - 0.0005 / 0.00875) < 1e-9, String(p.changeRatio));
  assert(Math.abs(p.yieldChange - 0.006) < 1e-12, String(p.yieldChange));
  assert(p.yieldChange > MAX_STEADY_YIELD_CHANGE);
  assert(Math.abs(p.wander - 8 / 3) < 1e-9, String(p.wander));
  assertEquals(p.kind, "cumulative");
  // A steady asset whose monthly return alternates 0.0040, 0.0046 (month lengths): changes
  // 0.0006 x 12 = 0.0072 > 0.005, but 4-month changes are 0 (wander 0): plausible.
  const steady = Array.from({ length: 16 }, (_, t) => t % 2 ? 0.0046 : 0.0040);
  const s = returnsPlausibility(steady, "month");
  assertEquals([s.wander, s.kind], [0, null]);
  // A T-bill's real monthly returns (0.0040..0.0043) still pass: changes 0.0001 x 12 = 0.0012.
  assertEquals(
    returnsPlausibility([0.0040, 0.0041, 0.0042, 0.0041, 0.0043, 0.0042], "month").kind,
    null,
  );
  // Large two-sided values that are persistent are cumulative, not percent: -0.2 1.0 1.2 1.5
  // 1.3 1.6 1.2 has median |x| 1.2, changes 1.2 0.2 0.3 0.2 0.3 0.4 (median 0.3): ratio 0.25,
  // under 0.7 (percent returns: about 1.4).
  const q = returnsPlausibility([-0.2, 1.0, 1.2, 1.5, 1.3, 1.6, 1.2], "month");
  assert(Math.abs(q.changeRatio - 0.25) < 1e-9, String(q.changeRatio));
  assertEquals(q.kind, "cumulative");
  // Percent returns with the sign flipping every day (ratio about 2): still "percent".
  assertEquals(returnsPlausibility([1.2, -0.8, 0.5, -1.5, 1.0, -1.0], "day").kind, "percent");
});

Deno.test({
  name:
    "task ingest-file: cumulative net values refused with --returns-in percent; real percent returns land",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const ingest = ingestInto(lake, dir);
    const wide = ["--kind", "series", "--wide", "--freq", "month", "--map", "ts=Unnamed: 0"];
    const net = fixture("smallcap_netret.csv");
    // Without --returns-in: refused, and no column is called "percent?" (FCEL was).
    const r1 = await ingest(net, "sc", ...wide, "--from-returns", "simple");
    assertEquals(r1.code, 2, r1.stderr);
    assert(r1.stderr.includes("FCEL cumulative?"), r1.stderr);
    assert(!r1.stderr.includes("percent?"), r1.stderr);
    // Following the old hint: still refused, as cumulative, nothing landed.
    for (const extra of [[], ["--skip-column", "AEOS"]]) {
      const r = await ingest(
        net,
        "sc",
        ...wide,
        "--from-returns",
        "simple",
        "--returns-in",
        "percent",
        ...extra,
      );
      assertEquals(r.code, 2, r.stderr);
      const lines = r.stderr.trim().split("\n");
      assertEquals(lines.length, 1, r.stderr);
      for (
        const s of [
          "MARKET",
          "cumulative?",
          "once divided by 100",
          "add 1 and ingest them as levels",
        ]
      ) {
        assert(r.stderr.includes(s) || (s === "MARKET" && r.stderr.includes("more symbols")), s);
      }
      assert(!r.stderr.includes("T-bill (--returns-in percent)"), r.stderr);
      assert(!(await exists(join(lake, "curated", "user", "sc"))), "nothing landed");
    }
    // Real weekly log returns in percent land; the last level equals pandas'.
    const r2 = await ingest(
      fixture("nysesw_weekly_logret_pct.csv"),
      "nyse_pct",
      "--kind",
      "series",
      "--symbol",
      "NYSE",
      "--freq",
      "week",
      "--from-returns",
      "log",
      "--returns-in",
      "percent",
      "--json",
    );
    assertEquals(r2.code, 0, r2.stderr);
    assertEquals(JSON.parse(r2.stdout).rowsLanded, REF.nyse_pct_rows);
    const f = (await loadDataset("user/nyse_pct", { root: lake })).frame;
    const v = f.getColumn("value").toArray() as number[];
    const last = v[v.length - 1]!;
    assert(
      Math.abs(last - REF.nyse_pct_last_level) <= 1e-12 * REF.nyse_pct_last_level,
      `${last} vs ${REF.nyse_pct_last_level}`,
    );
    Deno.removeSync(dir, { recursive: true });
  },
});

Deno.test({
  name: "task ingest-file: a --freq day series on nyse notes its rows on non-sessions (trial 6 D)",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const ingest = ingestInto(lake, dir);
    // DJIA 1980-01-01..1980-02-25, 40 weekday rows; NYSE was closed on New Year's Day (Tue
    // 1980-01-01) and Washington's Birthday (Mon 1980-02-18): 2 rows on non-sessions.
    const djia = fileURLToPath(new URL("../fixtures/trial5/djia8012_head.csv", import.meta.url));
    const base = ["--kind", "series", "--symbol", "DJIA", "--calendar", "nyse", "--no-header"];
    const r = await ingest(djia, "djia", ...base, "--currency", "USD", "--units", "index");
    assertEquals(r.code, 0, r.stderr);
    const out = r.stdout + r.stderr;
    assert(
      out.includes(
        "note: 2 rows are on dates that are not nyse sessions (e.g. 1980-01-01, a holiday or weekend): kept as values on those dates",
      ),
      out,
    );
    assert(out.includes("--freq session"), out);
    assert(/rows landed:\s+40 /.test(out), out);
    // Kept: the holiday row is in the lake, known at midnight ending 1980-01-01 in New York.
    const f = (await loadDataset("user/djia", { root: lake })).frame;
    const dates = (f.getColumn("date").toArray() as unknown as Date[]).map((d) =>
      d.toISOString().slice(0, 10)
    );
    assert(dates.includes("1980-01-01") && dates.includes("1980-02-18"));
    const k = f.getColumn("known_at").toArray() as unknown as Date[];
    assertEquals(
      new Date(k[dates.indexOf("1980-01-01")]!).toISOString(),
      "1980-01-02T05:00:00.000Z",
    );
    // --freq session: the same 2 rows quarantined as not_a_session, 38 land, no such note.
    const r2 = await ingest(
      djia,
      "djia_s",
      ...base,
      "--freq",
      "session",
      "--currency",
      "USD",
      "--units",
      "index",
      "--json",
    );
    const j = JSON.parse(r2.stdout);
    assertEquals([j.rowsLanded, j.rowsQuarantined], [38, 2]);
    assert(!r2.stderr.includes("not nyse sessions"), r2.stderr);
    Deno.removeSync(dir, { recursive: true });
  },
});
