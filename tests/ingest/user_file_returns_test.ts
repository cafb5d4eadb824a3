/**
 * ingest-file --from-returns (lib/ingest/user_file_returns.ts) and the units refusals around
 * returns: levels against hand-worked values and against pandas on an excerpt of the real
 * timeSeries::LPP2005REC file (tests/fixtures/ingest/lpp2005rec_levels_reference.csv, made by
 * tests/reference/from_returns_reference.py); a blank return quarantined with every later row
 * of its symbol (never taken as 0); close-only bars; --units return and unknown units without a
 * currency refused by backtest and export-training (exit 2); values <= 0 in a price series warn.
 */
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ingestBarsFile } from "../../lib/ingest/user_file.ts";
import { levelsFromReturns } from "../../lib/ingest/user_file_returns.ts";
import { loadDataset } from "../../lib/dataset/mod.ts";
import { NotAPriceError, priceUnitsWarning, requirePriceUnits } from "../../lib/lake/units.ts";
import { runTaskIn } from "../_task_run.ts";

function assertMatch(s: string, re: RegExp, msg?: string): void {
  assert(re.test(s), msg ?? `expected ${re} to match: ${s}`);
}
const close = (a: number, b: number, tol: number) =>
  assert(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${a} vs ${b}`);

const fixture = (f: string) => fileURLToPath(new URL(`../fixtures/ingest/${f}`, import.meta.url));

const run = runTaskIn;

/** symbol -> date -> value of a user dataset. */
async function values(root: string, ds: string, col = "value") {
  const d = await loadDataset(`user/${ds}`, { root });
  const out = new Map<string, Map<string, number>>();
  const sym = d.frame.getColumn("symbol").toArray() as string[];
  const dt = d.frame.getColumn("date").toArray() as unknown as Date[];
  const v = d.frame.getColumn(col).toArray() as number[];
  sym.forEach((s, i) => {
    if (!out.has(s)) out.set(s, new Map());
    out.get(s)!.set(dt[i]!.toISOString().slice(0, 10), v[i]!);
  });
  return { out, meta: d.meta };
}

Deno.test("from-returns: levelsFromReturns hand-worked", () => {
  // simple: 100 x 1.1 = 110; x 0.8 = 88; x 1.05 = 92.4
  const s = levelsFromReturns([0.1, -0.2, 0.05], "simple", 100);
  [110, 88, 92.4].forEach((x, k) => close(s[k]!, x, 1e-14));
  // log: 100 e^{ln 2} = 200; e^{-ln 4} -> 50; e^{ln 3} -> 150
  const l = levelsFromReturns([Math.LN2, -2 * Math.LN2, Math.log(3)], "log", 100);
  [200, 50, 150].forEach((x, k) => close(l[k]!, x, 1e-14));
});

Deno.test({
  name:
    "from-returns: simple and log, wide, long and bars, in time order; blank return quarantined",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const root = join(dir, "lake");
    // wide, rows in descending order: levels are cumulated in time order
    Deno.writeTextFileSync(
      join(dir, "w.csv"),
      "Date,A,B\n2024-01-05,0.05,-0.5\n2024-01-04,-0.2,0.25\n2024-01-03,0.1,0\n",
    );
    let s = await ingestBarsFile(join(dir, "w.csv"), {
      dataset: "w",
      kind: "series",
      wide: true,
      calendar: "weekdays",
      currency: "CHF",
      fromReturns: "simple",
      root,
    });
    assertEquals(s.rowsQuarantined, 0);
    let r = await values(root, "w");
    assertEquals(r.meta.units, "index");
    assertEquals(r.meta.currency, "CHF");
    // A: 100 x 1.1 = 110, x 0.8 = 88, x 1.05 = 92.4; B: 100, 125, 62.5
    close(r.out.get("A")!.get("2024-01-03")!, 110, 1e-14);
    close(r.out.get("A")!.get("2024-01-04")!, 88, 1e-14);
    close(r.out.get("A")!.get("2024-01-05")!, 92.4, 1e-14);
    close(r.out.get("B")!.get("2024-01-05")!, 62.5, 1e-14);
    assertEquals(s.fromReturns!.tag, "from_returns:simple:base=100");

    // long file, log returns, base 50, a blank (NaN) return on A's second date
    Deno.writeTextFileSync(
      join(dir, "l.csv"),
      [
        "date,symbol,value",
        `2024-01-03,A,${Math.LN2}`,
        `2024-01-03,B,${Math.LN2}`,
        "2024-01-04,A,NaN",
        `2024-01-04,B,${-Math.LN2}`,
        `2024-01-05,A,${Math.LN2}`,
        `2024-01-05,B,${Math.log(3)}`,
      ].join("\n") + "\n",
    );
    s = await ingestBarsFile(join(dir, "l.csv"), {
      dataset: "l",
      kind: "series",
      calendar: "weekdays",
      currency: "CHF",
      fromReturns: "log",
      returnsBase: 50,
      root,
    });
    // A's blank return and A's later row: quarantined, never cumulated as 0
    assertEquals(s.rowsValid, 4);
    assertEquals(s.reasons.missing_value, 2);
    assertEquals(s.fromReturns!.bySymbol.A!.rowsAfterBreak, 1);
    assert(s.warnings.some((w) => /^A: 1 row after a quarantined return/.test(w)), s.warnings[0]);
    r = await values(root, "l");
    assertEquals([...r.out.get("A")!.keys()], ["2024-01-03"]);
    close(r.out.get("A")!.get("2024-01-03")!, 100, 1e-14); // 50 e^{ln 2}
    close(r.out.get("B")!.get("2024-01-04")!, 50, 1e-14); // 50 e^{ln2 - ln2}
    close(r.out.get("B")!.get("2024-01-05")!, 150, 1e-14); // 50 e^{ln 3}

    // close-only bars of simple returns (negative closes are returns, not not_positive)
    Deno.writeTextFileSync(
      join(dir, "b.csv"),
      "date,close\n2024-01-03,-0.5\n2024-01-04,1\n2024-01-05,-1.5\n",
    );
    s = await ingestBarsFile(join(dir, "b.csv"), {
      dataset: "b",
      symbol: "X",
      calendar: "weekdays",
      fromReturns: "simple",
      root,
    });
    // 100 x 0.5 = 50, x 2 = 100; -1.5 <= -1: not_positive
    assertEquals(s.rowsValid, 2);
    assertEquals(s.reasons.not_positive, 1);
    r = await values(root, "b", "close");
    close(r.out.get("X")!.get("2024-01-04")!, 100, 1e-14);
    // a merge into the stored levels is refused; bars with an open are refused
    await assertThrowsAsync(() =>
      ingestBarsFile(join(dir, "b.csv"), {
        dataset: "b",
        symbol: "X",
        calendar: "weekdays",
        fromReturns: "simple",
        root,
      }), /without --replace/);
  },
});

async function assertThrowsAsync(f: () => Promise<unknown>, re: RegExp) {
  try {
    await f();
  } catch (e) {
    assertMatch((e as Error).message, re);
    return;
  }
  throw new Error(`expected a throw matching ${re}`);
}

Deno.test({
  name: "from-returns: LPP2005REC excerpt equals pandas (1e-12)",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const root = join(dir, "lake");
    const ref = Deno.readTextFileSync(fixture("lpp2005rec_levels_reference.csv")).trim().split(
      "\n",
    ).slice(1).map((l) => l.split(","));
    assertEquals(ref.length, 120);
    for (const kind of ["simple", "log"] as const) {
      const s = await ingestBarsFile(fixture("lpp2005rec_excerpt.csv"), {
        dataset: `lpp_${kind}`,
        kind: "series",
        wide: true,
        calendar: "weekdays",
        currency: "CHF",
        fromReturns: kind,
        root,
      });
      assertEquals(s.rowsValid, 120);
      const { out } = await values(root, `lpp_${kind}`);
      let worst = 0;
      for (const [d, sym, simple, log] of ref) {
        const want = Number(kind === "simple" ? simple : log);
        const got = out.get(sym!)!.get(d!.replaceAll('"', ""))!;
        worst = Math.max(worst, Math.abs(got - want) / want);
      }
      assert(worst <= 1e-12, `${kind}: worst relative difference ${worst}`);
    }
  },
});

Deno.test("units: unknown units without a currency refused, with one warns; return refused", () => {
  assertThrows(
    () => requirePriceUnits("user/y", { kind: "series", currency: null }, "x", "y"),
    NotAPriceError,
    "declares no units and no currency",
  );
  assertMatch(
    requirePriceUnits("user/t", { kind: "table", currency: "USD" }, "x", "y")!,
    /declares no units: its values are taken as prices/,
  );
  assertEquals(priceUnitsWarning("user/y", { kind: "series", currency: null }, "x"), null);
  assertThrows(
    () =>
      requirePriceUnits("user/r", { kind: "series", currency: null, units: "return" }, "x", "y"),
    NotAPriceError,
    "--from-returns simple|log",
  );
});

Deno.test({
  name: "units: --units return and --currency none refused by backtest/export (exit 2); <= 0 warns",
  sanitizeResources: false,
  async fn() {
    const dir = Deno.makeTempDirSync();
    const lake = join(dir, "lake");
    const days = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"];
    const csv = [
      "date,value",
      ...days.map((d, k) => `${d},${[0.01, -0.02, 0.005, 0.01, -0.01][k]}`),
    ];
    Deno.writeTextFileSync(join(dir, "r.csv"), csv.join("\n") + "\n");
    const base = [
      join(dir, "r.csv"),
      "--kind",
      "series",
      "--symbol",
      "R",
      "--calendar",
      "weekdays",
    ];
    // default price units with values <= 0: a warning with the count and the options
    let r = await run("ingest_file", [...base, "--dataset", "rp", "--currency", "CHF"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stderr, /warning: 2 of the 5 values landed are <= 0 \(R 2\).*--from-returns/);
    r = await run("ingest_file", [...base, "--dataset", "rr", "--units", "return"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /currency none, units return,/);
    assert(!/<= 0/.test(r.stderr), r.stderr);
    r = await run("ingest_file", [...base, "--dataset", "rn", "--currency", "none"], lake, dir);
    assertEquals(r.code, 0, r.stderr);
    // --from-returns with other units: exit 2 before anything lands
    r = await run(
      "ingest_file",
      [...base, "--dataset", "rx", "--from-returns", "log", "--units", "price"],
      lake,
      dir,
    );
    assertEquals(r.code, 2, r.stderr);
    for (
      const [ds, re] of [["rr", /units return.*--from-returns simple\|log/], [
        "rn",
        /declares no units and no currency.*--units price/,
      ]] as const
    ) {
      Deno.writeTextFileSync(
        join(dir, `${ds}.json`),
        JSON.stringify({
          question: ds,
          strategy: "buy_and_hold",
          data: { source: "lake", dataset: `user/${ds}` },
          costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
          gate: { maxPbo: null },
        }),
      );
      r = await run("backtest", ["--spec", join(dir, `${ds}.json`), "--memory-ledger"], lake, dir);
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, re);
      assertEquals(r.stderr.trim().split("\n").length, 1, r.stderr);
      Deno.writeTextFileSync(
        join(dir, `${ds}_ex.json`),
        JSON.stringify({
          name: `${ds}_ex`,
          data: { source: "lake", dataset: `user/${ds}` },
          features: ["roc_5"],
          label: { kind: "forward_return", horizon: 1, type: "log" },
          trainEnd: "2024-01-05",
          frequency: "1d",
        }),
      );
      r = await run(
        "export_training",
        ["--spec", join(dir, `${ds}_ex.json`), "--out", join(dir, `${ds}_out`)],
        lake,
        dir,
      );
      assertEquals(r.code, 2, r.stderr);
      assertMatch(r.stderr, re);
    }
    // the log-level bad bar: a price <= 0 declared as index is refused, exit 2, with the hint
    r = await run(
      "ingest_file",
      [...base, "--dataset", "rn", "--currency", "none", "--units", "index"],
      lake,
      dir,
    );
    assertEquals(r.code, 0, r.stderr);
    assertMatch(r.stdout, /0 new or changed/); // metadata-only change
    r = await run("backtest", ["--spec", join(dir, "rn.json"), "--memory-ledger"], lake, dir);
    assertEquals(r.code, 2, r.stderr);
    assertMatch(r.stderr, /Bad bar for R .*close -0\.02.*not a positive price.*--from-returns/);
  },
});
