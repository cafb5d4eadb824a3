/**
 * Weekly and monthly bars are stored on their period's first day (Monday, the 1st) and known at
 * the period's close; every date the backtest prints as "the close" is that close, the period's
 * last NYSE session, with the period named beside it (lib/quality `closeLabeler`). Daily output
 * is covered, unchanged, by backtest_task_test.ts.
 *
 * Hand-worked expectations (NYSE holidays from the exchange's published schedule):
 * - Weekly, 15 weeks stored on the Mondays 1990-01-01 .. 1990-04-09, closes 100 + w (w = 0..14).
 *   Week of 1990-01-01 (New Year's Day, no session that Monday) closes Friday 1990-01-05; week
 *   of 1990-01-08 closes 1990-01-12; week of 1990-03-12 closes 1990-03-16; week of 1990-04-09
 *   closes Thursday 1990-04-12 (Good Friday 1990-04-13, NYSE closed). Buy and hold decides at
 *   the first close (w0) and fills at the next bar's close (w1, 101: close-only data); closes
 *   rise, so gross / equity peaks at the last bar (the first maximum). The gate's window starts
 *   at row floor(15 x 0.7) = 10 (week of 1990-03-12) and has 14 - 10 = 4 returns.
 * - Monthly, 12 months stored on 1996-01-01 .. 1996-12-01, closes 100, 102, 104, 106, 108, 120,
 *   110, 109, 108, 107, 106, 105. January closes Wednesday 1996-01-31; February Thursday
 *   1996-02-29 (leap year): the entry, at 102; June's last session is Friday 1996-06-28 (the
 *   30th a Sunday): the peak of gross / equity (price 120, cash left 1e6 - 9803 x 102 = 94);
 *   the gate's window starts at row floor(12 x 0.7) = 8 (September: Monday 1996-09-30) and has
 *   11 - 8 = 3 returns; December closes Tuesday 1996-12-31.
 */
import assert from "node:assert/strict";
import { runTaskIn } from "../_task_run.ts";
import { closeBarsSpec, writeCloseBars } from "./_close_bars.ts";

/** Write `dates` (stored labels) with `closes` and `known` (known_at, ISO instants). */
async function write(
  root: string,
  dataset: string,
  frequency: string,
  rows: { date: string; close: number; known: string }[],
): Promise<void> {
  await writeCloseBars(root, closeBarsSpec(dataset, frequency), {
    symbol: "X",
    dates: rows.map((r) => r.date),
    closes: rows.map((r) => r.close),
    knownMs: rows.map((r) => Date.parse(r.known)),
    sourceUri: "test://periods",
  });
}

const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

async function specFile(dir: string, dataset: string): Promise<string> {
  const f = `${dir}/${dataset}.json`;
  await Deno.writeTextFile(
    f,
    JSON.stringify({
      question: `${dataset}-bh`,
      strategy: "buy_and_hold",
      data: { source: "lake", dataset: `user/${dataset}` },
      costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
      gate: { maxPbo: null },
    }),
  );
  return f;
}

Deno.test("weekly and monthly bars: the backtest, its report and quality print the period's close date", async () => {
  const dir = await Deno.makeTempDir();
  const lake = `${dir}/lake`;
  try {
    const mon0 = Date.UTC(1990, 0, 1);
    // known at the Friday 21:00 UTC (16:00 EST) close; the Good Friday week's Thursday
    await write(
      lake,
      "wk",
      "week",
      Array.from({ length: 15 }, (_, w) => ({
        date: iso(mon0 + 7 * w * 86_400_000),
        close: 100 + w,
        known: `${iso(mon0 + (7 * w + (w === 14 ? 3 : 4)) * 86_400_000)}T21:00:00Z`,
      })),
    );
    const closes = [100, 102, 104, 106, 108, 120, 110, 109, 108, 107, 106, 105];
    await write(
      lake,
      "mo",
      "month",
      closes.map((c, m) => ({
        date: `1996-${String(m + 1).padStart(2, "0")}-01`,
        close: c,
        known: `${iso(Date.UTC(1996, m + 1, 0))}T21:00:00Z`,
      })),
    );

    const wk = await runTaskIn(
      "backtest",
      ["--spec", await specFile(dir, "wk"), "--memory-ledger", "--report", `${dir}/wk.html`],
      lake,
      dir,
    );
    assert.equal(wk.code, 0, wk.stderr);
    const w = wk.stdout;
    assert.match(
      w,
      /benchmark entered 1990-01-12 \(week of 1990-01-08\) at the close 101 \(decided at the first close, 1990-01-05 \(week of 1990-01-01\);/,
    );
    assert.match(w, /marked at the 1990-04-12 close \(week of 1990-04-09\) 114\./);
    assert.match(
      w,
      /peak gross leverage 1\.000 at the 1990-04-12 close \(week of 1990-04-09\), after that bar's fills \(/,
    );
    assert.match(
      w,
      /4 returns from the 1990-03-16 close \(week of 1990-03-12\) to the 1990-04-12 close \(week of 1990-04-09\)/,
    );
    // no stored Monday is called a close
    assert.doesNotMatch(w, /1990-01-01 close|1990-01-01;|1990-04-09 close|1990-03-12 close/);
    const html = await Deno.readTextFile(`${dir}/wk.html`);
    assert.ok(html.includes("at each week&#39;s close") || html.includes("at each week's close"));
    assert.ok(html.includes('"1990-04-12"'), "equity chart dated at the week's close");
    assert.ok(!html.includes('"1990-04-09"'), "no chart point at the stored Monday");

    const mo = await runTaskIn(
      "backtest",
      ["--spec", await specFile(dir, "mo"), "--memory-ledger", "--report", `${dir}/mo.html`],
      lake,
      dir,
    );
    assert.equal(mo.code, 0, mo.stderr);
    const m = mo.stdout;
    assert.match(
      m,
      /benchmark entered 1996-02-29 \(month 1996-02\) at the close 102 \(decided at the first close, 1996-01-31 \(month 1996-01\);/,
    );
    assert.match(m, /9803 whole shares = 999906\.00 USD/);
    assert.match(m, /marked at the 1996-12-31 close \(month 1996-12\) 105\./);
    assert.match(
      m,
      /peak gross leverage 1\.000 at the 1996-06-28 close \(month 1996-06\), after that bar's fills \(/,
    );
    assert.match(
      m,
      /3 returns from the 1996-09-30 close \(month 1996-09\) to the 1996-12-31 close \(month 1996-12\)/,
    );

    const q = await runTaskIn("quality", ["--dataset", "user/wk"], lake, dir);
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /closes 1990-01-05\.\.1990-04-12 \(weeks of 1990-01-01\.\.1990-04-09\)/);
    const qm = await runTaskIn("quality", ["--dataset", "user/mo", "--json"], lake, dir);
    assert.equal(qm.code, 0, qm.stderr);
    const j = JSON.parse(qm.stdout);
    assert.deepEqual([j.start, j.end], ["1996-01-01", "1996-12-01"]); // stored dates, as queries see them
    assert.deepEqual(j.closes, { start: "1996-01-31", end: "1996-12-31" });
    assert.match(qm.stderr, /closes 1996-01-31\.\.1996-12-31 \(months 1996-01\.\.1996-12\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
