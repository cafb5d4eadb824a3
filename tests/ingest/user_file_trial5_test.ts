/**
 * Trial 5 (real R datasets): header-less write.zoo files (--no-header, a first line that reads
 * as data refused), --from-returns on values that are not returns (refused, exit 2), R's "Index"
 * time column, a lone value column, and the absolute source path. Expected counts and levels
 * from pandas (tests/reference/ingest_trial5.py -> tests/fixtures/trial5/ingest_trial5.json) or
 * worked by hand.
 */
import { assert, assertEquals } from "../_assert.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { headerLooksLikeData, ingestBarsFile, userSeriesSpec } from "../../lib/ingest/user_file.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { returnsPlausibility } from "../../lib/ingest/user_file_returns.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { exists, ingestInto } from "../_task_run.ts";

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/trial5/${f}`, import.meta.url));
const REF = JSON.parse(Deno.readTextFileSync(fixture("ingest_trial5.json")));
const isIsoDate = (t: string) => /^\d{4}-\d\d-\d\d$/.test(t);

/** `--kind series --symbol <symbol>`. */
const series = (symbol: string) => ["--kind", "series", "--symbol", symbol];

function oneLine(r: { stderr: string }, ...parts: string[]) {
  const lines = r.stderr.trim().split("\n");
  assertEquals(lines.length, 1, r.stderr);
  for (const p of parts) assert(lines[0]!.includes(p), `"${p}" not in: ${r.stderr}`);
}

Deno.test("headerLooksLikeData: a date then numbers, or non-integer numbers only; names are names", () => {
  assertEquals(
    headerLooksLikeData(["1980-01-01", "838.74"], isIsoDate),
    "a date/time then numbers",
  );
  assertEquals(headerLooksLikeData(["1980-01-01", "NA"], isIsoDate), "a date/time then numbers");
  assertEquals(headerLooksLikeData(["306.25"], isIsoDate), "numbers only");
  assertEquals(headerLooksLikeData(["Index", "NYSE"], isIsoDate), null);
  assertEquals(headerLooksLikeData(["gold"], isIsoDate), null);
  // Yield tenors are column names, not data.
  assertEquals(headerLooksLikeData(["1", "2", "5", "10"], isIsoDate), null);
  assertEquals(headerLooksLikeData(["Date", "335.747"], isIsoDate), null);
});

Deno.test("returnsPlausibility: hand-worked verdicts", () => {
  // Monthly returns of a stock: median |r| 0.02, half negative: plausible.
  assertEquals(returnsPlausibility([0.01, -0.02, 0.03, -0.04, 0.02, -0.01], "month").kind, null);
  // Levels near 1 read as returns: all >= 0.5, none negative, changes 0.01 against a median
  // 1.025 (ratio 0.01): levels.
  assertEquals(returnsPlausibility([1.0, 1.01, 1.03, 1.02, 1.05, 1.04], "month").kind, "levels");
  // Gross returns 1 + r: all >= 0.5, median (0.9 + 1.15) / 2 = 1.025, changes 0.4 0.3 0.35 0.4
  // 0.3 (median 0.35): change ratio 0.35 / 1.025 = 0.34, not smooth like levels.
  assertEquals(returnsPlausibility([0.8, 1.2, 0.9, 1.25, 0.85, 1.15], "month").kind, "gross");
  // Percent daily returns: median |x| 1.0 > 0.10, 50% negative, 1.0 / 100 plausible.
  assertEquals(returnsPlausibility([1.2, -0.8, 0.5, -1.5, 1.0, -1.0], "day").kind, "percent");
  // A T-bill: real monthly returns 0.004 are smooth but 0.004 x 12 = 4.8% a year: plausible;
  // the same in percent (0.4 a month x 12 = 480%) is not.
  const tbill = [0.0040, 0.0041, 0.0042, 0.0041, 0.0043, 0.0042];
  assertEquals(returnsPlausibility(tbill, "month").kind, null);
  assertEquals(returnsPlausibility(tbill.map((x) => 100 * x), "month").kind, "cumulative");
  // Fewer than 5 values: not judged.
  assertEquals(returnsPlausibility([1, 1, 1, 1], "month").kind, null);
  // 0.3 a month, half negative, not smooth: median |x| 0.3 > 0.25, and 0.3 / 100 plausible.
  const p = returnsPlausibility([0.3, -0.3, 0.35, -0.25, 0.3, -0.3], "month");
  assertEquals([p.medianAbs, p.negative], [0.3, 0.5]);
  assertEquals(p.kind, "percent");
});

Deno.test({
  name: "task ingest-file: header-less write.zoo files, --no-header, Index, lone value column",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const ingest = ingestInto(lake, dir);
    const msci = fixture("msci_ch_head.csv");
    const base = [...series("MSCICH"), "--calendar", "weekdays"];
    const cur = ["--currency", "CHF", "--units", "index"];
    // The first line is data: refused, exit 2, one line naming --no-header; nothing landed.
    const r1 = await ingest(msci, "msci", ...base, ...cur);
    assertEquals(r1.code, 2, r1.stderr);
    oneLine(r1, "looks like data", "--no-header", "1994-12-30");
    // The old way through, --map naming the data fields as columns: refused too.
    const r2 = await ingest(
      msci,
      "msci",
      ...base,
      ...cur,
      "--map",
      "ts=1994-12-30",
      "--map",
      "value=335.747",
    );
    assertEquals(r2.code, 2, r2.stderr);
    oneLine(r2, "--no-header");
    // --no-header: every line is a row, as pandas header=None counts them.
    const r3 = await ingest(msci, "msci", ...base, ...cur, "--no-header", "--json");
    assertEquals(r3.code, 0, r3.stderr);
    const j3 = JSON.parse(r3.stdout);
    assertEquals(j3.rowsRead, REF.msci_ch_head_rows);
    assertEquals(j3.rowsLanded, REF.msci_ch_head_rows);
    assertEquals(j3.usedColumns, { ts: "col1", value: "col2" });
    const d = await loadDataset("user/msci", { root: lake });
    const dates = (d.frame.getColumn("date").toArray() as unknown as Date[]).map((x) =>
      x.toISOString().slice(0, 10)
    );
    const i0 = dates.indexOf(REF.msci_ch_head_first[0]);
    assert(i0 >= 0, "the first observation landed");
    assertEquals(d.frame.getColumn("value").toArray()[i0], REF.msci_ch_head_first[1]);
    // The source is the file's absolute path, not its base name.
    const raw = await readDataset(userSeriesSpec("msci", true), { root: lake });
    assertEquals(raw.getColumn("source_uri").toArray()[0], `file://${msci}`);

    // --map works with the positional names.
    const djia = fixture("djia8012_head.csv");
    const r4 = await ingest(
      djia,
      "djia",
      ...series("DJIA"),
      "--currency",
      "USD",
      "--no-header",
      "--map",
      "ts=col1",
      "--map",
      "value=col2",
      "--json",
    );
    assertEquals(r4.code, 0, r4.stderr);
    assertEquals(JSON.parse(r4.stdout).rowsRead, REF.djia8012_head_rows);
    // A --map naming a header field that reads as a number: refused, exit 2.
    const named = join(dir, "named.csv");
    Deno.writeTextFileSync(named, "Date,335.747\n1995-01-02,335.747\n");
    const r5 = await ingest(named, "n", ...series("X"), "--map", "value=335.747");
    assertEquals(r5.code, 2, r5.stderr);
    oneLine(r5, "--map value=335.747", "looks like data", "--no-header");

    // R write.zoo's "Index" is the time column; the lone other column the value (with notes).
    const r6 = await ingest(
      fixture("nysesw_weekly_head.csv"),
      "nyse_w",
      ...series("NYSE"),
      "--freq",
      "week",
      "--currency",
      "USD",
      "--json",
    );
    assertEquals(r6.code, 0, r6.stderr);
    const j6 = JSON.parse(r6.stdout);
    assertEquals(j6.usedColumns, { ts: "Index", value: "NYSE" });
    assertEquals(j6.rowsLanded, 30);
    assert(j6.notes.some((n: string) => n.includes('"Index"')), j6.notes.join("; "));
    assert(j6.notes.some((n: string) => n.includes('"NYSE" read as the value')), j6.notes);

    // forecast::gold: one column, no dates: the column is the value.
    const r7 = await ingest(
      fixture("gold_head.csv"),
      "gold",
      ...series("GOLD"),
      "--start",
      "1985-01-01",
      "--freq",
      "session",
      "--calendar",
      "weekdays",
      "--currency",
      "USD",
      "--json",
    );
    assertEquals(r7.code, 0, r7.stderr);
    const j7 = JSON.parse(r7.stdout);
    assertEquals([j7.rowsRead, j7.rowsLanded], [REF.gold_head_rows, REF.gold_head_nonblank]);
    assertEquals(j7.usedColumns, { value: "gold" });
    Deno.removeSync(dir, { recursive: true });
  },
});

Deno.test({
  name:
    "task ingest-file --from-returns: levels, net values and percent refused; real returns pass",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const ingest = ingestInto(lake, dir);
    const wide = ["--kind", "series", "--wide", "--freq", "month", "--map", "ts=Unnamed: 0"];
    // SMALLCAP levels (about 1.0, cumulative) taken for returns: exit 2, "levels", nothing landed.
    const r1 = await ingest(
      fixture("smallcap_head.csv"),
      "sc",
      ...wide,
      "--from-returns",
      "simple",
    );
    assertEquals(r1.code, 2, r1.stderr);
    oneLine(r1, "not plausible monthly returns", "price or index levels", "--units index");
    assert(!(await exists(join(lake, "curated", "user", "sc"))), "nothing landed");
    // Net values (levels - 1): refused as well.
    const r2 = await ingest(
      fixture("smallcap_netret_head.csv"),
      "sc",
      ...wide,
      "--from-returns",
      "simple",
    );
    assertEquals(r2.code, 2, r2.stderr);
    oneLine(r2, "not plausible monthly returns");
    // Percent returns: a specific hint; with --returns-in percent they land, levels as pandas.
    const pct = fixture("smallcap_pct_returns_head.csv");
    const pw = ["--kind", "series", "--wide", "--freq", "month", "--currency", "USD"];
    const r3 = await ingest(pct, "scp", ...pw, "--from-returns", "simple");
    assertEquals(r3.code, 2, r3.stderr);
    oneLine(r3, "returns in percent", "--returns-in percent");
    const r4 = await ingest(
      pct,
      "scp",
      ...pw,
      "--from-returns",
      "simple",
      "--returns-in",
      "percent",
      "--json",
    );
    assertEquals(r4.code, 0, r4.stderr);
    const j4 = JSON.parse(r4.stdout);
    assertEquals(j4.transform, "from_returns:simple:base=100:percent");
    const d = await loadDataset("user/scp", { root: lake });
    const f = d.frame;
    const sym = f.getColumn("symbol").toArray() as string[];
    const dt = (f.getColumn("date").toArray() as unknown as Date[]).map((x) =>
      x.toISOString().slice(0, 10)
    );
    const v = f.getColumn("value").toArray() as number[];
    // Monthly data is stored on the month's first day.
    const want = REF.smallcap_pct_market_last_date.slice(0, 8) + "01";
    const i = sym.findIndex((s, k) => s === "MARKET" && dt[k] === want);
    assert(i >= 0);
    const ref = REF.smallcap_pct_market_last_level;
    assert(Math.abs(v[i]! - ref) <= 1e-12 * ref, `${v[i]} vs ${ref}`);
    // Real returns pass: NYSE weekly log returns, LPP2005REC daily log returns.
    const r5 = await ingest(
      fixture("nysesw_weekly_logret_head.csv"),
      "nyse_lr",
      ...series("NYSE"),
      "--freq",
      "week",
      "--from-returns",
      "log",
      "--json",
    );
    assertEquals(r5.code, 0, r5.stderr);
    assertEquals(JSON.parse(r5.stdout).rowsLanded, 40);
    const r6 = await ingest(
      fixture("lpp2005rec_returns_head.csv"),
      "lpp",
      "--kind",
      "series",
      "--wide",
      "--calendar",
      "weekdays",
      "--currency",
      "CHF",
      "--from-returns",
      "log",
      "--json",
    );
    assertEquals(r6.code, 0, r6.stderr);
    assertEquals(JSON.parse(r6.stdout).rowsLanded, 60 * 9);
    // --returns-in without --from-returns: a usage error.
    const r7 = await ingest(pct, "x", ...pw, "--returns-in", "percent");
    assertEquals(r7.code, 2);
    oneLine(r7, "--returns-in");
    Deno.removeSync(dir, { recursive: true });
  },
});

// The unit API refuses a header-like first line too (not only the task).
Deno.test("ingestBarsFile: a first line that reads as data is refused unless noHeader", async () => {
  const dir = Deno.makeTempDirSync();
  const f = join(dir, "x.csv");
  Deno.writeTextFileSync(f, "2024-01-02,10.5\n2024-01-03,10.7\n2024-01-04,10.6\n");
  let msg = "";
  try {
    await ingestBarsFile(f, { dataset: "x", kind: "series", symbol: "X", root: join(dir, "l") });
  } catch (e) {
    msg = (e as Error).message;
  }
  assert(msg.includes("--no-header"), msg);
  const s = await ingestBarsFile(f, {
    dataset: "x",
    kind: "series",
    symbol: "X",
    noHeader: true,
    root: join(dir, "l"),
  });
  // Three lines, three rows: hand count.
  assertEquals([s.rowsRead, s.rowsValid], [3, 3]);
  Deno.removeSync(dir, { recursive: true });
});
