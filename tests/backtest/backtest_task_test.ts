/**
 * `deno task backtest --spec` end to end (subprocess, temporary lakes, in-memory ledger):
 * (a) a lake dataset from a user file (TTR's ttrc, 1985-2006) with a user strategy module that
 *     lives outside the repository; its buy-and-hold benchmark total return equals the pandas
 *     reference (tests/reference/backtest_buy_and_hold.py) to 1e-9 relative in the --json
 *     output, and is printed rounded to 0.01% with its entry (bar, price, shares);
 * (b) the same spec on a vendor dataset backfilled from the simulated market
 *     (polygon/stock_bars_day via `backfill --sim`);
 * plus the example strategy spec of the repository, the usage errors (exit 2, one line) and the
 * refusal of a volume-based cost model on close-only FX data.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeTtrc, writeUsdThb } from "./_lake_fixtures.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const RTOL = 1e-9;
const REF = JSON.parse(
  Deno.readTextFileSync(new URL("../fixtures/backtest/buy_and_hold_ttrc.json", import.meta.url)),
) as { total_return: number; shares: number };

async function run(args: string[], env: Record<string, string> = {}, script = "tasks/backtest.ts") {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", script, ...args],
    cwd: REPO,
    env: { TZ: "UTC", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A user's strategy module outside the repository: long while the close is above its SMA. */
const USER_MODULE = `import { z } from "zod";
import type { Strategy, StrategyInput } from "${REPO}lib/backtest/mod.ts";
export const params = z.object({ lookback: z.number().int().min(2).default(50) });
export const description = "trend filter (test module)";
export function createStrategy(input: StrategyInput, p: z.infer<typeof params>): Strategy {
  const { panel, adjustedClose } = input;
  const n = panel.tsMs.length;
  return {
    onBar(ctx) {
      const t = ctx.t;
      if (t + 1 < p.lookback) return;
      let s = 0;
      for (let k = t - p.lookback + 1; k <= t; k++) s += adjustedClose[k]!;
      ctx.orderTargetWeight(0, adjustedClose[t]! > s / p.lookback ? 1 : 0);
    },
  };
}
`;

function spec(dataset: string, lookbacks: number[]) {
  return {
    question: `trend-${dataset}`,
    strategy: "my_trend.ts",
    grid: { lookback: lookbacks },
    data: { source: "lake", dataset, adjust: "raw" },
    // zero costs: the benchmark is compared with a cost-free reference
    costs: { model: "spread_only", halfSpreadBps: 0, borrowRateAnnual: 0 },
  };
}

/** The benchmark's printed total return: a percentage with two decimals, like the other figures. */
const benchmarkOf = (text: string) => {
  const m = text.match(/benchmark buy_and_hold: total return (\S+?),/);
  assert.ok(m, `no benchmark line in:\n${text}`);
  assert.match(m[1]!, /^-?\d+\.\d{2}%$/, `benchmark total return printed as ${m[1]}`);
  return Number(m[1]!.slice(0, -1)) / 100;
};

Deno.test("backtest task (a): user file dataset + user strategy module; buy and hold = pandas to 1e-9", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = join(dir, "lake");
    await writeTtrc(lake);
    const user = join(dir, "research");
    await Deno.mkdir(user);
    await Deno.writeTextFile(join(user, "my_trend.ts"), USER_MODULE);
    await Deno.writeTextFile(
      join(user, "spec.json"),
      JSON.stringify(spec("user/ttrc_daily", [20, 50])),
    );
    const r = await run(
      [
        "--spec",
        join(user, "spec.json"),
        "--memory-ledger",
        "--report",
        join(dir, "r.html"),
        "--json",
      ],
      { WORKBENCH_DATA: lake },
    );
    assert.equal(r.code, 0, r.stderr);
    // --json: the human text on stderr, one JSON object on stdout
    const text = r.stderr;
    assert.match(text, /data: curated\/user\/ttrc_daily\?adjust=raw#[0-9a-f]+/);
    assert.match(text, /calendar nyse, frequency session, currency USD/);
    assert.match(text, /annualisation: 252 periods a year/);
    assert.match(text, /strategy: module:.*my_trend\.ts/);
    assert.match(text, /configurations: 2 \(recorded 2 new/);
    // printed rounded to 0.01% (pandas: 15.81226864 -> 1581.23%); full precision in the JSON
    assert.equal(benchmarkOf(text), Number((REF.total_return * 100).toFixed(2)) / 100);
    const json = JSON.parse(r.stdout);
    const got = json.benchmark.summary.totalReturn;
    assert.ok(
      Math.abs(got - REF.total_return) <= RTOL * Math.abs(REF.total_return),
      `buy and hold ${got} vs pandas ${REF.total_return}`,
    );
    // the entry, as the pandas reference states it: 1985-01-03 open 3.09, floor(1e6 / 3.09)
    assert.match(
      text,
      new RegExp(
        `benchmark entered 1985-01-03 at the open 3\\.09 \\(decided at the first close, 1985-01-02; ` +
          `orders fill at the next bar\\): ${REF.shares} whole shares`,
      ),
    );
    assert.equal(json.benchmark.entry.fills[0].shares, REF.shares);
    // the gate judges the last 30% (oosFraction default 0.3) of the 5550 sessions: the returns
    // from the close of session floor(5550 * 0.7) = 3884 (0-based; 2000-05-16 in the CSV) to
    // the last close, 5549 - 3884 = 1665 of them; output, JSON and report say so
    assert.match(
      text,
      /gate, out of sample: the last 30% of the run: 1665 returns from the 2000-05-16 close to the 2006-12-29 close/,
    );
    assert.deepEqual(json.oos, {
      fraction: 0.3,
      returns: 1665,
      start: "2000-05-16",
      end: "2006-12-29",
    });
    const html = await Deno.readTextFile(join(dir, "r.html"));
    assert.ok(html.includes("final equity (USD)"));
    assert.ok(html.includes("252 periods a year"));
    // the report gives the verdict's reasons and window, not only "no-go"
    assert.ok(html.includes("1665 returns from the 2000-05-16 close"), "gate window in the report");
    for (const c of json.criteria as { name: string; status: string }[]) {
      assert.ok(html.includes(`gate: ${c.name}`), `criterion ${c.name} in the report`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest task (b): the same spec on polygon/stock_bars_day backfilled from the simulated market", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = join(dir, "lake");
    const bf = await run(
      [
        "--source=polygon",
        "--dataset=stock_bars_day",
        "--symbols=SPY",
        "--start=2024-01-02",
        "--end=2024-03-28",
        "--sim",
        "--no-quality",
      ],
      { WORKBENCH_DATA: lake, GLIBC_TUNABLES: "glibc.malloc.hugetlb=1" },
      "tasks/backfill.ts",
    );
    assert.equal(bf.code, 0, bf.stderr);
    const user = join(dir, "research");
    await Deno.mkdir(user);
    await Deno.writeTextFile(join(user, "my_trend.ts"), USER_MODULE);
    await Deno.writeTextFile(
      join(user, "spec.json"),
      JSON.stringify(spec("polygon/stock_bars_day", [5, 10])),
    );
    const r = await run([
      "--spec",
      join(user, "spec.json"),
      "--memory-ledger",
      "--report",
      join(dir, "r.html"),
    ], {
      WORKBENCH_DATA: lake,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /data: curated\/polygon\/stock_bars_day/);
    assert.match(r.stdout, /calendar nyse/);
    assert.match(r.stdout, /configurations: 2/);
    assert.match(r.stdout, /VERDICT: (GO|NO-GO)/);
    assert.ok(Number.isFinite(benchmarkOf(r.stdout)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest task: the repository's example specs run on a user lake (rsi_reversal module, buy_and_hold)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lake = join(dir, "lake");
    await writeTtrc(lake);
    const rsi = await run(
      [
        "--spec",
        "tasks/specs/rsi_reversal_user.json",
        "--memory-ledger",
        "--report",
        join(dir, "a.html"),
      ],
      { WORKBENCH_DATA: lake },
    );
    assert.equal(rsi.code, 0, rsi.stderr);
    assert.match(rsi.stdout, /strategy: module:.*tasks\/specs\/strategies\/rsi_reversal\.ts/);
    assert.match(rsi.stdout, /configurations: 8/);
    const bh = await run(
      [
        "--spec",
        "tasks/specs/buy_and_hold_user.json",
        "--memory-ledger",
        "--report",
        join(dir, "b.html"),
      ],
      { WORKBENCH_DATA: lake },
    );
    assert.equal(bh.code, 0, bh.stderr);
    const m = bh.stdout.match(/candidate run: total return ([-\d.]+)%/);
    assert.ok(m);
    assert.ok(Math.abs(Number(m[1]) / 100 - REF.total_return) < 1e-4); // printed to 0.01%
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("backtest task: help, bad spec and no-volume data exit with one line", async () => {
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /deno task backtest/);
  assert.match(help.stdout, /spread_only/);
  const unknown = await run(["--bogus"]);
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stderr.trim().split("\n").length, 1);

  const dir = await Deno.makeTempDir();
  try {
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(
      bad,
      JSON.stringify({
        question: "q",
        strategy: "momentum",
        grid: { lookback: [1] },
        data: { source: "lake" },
      }),
    );
    const r = await run(["--spec", bad]);
    assert.equal(r.code, 2);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /data\.dataset: /);
    assert.doesNotMatch(lines[0]!, /"code":|\[\s*\{/); // no raw zod JSON
    await Deno.writeTextFile(
      bad,
      JSON.stringify({
        question: "q",
        strategy: "momentum",
        grid: { lookback: [1] },
        data: { source: "synthetic" },
      }),
    );
    const g = await run(["--spec", bad]);
    assert.equal(g.code, 2);
    assert.match(g.stderr, /grid\.lookback = 1 .*momentum/);
    assert.equal(g.stderr.trim().split("\n").length, 1);

    const lake = join(dir, "lake");
    await writeUsdThb(lake);
    const fx = join(dir, "fx.json");
    await Deno.writeTextFile(
      fx,
      JSON.stringify({
        question: "fx",
        strategy: "ma_cross",
        grid: { fast: [4], slow: [24] },
        data: { source: "lake", dataset: "user/usdthb_30m" },
      }),
    );
    const v = await run(["--spec", fx, "--memory-ledger"], { WORKBENCH_DATA: lake });
    assert.equal(v.code, 2, v.stdout + v.stderr);
    assert.equal(v.stderr.trim().split("\n").length, 1);
    assert.match(v.stderr, /USD_THB has no volume/);
    assert.match(v.stderr, /"model": "spread_only"/);
    await Deno.writeTextFile(
      fx,
      JSON.stringify({
        question: "fx",
        strategy: "buy_and_hold",
        data: { source: "lake", dataset: "user/nope" },
      }),
    );
    const u = await run(["--spec", fx, "--memory-ledger"], { WORKBENCH_DATA: lake });
    assert.equal(u.code, 2);
    assert.match(u.stderr, /data\.dataset: Unknown dataset curated\/user\/nope: .*usdthb_30m/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
