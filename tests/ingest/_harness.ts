/**
 * Shared pieces of the connectors' end-to-end tests against the simulated market:
 * - backfills in the process under a fault schedule and their reconciliation with the clean run
 *   (tests/ingest/sim_backfill_test.ts, macro_releases_sim_test.ts, dukascopy_backfill_test.ts);
 * - `tasks/backfill.ts` child processes killed with SIGKILL and resumed
 *   (kill_resume_test.ts, dukascopy_kill_resume_test.ts, macro_releases_sim_test.ts);
 * - the planted key searched in every log line and lake file; raw Polygon bars to write by hand.
 * The assertions stay in the tests; the helpers here assert only what every caller asserts.
 */
import pl from "nodejs-polars";
import { loadConfig } from "../../lib/config/config.ts";
import { runBackfill } from "../../lib/ingest/backfill.ts";
import type { BackfillSummary } from "../../lib/ingest/backfill.ts";
import { readCheckpoint } from "../../lib/ingest/checkpoint.ts";
import { quarantineSpec } from "../../lib/ingest/quarantine.ts";
import { openSession } from "../../lib/ingest/session.ts";
import type { Pipeline } from "../../lib/ingest/types.ts";
import { datasetState, readDataset } from "../../lib/lake/mod.ts";
import type { DatasetSpec } from "../../lib/lake/mod.ts";
import type { FaultSchedule, SimServer, SimServerOptions } from "../../lib/sources/sim/mod.ts";
import { assert, assertEquals } from "../_assert.ts";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every file below `dir`, depth first. */
export function* walk(dir: string): Generator<string> {
  for (const e of Deno.readDirSync(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory) yield* walk(p);
    else if (e.isFile) yield p;
  }
}

/** The planted key is in no log line and in no file below any of the roots. */
export function assertKeyAbsent(key: string, where: { roots?: string[]; lines?: string[] }) {
  for (const l of where.lines ?? []) {
    assert(!l.includes(key), `key leaked in log: ${l.slice(0, 200)}`);
  }
  for (const root of where.roots ?? []) {
    for (const f of walk(root)) {
      const text = new TextDecoder("latin1").decode(Deno.readFileSync(f));
      assert(!text.includes(key), `key leaked in ${f}`);
    }
  }
}

/** The rows' natural keys as `a|b|c` strings ([] for an empty frame). */
export function keyOf(df: pl.DataFrame, key: string[]): string[] {
  if (df.height === 0) return [];
  return df.select(...key.map((k) => pl.col(k).cast(pl.Utf8))).rows().map((r) => r.join("|"));
}

/** Raw Polygon minute bars of SPY: 09:30 and 09:31 New York on 2024-01-`day` (14:30Z, 14:31Z). */
export function rawSpyBars(day: number): pl.DataFrame {
  const t = [Date.UTC(2024, 0, day, 14, 30), Date.UTC(2024, 0, day, 14, 31)];
  return pl.DataFrame({
    ticker: ["SPY", "SPY"],
    t,
    o: [470, 471],
    h: [472, 472],
    l: [469, 470],
    c: [471, 471.5],
    v: [1000, 1200],
    vw: [470.5, 471.2],
    n: [10, 12],
  }).withColumns(
    pl.col("t").cast(pl.Int64).cast(pl.Datetime("ms", "UTC")).alias("ts"),
    pl.col("t").cast(pl.Int64),
    pl.col("n").cast(pl.Int64),
  );
}

// ---- Backfills in this process against the simulated market ----

/** One backfill of a plan; `symbols` may be resolved from the lake when the step starts. */
export interface SimStep {
  pipeline: Pipeline;
  symbols: string[] | ((root: string) => Promise<string[]>);
  start: string;
  end: string;
}

/** Options of {@link runSimPlan}. */
export interface SimPlanOptions {
  seed: number;
  world: SimServerOptions["world"];
  faults?: FaultSchedule | undefined;
  /** The key the clients send (it must reach no log and no file). */
  key: string;
  /** HTTP timeout of the clients. @default 2500 */
  timeoutMs?: number;
}

/**
 * Run the steps in order against a simulated market of their own (fast backoff, up to 16
 * retries: faults may hit ~40% of requests), three workers, no quality checks.
 */
export async function runSimPlan(
  root: string,
  steps: SimStep[],
  o: SimPlanOptions,
): Promise<{ summaries: BackfillSummary[]; sim: SimServer }> {
  const cfg = { ...loadConfig({ env: {}, envFile: null }), lakeRoot: root };
  const session = await openSession({
    config: cfg,
    sim: { seed: o.seed, world: o.world, ...(o.faults ? { faults: o.faults } : {}) },
    http: { backoffBaseMs: 2, backoffMaxMs: 20, timeoutMs: o.timeoutMs ?? 2500, maxRetries: 16 },
    simKey: o.key,
  });
  const summaries: BackfillSummary[] = [];
  try {
    for (const s of steps) {
      const symbols = typeof s.symbols === "function" ? await s.symbols(root) : s.symbols;
      summaries.push(
        await runBackfill([{ pipeline: s.pipeline, symbols, start: s.start, end: s.end }], {
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
  return { summaries, sim: session.sim! };
}

/** Retries of the summaries by reason, and faults of the server's log by kind. */
export function retryTally(summaries: BackfillSummary[], faultLog: { kind: string }[]) {
  const retries: Record<string, number> = {};
  for (const s of summaries) {
    for (const [k, v] of Object.entries(s.retriesByReason)) retries[k] = (retries[k] ?? 0) + v;
  }
  const served: Record<string, number> = {};
  for (const f of faultLog) served[f.kind] = (served[f.kind] ?? 0) + 1;
  return { retries, served };
}

/**
 * Retries reconcile with the faults served, kind by kind (`transport`: fault kind -> retry
 * reason), and every connection reset was retried as a `body` or `network` failure.
 */
export function assertRetriesMatch(
  retries: Record<string, number>,
  served: Record<string, number>,
  transport: Record<string, string>,
) {
  for (const [kind, reason] of Object.entries(transport)) {
    assertEquals(retries[reason] ?? 0, served[kind] ?? 0, `${kind} faults vs ${reason} retries`);
  }
  assertEquals((retries.body ?? 0) + (retries.network ?? 0), served.reset ?? 0, "reset faults");
}

/** Options of {@link assertFaultySubset}. */
export interface SubsetOptions {
  /** A dataset that may be empty in the clean run too. @default none */
  mayBeEmpty?: (p: Pipeline) => boolean;
  /** A column not compared (stamped at fetch time, say). @default none */
  ignoreColumn?: (p: Pipeline, column: string) => boolean;
  /** A column whose faulty-run value may be null where the clean one is not. @default none */
  mayBeNull?: (column: string) => boolean;
}

/**
 * Every curated dataset of the pipelines: the faulty run's rows are clean rows (unique keys,
 * equal values), and the rows it misses are no more than the quarantined rows of that dataset,
 * each with a reason. Returns the rows missed over all datasets.
 */
export async function assertFaultySubset(
  clean: string,
  faulty: string,
  pipelines: Pipeline[],
  o: SubsetOptions = {},
): Promise<number> {
  const quarantines = new Map<string, pl.DataFrame>();
  for (const p of pipelines) {
    if (quarantines.has(p.source)) continue;
    const q = await readDataset(quarantineSpec(p.source), { root: faulty });
    quarantines.set(p.source, q);
    if (q.height) {
      const reasons = q.getColumn("reason").toArray() as string[];
      assert(reasons.every((r) => r.length > 3), `every quarantined ${p.source} row has a reason`);
    }
  }
  let totalMissing = 0;
  for (const p of pipelines) {
    const spec = p.curatedSpec, ds = p.dataset;
    const ca = await readDataset(spec, { root: clean, dropLineage: true });
    const cb = await readDataset(spec, { root: faulty, dropLineage: true });
    assert(ca.height > 0 || (o.mayBeEmpty?.(p) ?? false), `${p.source}/${ds} has rows`);
    const ka = keyOf(ca, spec.naturalKey), kb = keyOf(cb, spec.naturalKey);
    assertEquals(new Set(kb).size, kb.length, `${ds}: keys unique`);
    const setA = new Set(ka);
    for (const k of kb) assert(setA.has(k), `${ds}: ${k} not served by the clean server`);
    if (cb.height > 0) {
      const joined = cb.join(ca, { on: spec.naturalKey, how: "inner", suffix: "_clean" });
      for (const c of cb.columns.filter((c) => !spec.naturalKey.includes(c))) {
        if (o.ignoreColumn?.(p, c)) continue;
        const x = joined.getColumn(c).cast(pl.Utf8).toArray();
        const y = joined.getColumn(`${c}_clean`).cast(pl.Utf8).toArray();
        const nullable = o.mayBeNull?.(c) ?? false;
        const diff = x.findIndex((v, i) => v !== y[i] && !(nullable && v === null));
        assertEquals(diff, -1, `${ds}.${c} differs at ${diff}`);
      }
    }
    const missing = ka.length - kb.length;
    totalMissing += missing;
    const q = quarantines.get(p.source)!;
    const nq = q.height ? q.filter(pl.col("dataset").eq(pl.lit(ds))).height : 0;
    assert(missing <= nq, `${ds}: ${missing} rows missing but only ${nq} quarantined`);
  }
  return totalMissing;
}

// ---- `tasks/backfill.ts` child processes, killed and resumed ----

/** Arguments of a one-dataset backfill task, one unit a batch, no quality checks. */
export function backfillArgs(o: {
  source: string;
  dataset: string;
  symbols: string[];
  start: string;
  end: string;
  workers: number;
  jobId: string;
}): string[] {
  return [
    "--source",
    o.source,
    "--dataset",
    o.dataset,
    "--symbols",
    o.symbols.join(","),
    "--start",
    o.start,
    "--end",
    o.end,
    "--workers",
    String(o.workers),
    "--batch-units",
    "1",
    "--job-id",
    o.jobId,
    "--no-quality",
  ];
}

/**
 * `tasks/backfill.ts` as a child process on the lake `root`, configured only through the
 * environment (`env` adds the vendor's base URL and key), as a user runs it.
 */
export function backfillChild(
  root: string,
  args: string[],
  env: Record<string, string>,
  resume: boolean,
): Deno.ChildProcess {
  const task = new URL("../../tasks/backfill.ts", import.meta.url).pathname;
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", task, ...args, ...(resume ? ["--resume"] : [])],
    env: { WORKBENCH_DATA: root, ...env, WORKBENCH_LOG_LEVEL: "warn", TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** The process exits with 0 (its stderr is the message otherwise). */
export async function assertExitsOk(proc: Deno.ChildProcess): Promise<void> {
  const r = await proc.output();
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
}

/**
 * The reference run of a kill test: a full run, then a resumed run with nothing left to do
 * (the start-up cost). Returns the job's units and the times in ms (`workMs` at least 200).
 */
export async function timeReference(
  spawn: (resume: boolean) => Deno.ChildProcess,
  ref: string,
  jobId: string,
) {
  const t0 = performance.now();
  const r = await spawn(false).output();
  const full = performance.now() - t0;
  assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
  const total = readCheckpoint(jobId, ref).length;
  const t1 = performance.now();
  assertEquals((await spawn(true).output()).code, 0);
  const startupMs = performance.now() - t1;
  return { total, startupMs, workMs: Math.max(200, full - startupMs) };
}

/** Options of {@link killLoop}. */
export interface KillLoopOptions {
  /** Start the backfill on the test lake (resumed from the second start on). */
  spawn: (resume: boolean) => Deno.ChildProcess;
  lake: string;
  jobId: string;
  /** Units of the job. */
  total: number;
  /** SIGKILLs wanted. */
  kills: number;
  /** Starts at the most. */
  maxStarts: number;
  /** Whether start `k` first waits for one more unit in the checkpoint (or the exit). */
  waitForUnit: (k: number) => boolean;
  /** Longest such wait, ms. */
  waitTimeoutMs: number;
  /** Delay before the SIGKILL of start `k`, after that wait (called once a start). */
  delayMs: (k: number) => number;
  /** Stop once every unit is done. @default false */
  stopWhenDone?: boolean;
}

/**
 * Start, wait, SIGKILL, again, until `kills` processes died by the signal or `maxStarts`
 * starts. Returns the kills and those that landed mid-run (some but not all units done).
 */
export async function killLoop(o: KillLoopOptions): Promise<{ kills: number; midRun: number }> {
  let kills = 0, midRun = 0;
  for (let k = 0; kills < o.kills && k < o.maxStarts; k++) {
    const proc = o.spawn(k > 0);
    const before = readCheckpoint(o.jobId, o.lake).length;
    let exited = false;
    proc.status.then(() => (exited = true));
    if (o.waitForUnit(k)) {
      const t = performance.now();
      while (
        !exited && readCheckpoint(o.jobId, o.lake).length <= before &&
        performance.now() - t < o.waitTimeoutMs
      ) {
        await sleep(10);
      }
    }
    await sleep(o.delayMs(k));
    try {
      proc.kill("SIGKILL");
    } catch { /* already exited */ }
    const st = await proc.status;
    await proc.stdout.cancel().catch(() => {});
    await proc.stderr.cancel().catch(() => {});
    const done = readCheckpoint(o.jobId, o.lake).filter((e) => e.status === "done").length;
    if (st.signal === "SIGKILL") kills++;
    if (st.signal === "SIGKILL" && done > 0 && done < o.total) midRun++;
    if (o.stopWhenDone && done >= o.total) break;
  }
  return { kills, midRun };
}

/**
 * Raw and curated datasets of the pipelines, keyed `zone/dataset`: manifest row count and every
 * row (lineage and `omit` columns aside) sorted by the natural key, as one string.
 */
export async function lakeSnapshot(
  root: string,
  pipelines: Pipeline[],
  omit: Set<string> = new Set(),
): Promise<Record<string, { rows: number; data: string }>> {
  const out: Record<string, { rows: number; data: string }> = {};
  for (const p of pipelines) {
    for (const spec of [p.rawSpec, p.curatedSpec] as DatasetSpec[]) {
      const df = await readDataset(spec, { root, dropLineage: true });
      const keep = df.columns.filter((c) => !omit.has(c));
      const sorted = df.height ? df.select(...keep).sort(spec.naturalKey) : df;
      out[`${spec.zone}/${spec.dataset}`] = {
        rows: datasetState(spec, root).rows,
        data: sorted.height
          ? JSON.stringify(sorted.select(...keep.map((c) => pl.col(c).cast(pl.Utf8))).rows())
          : "",
      };
    }
  }
  return out;
}

/** Two snapshots hold the same datasets, manifest row counts and rows. */
export function assertSameLake(
  a: Record<string, { rows: number; data: string }>,
  b: Record<string, { rows: number; data: string }>,
) {
  for (const k of Object.keys(a)) {
    assertEquals(b[k]!.rows, a[k]!.rows, `${k} manifest rows`);
    assert(b[k]!.data === a[k]!.data, `${k} rows differ`);
  }
}
