/**
 * BLS and BEA against the simulated market, the same checks as the other connectors
 * (sim_backfill_test.ts, kill_resume_test.ts): a backfill under faults lands exactly the clean
 * run's rows except those the server corrupted (quarantined with a reason), the client's retries
 * match the server's fault log, a process killed with SIGKILL and resumed ends with the lake of an
 * uninterrupted run, and the planted key is in no log line and no file.
 */
import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { setLogSink } from "../../lib/core/log.ts";
import { Rng } from "../../lib/core/random.ts";
import { readDataset } from "../../lib/lake/mod.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { pipelineFor } from "../../lib/ingest/registry.ts";
import { openSession } from "../../lib/ingest/session.ts";
import { startSimServer } from "../../lib/sources/sim/mod.ts";
import type { FaultSchedule } from "../../lib/sources/sim/mod.ts";
import { SIM_BLS_SERIES, simBlsMonthly } from "../../lib/sources/sim/macro_releases.ts";
import { assert, assertEquals } from "../_assert.ts";

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
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
  const session = await openSession({
    config: cfg,
    sim: { seed: 5, world: WORLD, ...(faults ? { faults } : {}) },
    http: { backoffBaseMs: 2, backoffMaxMs: 20, timeoutMs: 2500, maxRetries: 16 },
    simKey: KEY,
  });
  const summaries = [];
  try {
    for (const s of PLAN) {
      summaries.push(
        await runBackfill([{ pipeline: pipelineFor(s.source, s.dataset), ...s }], {
          clients: session.clients,
          root,
          workers: 3,
          quality: false,
        }),
      );
    }
  } finally {
    await session.close();
  }
  return { summaries, faultLog: session.sim!.faultLog, world: session.sim!.world };
}

function keyOf(df: pl.DataFrame, key: string[]): string[] {
  if (df.height === 0) return [];
  return df.select(...key.map((k) => pl.col(k).cast(pl.Utf8))).rows().map((r) => r.join("|"));
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
      const retries: Record<string, number> = {};
      for (const s of b.summaries) {
        for (const [k, v] of Object.entries(s.retriesByReason)) retries[k] = (retries[k] ?? 0) + v;
      }
      const served: Record<string, number> = {};
      for (const f of b.faultLog) served[f.kind] = (served[f.kind] ?? 0) + 1;
      for (const [kind, reason] of Object.entries(TRANSPORT)) {
        assertEquals(retries[reason] ?? 0, served[kind] ?? 0, `${kind} faults vs ${reason}`);
      }
      assertEquals((retries.body ?? 0) + (retries.network ?? 0), served.reset ?? 0, "resets");
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
      let missingTotal = 0;
      for (const s of PLAN) {
        const spec = pipelineFor(s.source, s.dataset).curatedSpec;
        const ca = await readDataset(spec, { root: clean, dropLineage: true });
        const cb = await readDataset(spec, { root: faulty, dropLineage: true });
        assert(ca.height > 0, `${s.source}/${s.dataset} has rows`);
        const ka = new Set(keyOf(ca, spec.naturalKey)), kb = keyOf(cb, spec.naturalKey);
        assertEquals(new Set(kb).size, kb.length, `${s.dataset}: keys unique`);
        for (const k of kb) assert(ka.has(k), `${s.dataset}: ${k} not served clean`);
        const joined = cb.join(ca, { on: spec.naturalKey, how: "inner", suffix: "_clean" });
        for (const c of cb.columns.filter((c) => !spec.naturalKey.includes(c))) {
          if (FETCH_TIME.has(c) && s.source === "bls") continue;
          const x = joined.getColumn(c).cast(pl.Utf8).toArray();
          const y = joined.getColumn(`${c}_clean`).cast(pl.Utf8).toArray();
          assertEquals(x.findIndex((v, i) => v !== y[i]), -1, `${s.dataset}.${c}`);
        }
        const missing = ka.size - kb.length;
        missingTotal += missing;
        const qd = await readDataset(quarantineSpec(s.source), { root: faulty });
        const nq = qd.height ? qd.filter(pl.col("dataset").eq(pl.lit(s.dataset))).height : 0;
        assert(missing <= nq, `${s.dataset}: ${missing} missing, ${nq} quarantined`);
        if (qd.height) {
          assert((qd.getColumn("reason").toArray() as string[]).every((r) => r.length > 3));
        }
      }
      assert(missingTotal > 0, "corrupted rows were quarantined, not landed");

      for (const l of lines) assert(!l.includes(KEY), `key in log: ${l.slice(0, 200)}`);
      for (const root of [clean, faulty]) {
        for (const f of walk(root)) {
          const text = new TextDecoder("latin1").decode(Deno.readFileSync(f));
          assert(!text.includes(KEY), `key leaked in ${f}`);
        }
      }
    } finally {
      setLogSink(prev);
      Deno.removeSync(clean, { recursive: true });
      Deno.removeSync(faulty, { recursive: true });
    }
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function child(root: string, baseUrl: string, source: string, resume: boolean) {
  const task = new URL("../../tasks/backfill.ts", import.meta.url).pathname;
  const step = PLAN.find((p) => p.source === source)!;
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      task,
      "--source",
      step.source,
      "--dataset",
      step.dataset,
      "--symbols",
      step.symbols.join(","),
      "--start",
      step.start,
      "--end",
      step.end,
      "--workers",
      "1",
      "--batch-units",
      "1",
      "--job-id",
      `kill-${source}`,
      "--no-quality",
      ...(resume ? ["--resume"] : []),
    ],
    env: {
      WORKBENCH_DATA: root,
      BLS_BASE_URL: `${baseUrl}/publicAPI/v2`,
      BLS_API_KEY: KEY,
      BEA_BASE_URL: `${baseUrl}/bea/api`,
      BEA_API_KEY: KEY,
      WORKBENCH_USE_SIM: "false",
      WORKBENCH_LOG_LEVEL: "warn",
      TZ: "UTC",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function snapshot(root: string, source: string) {
  const step = PLAN.find((p) => p.source === source)!;
  const p = pipelineFor(step.source, step.dataset);
  const out: Record<string, string> = {};
  for (const spec of [p.rawSpec, p.curatedSpec]) {
    const df = await readDataset(spec, { root, dropLineage: true });
    const keep = df.columns.filter((c) => !FETCH_TIME.has(c));
    const sorted = df.height ? df.select(...keep).sort(spec.naturalKey) : df;
    out[spec.zone] = JSON.stringify(
      sorted.height ? sorted.select(...keep.map((c) => pl.col(c).cast(pl.Utf8))).rows() : [],
    );
  }
  return out;
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
          const r = await child(ref, sim.baseUrl, source, false).output();
          assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
          const total = readCheckpoint(`kill-${source}`, ref).length;
          assertEquals(total, PLAN.find((p) => p.source === source)!.symbols.length);
          let kills = 0, midRun = 0;
          for (let k = 0; kills < 4 && k < 12; k++) {
            const proc = child(lake, sim.baseUrl, source, k > 0);
            const before = readCheckpoint(`kill-${source}`, lake).length;
            let exited = false;
            proc.status.then(() => (exited = true));
            const t = performance.now();
            while (
              !exited && readCheckpoint(`kill-${source}`, lake).length <= before &&
              performance.now() - t < 30_000
            ) await sleep(10);
            await sleep(rng.uniform() * 400);
            try {
              proc.kill("SIGKILL");
            } catch { /* already exited */ }
            const st = await proc.status;
            await proc.stdout.cancel().catch(() => {});
            await proc.stderr.cancel().catch(() => {});
            const done = readCheckpoint(`kill-${source}`, lake).filter((e) => e.status === "done")
              .length;
            if (st.signal === "SIGKILL") kills++;
            if (st.signal === "SIGKILL" && done > 0 && done < total) midRun++;
          }
          assert(kills >= 2, `${source}: only ${kills} kills`);
          assert(midRun >= 1, `${source}: no kill landed mid-run`);
          const fin = await child(lake, sim.baseUrl, source, true).output();
          assertEquals(fin.code, 0, new TextDecoder().decode(fin.stderr));
          const a = await snapshot(ref, source), b = await snapshot(lake, source);
          assert(a.curated!.length > 10, `${source}: reference has rows`);
          assert(a.raw === b.raw, `${source}: raw rows differ`);
          assert(a.curated === b.curated, `${source}: curated rows differ`);
          for (const f of walk(lake)) {
            const text = new TextDecoder("latin1").decode(Deno.readFileSync(f));
            assert(!text.includes(KEY), `key in ${f}`);
          }
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

function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}
