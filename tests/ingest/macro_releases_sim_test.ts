/**
 * BLS and BEA against the simulated market, the same checks as the other connectors
 * (sim_backfill_test.ts, kill_resume_test.ts): a backfill under faults lands exactly the clean
 * run's rows except those the server corrupted (quarantined with a reason), the client's retries
 * match the server's fault log, a process killed with SIGKILL and resumed ends with the lake of an
 * uninterrupted run, and the planted key is in no log line and no file.
 */
import pl from "nodejs-polars";
import { setLogSink } from "../../lib/core/log.ts";
import { Rng } from "../../lib/core/random.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import type { FaultSchedule } from "../../lib/sources/sim/mod.ts";
import { SIM_BLS_SERIES, simBlsMonthly } from "../../lib/sources/sim/macro_releases.ts";
import { assert, assertEquals } from "../_assert.ts";
import {
  assertExitsOk,
  assertFaultySubset,
  assertKeyAbsent,
  assertRetriesMatch,
  backfillArgs,
  backfillChild,
  killLoop,
  lakeSnapshot,
  retryTally,
  runSimPlan,
} from "./_harness.ts";

const KEY = "MACROKEY-3f9a1c7e55d2b804-KEEPOUT";
const WORLD = { start: "2024-01-02", end: "2024-02-29", equityCount: 2 };
const BLS_IDS = Object.keys(SIM_BLS_SERIES);
const PLAN = [
  { source: "bls", dataset: "series", symbols: BLS_IDS, start: "2015-01-01", end: "2024-02-29" },
  {
    source: "bea",
    dataset: "nipa",
    symbols: ["T10105", "T10105:A", "T20804:M"],
    start: "2000-01-01",
    end: "2024-02-29",
  },
];
const FAULTS: FaultSchedule = {
  "bls.timeseries": [
    { kind: "http429", everyNth: 3, retryAfterSec: 0 },
    { kind: "http503", everyNth: 4 },
    { kind: "truncated", everyNth: 5 },
    { kind: "error200", everyNth: 7 },
    { kind: "reset", everyNth: 11 },
    { kind: "badValues", everyNth: 2 },
    { kind: "schemaDrift", everyNth: 9 },
  ],
  bea: [
    { kind: "http502", everyNth: 2 },
    { kind: "error200", everyNth: 3 },
    { kind: "truncated", everyNth: 5 },
    { kind: "schemaDrift", everyNth: 7 },
  ],
};
const TRANSPORT: Record<string, string> = {
  http429: "http_429",
  http502: "http_502",
  http503: "http_503",
  truncated: "parse",
  error200: "vendor_error",
};
/** Columns stamped with the fetch instant: they differ between runs by construction. */
const FETCH_TIME = new Set(["known_at", "fetched_at"]);

async function runPlan(root: string, faults?: FaultSchedule) {
  const steps = PLAN.map((s) => ({ pipeline: pipelineFor(s.source, s.dataset), ...s }));
  const { summaries, sim } = await runSimPlan(root, steps, {
    seed: 5,
    world: WORLD,
    faults,
    key: KEY,
  });
  return { summaries, faultLog: sim.faultLog, world: sim.world };
}

Deno.test({
  name: "sim: BLS and BEA under faults land every served row once, quarantine the corrupted ones",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const clean = Deno.makeTempDirSync({ prefix: "macro-clean-" });
    const faulty = Deno.makeTempDirSync({ prefix: "macro-faulty-" });
    const lines: string[] = [];
    const prev = setLogSink((l) => lines.push(l));
    try {
      const a = await runPlan(clean);
      const b = await runPlan(faulty, FAULTS);
      for (const s of [...a.summaries, ...b.summaries]) {
        assertEquals(s.units.failed, 0, JSON.stringify(s.failures));
      }
      // BLS: 5 series over 2015..2024 in 20-year windows, merged: fewer queries than series.
      assert(a.summaries[0]!.requests < BLS_IDS.length, `${a.summaries[0]!.requests} BLS queries`);

      // Retries reconcile with the server's fault log.
      const { retries, served } = retryTally(b.summaries, b.faultLog);
      assertRetriesMatch(retries, served, TRANSPORT);
      assert((served.badValues ?? 0) > 0 && (served.http502 ?? 0) > 0, "faults were injected");

      // Ground truth of the clean run: BLS values are the simulated FRED series as known today;
      // BEA GDP = PCE + investment + net exports + government, every quarter.
      const bls = await readDataset(pipelineFor("bls", "series").curatedSpec, { root: clean });
      for (const id of BLS_IDS) {
        const want = simBlsMonthly(a.world, id).filter((o) => o.date >= "2015-01-01");
        const got = bls.filter(
          pl.col("series_id").eq(pl.lit(id)).and(pl.col("annual_average").not()),
        ).sort("date");
        assertEquals(got.height, want.length, `${id} rows`);
        const gv = got.getColumn("value").toArray() as number[];
        want.forEach((o, i) => assert(Math.abs(gv[i]! - o.value) < 1e-9, `${id} ${o.date}`));
      }
      const nipa = await readDataset(pipelineFor("bea", "nipa").curatedSpec, { root: clean });
      const q = nipa.filter(
        pl.col("table_name").eq(pl.lit("T10105")).and(pl.col("frequency").eq(pl.lit("Q"))),
      );
      const byPeriod = new Map<string, Record<number, number>>();
      for (const r of q.toRecords() as Record<string, unknown>[]) {
        const m = byPeriod.get(r.period as string) ?? {};
        m[Number(r.line_number)] = r.value as number;
        byPeriod.set(r.period as string, m);
      }
      assert(byPeriod.size >= 4 * 20, `${byPeriod.size} quarters`);
      for (const [p, m] of byPeriod) {
        assertEquals(m[1], m[2]! + m[7]! + m[15]! + m[22]!, `GDP identity ${p}`);
      }

      // Faulty run: a subset of the clean rows with equal values; the missing ones quarantined.
      const missingTotal = await assertFaultySubset(
        clean,
        faulty,
        PLAN.map((s) => pipelineFor(s.source, s.dataset)),
        { ignoreColumn: (p, c) => FETCH_TIME.has(c) && p.source === "bls" },
      );
      assert(missingTotal > 0, "corrupted rows were quarantined, not landed");

      assertKeyAbsent(KEY, { lines, roots: [clean, faulty] });
    } finally {
      setLogSink(prev);
      Deno.removeSync(clean, { recursive: true });
      Deno.removeSync(faulty, { recursive: true });
    }
  },
});

const child = (root: string, baseUrl: string, source: string, resume: boolean) => {
  const step = PLAN.find((p) => p.source === source)!;
  return backfillChild(
    root,
    backfillArgs({ ...step, workers: 1, jobId: `kill-${source}` }),
    {
      BLS_BASE_URL: `${baseUrl}/publicAPI/v2`,
      BLS_API_KEY: KEY,
      BEA_BASE_URL: `${baseUrl}/bea/api`,
      BEA_API_KEY: KEY,
      WORKBENCH_USE_SIM: "false",
    },
    resume,
  );
};

async function snapshot(root: string, source: string) {
  const step = PLAN.find((p) => p.source === source)!;
  const p = pipelineFor(step.source, step.dataset);
  const s = await lakeSnapshot(root, [p], FETCH_TIME);
  const at = (spec: { zone: string; dataset: string }) => s[`${spec.zone}/${spec.dataset}`]!.data;
  return { raw: at(p.rawSpec), curated: at(p.curatedSpec) };
}

Deno.test({
  name:
    "BLS and BEA: kill -9 at random points then --resume gives the lake of an uninterrupted run",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    // Every answer is held 400 ms so that kills land while units are in flight.
    const sim = await startSimServer({
      seed: 5,
      world: WORLD,
      faults: { "*": [{ kind: "slow", everyNth: 1, delayMs: 400 }] },
    });
    const rng = new Rng(22);
    try {
      for (const source of ["bls", "bea"]) {
        const ref = Deno.makeTempDirSync({ prefix: `kill-${source}-ref-` });
        const lake = Deno.makeTempDirSync({ prefix: `kill-${source}-` });
        try {
          await assertExitsOk(child(ref, sim.baseUrl, source, false));
          const total = readCheckpoint(`kill-${source}`, ref).length;
          assertEquals(total, PLAN.find((p) => p.source === source)!.symbols.length);
          const { kills, midRun } = await killLoop({
            spawn: (resume) => child(lake, sim.baseUrl, source, resume),
            lake,
            jobId: `kill-${source}`,
            total,
            kills: 4,
            maxStarts: 12,
            waitForUnit: () => true,
            waitTimeoutMs: 30_000,
            delayMs: () => rng.uniform() * 400,
          });
          assert(kills >= 2, `${source}: only ${kills} kills`);
          assert(midRun >= 1, `${source}: no kill landed mid-run`);
          await assertExitsOk(child(lake, sim.baseUrl, source, true));
          const a = await snapshot(ref, source), b = await snapshot(lake, source);
          assert(a.curated!.length > 10, `${source}: reference has rows`);
          assert(a.raw === b.raw, `${source}: raw rows differ`);
          assert(a.curated === b.curated, `${source}: curated rows differ`);
          assertKeyAbsent(KEY, { roots: [lake] });
        } finally {
          Deno.removeSync(ref, { recursive: true });
          Deno.removeSync(lake, { recursive: true });
        }
      }
    } finally {
      await sim.close();
    }
  },
});
