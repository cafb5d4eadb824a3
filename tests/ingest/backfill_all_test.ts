/**
 * `backfillAllCommand` with `concurrency`: the step dependencies by hand, and a plan run against
 * the simulated market once with one step at a time and once with two at once. The two lakes
 * must hold the same rows (per dataset and zone: committed row counts, and a hash of the sorted
 * curated rows without lineage), every "@universe" step must start after the listing step is
 * done and see the whole universe, two writers of one dataset must never overlap, and the
 * printed blocks and `onResult` calls must come in plan order although (checked) later steps
 * finish before an earlier slow one.
 */
import { loadConfig } from "../../lib/config/config.ts";
import { setLogLevel } from "../../lib/core/log.ts";
import {
  backfillAllCommand,
  planDependencies,
  type PlanStep,
  type StepEvent,
  stepWrites,
  universeSymbols,
} from "../../lib/ingest/commands.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { committedState, readDataset } from "../../lib/lake/mod.ts";
import type { FaultSchedule } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals, assertRejects } from "../_assert.ts";

const WORLD = { start: "2024-01-02", end: "2024-02-29", equityCount: 4 };
const END = "2024-02-29";
const step = (
  source: string,
  dataset: string,
  symbols: string[] | "@universe",
  start = "2024-01-02",
  end = END,
): PlanStep => ({ source, dataset, symbols, start, end });

Deno.test("planDependencies: listing before @universe, same-dataset writers in order, vendors with serialVendors", () => {
  const plan: PlanStep[] = [
    step("alphavantage", "listing_status", ["active", "delisted"], END), // 1
    step("fred", "macro_observations", ["GDP"]), // 2
    step("polygon", "splits", "@universe"), // 3: listing
    step("polygon", "dividends", "@universe"), // 4: listing
    step("polygon", "dividends", ["SPY"]), // 5: dividends of 4
    step("polygon", "option_bars_minute", ["SPY"], END), // 6: writes option_contracts too
    step("polygon", "option_contracts", ["SPY"], END), // 7: option_contracts of 6
    step("polygon", "stock_bars_day", ["SPY"]), // 8
    step("polygon", "stock_bars_day", "@universe"), // 9: listing, stock_bars_day of 8
    step("alphavantage", "listing_status", ["active"], END), // 10: listing of 1
    step("polygon", "news", "@universe"), // 11: both listing steps
  ];
  // 0-based indices of the earlier steps each one waits for, worked out from the rules.
  assertEquals(planDependencies(plan), [[], [], [0], [0], [3], [], [5], [], [0, 7], [0], [0, 9]]);
  // Against real vendors every polygon step also waits for every earlier polygon step.
  assertEquals(planDependencies(plan, { serialVendors: true }), [
    [],
    [],
    [0],
    [0, 2],
    [2, 3],
    [2, 3, 4],
    [2, 3, 4, 5],
    [2, 3, 4, 5, 6],
    [0, 2, 3, 4, 5, 6, 7],
    [0],
    [0, 2, 3, 4, 5, 6, 7, 8, 9],
  ]);
  assertEquals(stepWrites(step("polygon", "option_bars_day", ["SPY"])), [
    "polygon/option_bars_day",
    "polygon/option_contracts",
  ]);
  assertEquals(stepWrites(step("dukascopy", "fx_ticks", ["EURUSD"])).length, 7); // ticks + 6 bars
  assertEquals(planDependencies([]), []);
});

Deno.test("backfillAllCommand rejects a concurrency outside 1..8 before any I/O", async () => {
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: "/nonexistent/lake" };
  for (const c of [0, 9, 1.5, NaN]) {
    await assertRejects(
      () => backfillAllCommand({ plan: [], concurrency: c }, { config: cfg, sim: true }),
      RangeError,
      "concurrency must be an integer from 1 to 8",
    );
  }
});

/** The plan of the equality test; step 1 is slowed on the server (see FAULTS). */
const PLAN: PlanStep[] = [
  step("fred", "macro_observations", ["FEDFUNDS", "DGS10"], "2023-01-01"), // 1 slow
  step("alphavantage", "listing_status", ["active", "delisted"], END, END), // 2
  step("polygon", "splits", "@universe"), // 3
  step("polygon", "dividends", "@universe"), // 4
  step("polygon", "dividends", ["SPY"]), // 5
  step("polygon", "stock_bars_day", ["SPY"]), // 6
  step("polygon", "stock_bars_day", "@universe"), // 7
  step("polygon", "market_calendar", ["US"], END, END), // 8
  step("polygon", "index_bars_day", ["I:VIX"]), // 9
  step("polygon", "stock_bars_minute", ["SPY"], "2024-02-27"), // 10
];
/** The first FRED request of each step's server waits 1.5 s: step 1 ends after later steps. */
const FAULTS: FaultSchedule = { fred: [{ kind: "slow", everyNth: 1, maxCount: 1, delayMs: 1500 }] };

interface Run {
  code: number;
  lines: string[];
  results: Record<string, unknown>[];
  events: StepEvent[];
  root: string;
}

async function run(concurrency: number, overlapQuality?: boolean): Promise<Run> {
  const root = await Deno.makeTempDir({ prefix: `backfill_all_c${concurrency}_` });
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
  const lines: string[] = [], results: Record<string, unknown>[] = [], events: StepEvent[] = [];
  const code = await backfillAllCommand({
    plan: PLAN,
    concurrency,
    workers: 3,
    ...(overlapQuality !== undefined ? { overlapQuality } : {}),
  }, {
    config: cfg,
    sim: { seed: 7, world: WORLD, faults: FAULTS },
    http: { backoffBaseMs: 2, backoffMaxMs: 20, timeoutMs: 10_000 },
    print: (l) => lines.push(l),
    onResult: (r) => results.push(r),
    onStep: (e) => events.push(e),
  });
  return { code, lines, results, events, root };
}

/** Rows committed per dataset and zone, and a hash of each curated dataset's sorted rows. */
async function lakeContent(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = new Set(PLAN.flatMap(stepWrites));
  for (const name of names) {
    const [source, dataset] = name.split("/") as [string, string];
    const p = pipelineFor(source, dataset);
    out[`raw/${name}`] = String((await committedState(p.rawSpec, root)).rows);
    const rows = (await committedState(p.curatedSpec, root)).rows;
    const df = await readDataset(p.curatedSpec, { root, dropLineage: true });
    assertEquals(df.height, rows, `${name}: rows read vs the manifest's`);
    const sorted = df.height
      ? df.sort([...new Set([...p.curatedSpec.naturalKey, ...df.columns])])
      : df;
    const csv = df.height ? sorted.writeCSV().toString() : "";
    const hash = new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(csv)),
    );
    out[`curated/${name}`] = `${rows} ${
      [...hash].map((b) => b.toString(16).padStart(2, "0")).join("")
    }`;
  }
  for (const source of new Set(PLAN.map((s) => s.source))) {
    out[`quarantine/${source}`] = String((await committedState(quarantineSpec(source), root)).rows);
  }
  return out;
}

/** Most steps holding a place (between their start and landed events) at one instant. */
function mostHeld(r: Run): number {
  const marks = r.events.filter((e) => e.phase !== "done")
    .map((e) => [e.atMs, e.phase === "start" ? 1 : -1] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let held = 0, most = 0;
  for (const [, d] of marks) most = Math.max(most, held += d);
  return most;
}

const at = (r: Run, stepNo: number, phase: StepEvent["phase"]) => {
  const e = r.events.find((x) => x.step === stepNo && x.phase === phase);
  assert(e, `no ${phase} event of step ${stepNo}`);
  return e.atMs;
};

Deno.test("backfillAllCommand with concurrency 2 lands the same lake as one step at a time, in order", async () => {
  setLogLevel("warn");
  try {
    const one = await run(1);
    const two = await run(2);
    const oneQ = await run(1, true); // one step landing at a time, quality passes behind
    for (const r of [one, two, oneQ]) {
      assertEquals(r.code, 0);
      // Output: one block per step, in plan order, each with its step's job summary.
      assertEquals(r.lines.length, PLAN.length);
      r.lines.forEach((l, i) => {
        const name = `${PLAN[i]!.source}/${PLAN[i]!.dataset}`;
        assert(l.startsWith(`step ${i + 1} ${name}:\njob `), `block ${i + 1}: ${l.slice(0, 80)}`);
      });
      assertEquals(r.results.map((x) => x.step), PLAN.map((_, i) => i + 1));
    }

    // The quality pass (inside the step with one at a time, after its place is freed with two)
    // reports the same counts for every step.
    const quality = (r: Run) =>
      r.results.map((x) =>
        (x.summary as { quality?: Record<string, unknown> } | undefined)?.quality
      );
    assertEquals(quality(two), quality(one));
    assertEquals(quality(oneQ), quality(one));
    assert(quality(two).every((q) => q !== undefined && Object.keys(q).length === 1));
    // Same lake: counts per dataset and zone, and the curated rows themselves.
    const c1 = await lakeContent(one.root), c2 = await lakeContent(two.root);
    assertEquals(c2, c1);
    assertEquals(await lakeContent(oneQ.root), c1);
    // ... and not trivially: the listing, the universe's day bars and SPY's minutes are there.
    const universe = await universeSymbols(two.root);
    assert(universe.length >= WORLD.equityCount, `universe ${universe}`);
    for (
      const name of [
        "alphavantage/listing_status",
        "polygon/stock_bars_day",
        "polygon/stock_bars_minute",
      ]
    ) {
      assert(Number(c2[`curated/${name}`]!.split(" ")[0]) > 0, `${name} is empty`);
    }

    // Two at once did happen: step 1 (slowed) was done after steps that follow it...
    for (const s of [2, 3, 6]) {
      assert(at(two, s, "done") < at(two, 1, "done"), `step ${s} ended first`);
    }
    // ... and never more than two steps held a place (start .. landed) at the same time.
    assertEquals(mostHeld(two), 2);
    // With one at a time, each step starts after the previous one is done.
    for (let s = 2; s <= PLAN.length; s++) assert(at(one, s, "start") >= at(one, s - 1, "done"));
    // With overlapQuality: one step holds a place at a time, every step starts after its
    // dependencies are done, and quality passes did run behind later steps.
    assertEquals(mostHeld(oneQ), 1);
    const deps = planDependencies(PLAN);
    let behind = 0;
    for (let s = 1; s <= PLAN.length; s++) {
      for (const d of deps[s - 1]!) {
        assert(at(oneQ, s, "start") >= at(oneQ, d + 1, "done"), `step ${s} before step ${d + 1}`);
      }
      if (s > 1 && at(oneQ, s, "start") < at(oneQ, s - 1, "done")) behind++;
    }
    assert(behind >= 3, `only ${behind} steps started during a quality pass`);

    // Dependencies: each @universe step starts once the listing (step 2) is done and sees the
    // whole universe; writers of one dataset (4 and 5, 6 and 7) never overlap.
    for (const s of [3, 4, 7]) {
      assert(at(two, s, "start") >= at(two, 2, "done"), `step ${s} started before the listing`);
      const res = two.results[s - 1]!;
      assert(!("skipped" in res), `step ${s} skipped`);
      const summary = res.summary as { units: { failed: number } };
      assertEquals(summary.units.failed, 0);
    }
    assert(at(two, 5, "start") >= at(two, 4, "done"), "dividends steps overlapped");
    assert(at(two, 7, "start") >= at(two, 6, "done"), "stock_bars_day steps overlapped");
    // The @universe day-bar step backfilled every listed stock.
    const bars = await readDataset(pipelineFor("polygon", "stock_bars_day").curatedSpec, {
      root: two.root,
    });
    const tickers = new Set(bars.getColumn("ticker").toArray() as string[]);
    for (const u of universe) assert(tickers.has(u), `no day bars of ${u}`);

    for (const r of [one, two, oneQ]) await Deno.remove(r.root, { recursive: true });
  } finally {
    setLogLevel("info");
  }
});

Deno.test("backfillAllCommand with concurrency 2: a failing step stops the plan, finished blocks still print in order", async () => {
  setLogLevel("error");
  const root = await Deno.makeTempDir({ prefix: "backfill_all_fail_" });
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
  const lines: string[] = [];
  try {
    const plan = [
      step("polygon", "market_calendar", ["US"], END, END),
      step("polygon", "no_such_dataset", ["SPY"]),
      step("polygon", "index_bars_day", ["I:VIX"]),
    ];
    await assertRejects(
      () =>
        backfillAllCommand({ plan, concurrency: 2 }, {
          config: cfg,
          sim: { seed: 7, world: WORLD },
          print: (l) => lines.push(l),
        }),
      RangeError,
      "Unknown dataset polygon/no_such_dataset",
    );
    // Step 1 ran beside step 2 and is printed; step 3 never started.
    assertEquals(lines.length, 1);
    assert(lines[0]!.startsWith("step 1 polygon/market_calendar:\njob "), lines[0]);
    const vix = pipelineFor("polygon", "index_bars_day").curatedSpec;
    assertEquals((await committedState(vix, root)).rows, 0);
  } finally {
    setLogLevel("info");
    await Deno.remove(root, { recursive: true });
  }
});
