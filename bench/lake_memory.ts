/**
 * Peak memory of reading 2 columns of one month from a lake many times larger than that month
 * (deno task bench-lake-memory; `--help` for options). Issue #20's must-hold: peak memory
 * proportional to what is read, not to the lake.
 *
 * Builds a lake of `--months` months of minute bars for `--symbols` symbols (real NYSE sessions,
 * 390 bars a session, 10 columns + lineage, partitioned by New York date), then runs each read in
 * a fresh child process and reports the child's peak resident memory (VmHWM of
 * /proc/self/status) above a baseline child that does everything but the read:
 * - `scan-day`: the same read for the month's first session only: the engine's fixed cost (Polars'
 *   thread pool and reader buffers, about 35 MB here) that any read pays;
 * - `scan`: `readDataset(spec, { start, end, columns: ["ts", "close"] })`, the lazy scan with
 *   partition, projection and predicate pushdown (lib/lake/scan.ts);
 * - `batches`: `readDatasetBatches` of the same read, one session per batch, reduced as it goes;
 * - `eager`: the algorithm `readDataset` used before scans (kept here as the peer): every column
 *   of every file of the month's partitions read with `readParquet`, concatenated, then filtered,
 *   sorted and projected.
 */
import pl from "nodejs-polars";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  checkFile,
  committedState,
  type DatasetSpec,
  datasetState,
  readDataset,
  readDatasetBatches,
  selectFiles,
  writeDataset,
} from "../lib/lake/mod.ts";
import { alignTypes } from "../lib/lake/_types.ts";
import { benchBarSpec } from "./_specs.ts";
import { sessionBounds, tradingDays } from "../lib/time/mod.ts";

/** The bench's dataset: minute bars with ten columns. */
export const MEMORY_SPEC: DatasetSpec = benchBarSpec("memory_bars", { vwap: "f64", trades: "i64" });

/** First month of the bench lake. */
const FIRST_MONTH = "2023-01";

/** [first, last] calendar dates of month `i` after {@link FIRST_MONTH}. */
export function monthRange(i: number): { start: string; end: string; next: string } {
  const [y, m] = FIRST_MONTH.split("-").map(Number) as [number, number];
  const a = new Date(Date.UTC(y, m - 1 + i, 1));
  const b = new Date(Date.UTC(y, m + i, 1));
  return {
    start: a.toISOString().slice(0, 10),
    end: new Date(b.getTime() - 86_400_000).toISOString().slice(0, 10),
    next: b.toISOString().slice(0, 10),
  };
}

/** Minute bars of one month for `symbols` symbols (seeded random walk), sorted by symbol, ts. */
export function monthBars(i: number, symbols: number, seed = 1): pl.DataFrame {
  const { start, end } = monthRange(i);
  const days = tradingDays(start, end);
  const n = days.length * 390 * symbols;
  const sym = new Array<string>(n);
  const ts = new Float64Array(n);
  const cols = {
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    vwap: new Float64Array(n),
  };
  const trades = new BigInt64Array(n);
  let s = (seed * 2_654_435_761 + i * 97) >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 4_294_967_296;
  };
  let k = 0;
  for (let q = 0; q < symbols; q++) {
    const name = `S${String(q).padStart(3, "0")}`;
    let px = 50 + q;
    for (const d of days) {
      const open = sessionBounds(d)!.open.getTime();
      for (let j = 0; j < 390; j++, k++) {
        const o = px;
        px = Math.max(1, px * (1 + (rnd() - 0.5) * 0.002));
        sym[k] = name;
        ts[k] = open + j * 60_000;
        cols.open[k] = o;
        cols.close[k] = px;
        cols.high[k] = Math.max(o, px) * (1 + rnd() * 0.0005);
        cols.low[k] = Math.min(o, px) * (1 - rnd() * 0.0005);
        cols.volume[k] = Math.floor(rnd() * 10_000);
        cols.vwap[k] = (o + px) / 2;
        trades[k] = BigInt(Math.floor(rnd() * 100));
      }
    }
  }
  const time = (name: string, v: Float64Array) =>
    pl.Series(name, v).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  return pl.DataFrame([
    pl.Series("symbol", sym, pl.Utf8),
    time("ts", ts),
    ...Object.entries(cols).map(([c, v]) => pl.Series(c, v)),
    pl.Series("trades", trades as unknown as number[]), // a BigInt64Array gives Int64
    time("known_at", ts.map((t) => t + 60_000)),
  ]);
}

/**
 * Bytes a frame holds in memory (an estimate: 8 bytes a value of a 64-bit column, 4 of a 32-bit
 * one; a string column its UTF-8 lengths plus a 16-byte view a row, as Polars' string views).
 */
export function frameBytes(df: pl.DataFrame): number {
  let b = 0;
  for (const c of df.getColumns()) {
    const v = c.dtype.variant;
    if (v === "String" || v === "Utf8") b += (c.str.lengths().sum() as number) + 16 * c.length;
    else if (v === "Int32" || v === "Float32" || v === "Date") b += 4 * c.length;
    else if (v === "Bool") b += c.length / 8;
    else b += 8 * c.length;
  }
  return b;
}

/** Months already in a bench lake (from its manifest's time range), 0 when none. */
export function lakeMonths(root: string): number {
  const st = datasetState(MEMORY_SPEC, root);
  if (!st.max_time) return 0;
  const [y, m] = FIRST_MONTH.split("-").map(Number) as [number, number];
  const d = new Date(st.max_time);
  return (d.getUTCFullYear() - y) * 12 + d.getUTCMonth() - (m - 1) + 1;
}

/**
 * Write months [from, to) of the bench lake into `root`; returns the in-memory bytes of the
 * frames written ({@link frameBytes}, lineage columns excluded).
 */
export async function buildLake(
  root: string,
  from: number,
  to: number,
  symbols: number,
  progress?: (month: number, rows: number) => void,
): Promise<number> {
  let bytes = 0;
  for (let i = from; i < to; i++) {
    const df = monthBars(i, symbols);
    bytes += frameBytes(df);
    await writeDataset(MEMORY_SPEC, df, {
      root,
      transformId: "bench@lake_memory",
      sourceUri: "bench://lake_memory",
      ingestedAt: new Date(0),
    });
    progress?.(i, df.height);
  }
  return bytes;
}

/** What a child measured. */
export interface ChildResult {
  mode: "baseline" | "scan-day" | "scan" | "batches" | "eager";
  /** Peak resident set of the child (VmHWM), bytes. */
  peakBytes: number;
  rows: number;
  /** Estimated bytes ({@link frameBytes}) of the result frame's bytes (batches: the largest batch). */
  resultBytes: number;
  /** Eager only: estimated bytes of the month with every column (what the old path held). */
  allColumnsBytes?: number;
  ms: number;
}

function vmHwm(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"));
  if (!m) throw new Error("no VmHWM in /proc/self/status (Linux only)");
  return Number(m[1]) * 1024;
}

/**
 * The read `readDataset` did before lazy scans (the peer): each committed file of the selected
 * partitions checked, then read whole (every column) with `readParquet`, aligned, concatenated,
 * and only then filtered by time, sorted and projected.
 */
async function eagerRead(
  spec: DatasetSpec,
  o: { root: string; start: Date; end: Date; columns: string[] },
): Promise<{ df: pl.DataFrame; allColumnsBytes: number }> {
  const state = await committedState(spec, o.root);
  const frames: pl.DataFrame[] = [];
  for (const f of selectFiles(spec, state, o)) {
    const path = await checkFile(spec, f, o.root, true);
    frames.push(alignTypes(pl.readParquet(path), state.schema));
  }
  let df = frames.length === 1 ? frames[0]! : pl.concat(frames, { how: "diagonal" });
  frames.length = 0;
  const allColumnsBytes = frameBytes(df);
  const ms = (d: Date) => pl.lit(d.getTime()).cast(pl.Int64).cast(pl.Datetime("ms", "UTC"));
  df = df.filter(pl.col("ts").gtEq(ms(o.start))).filter(pl.col("ts").lt(ms(o.end)));
  df = df.sort(["ts", "symbol"]).select(...o.columns);
  return { df, allColumnsBytes };
}

/** Child side: run one read and print its result as JSON. */
async function child(mode: ChildResult["mode"], root: string, month: number): Promise<void> {
  const r = monthRange(month);
  const o = {
    root,
    start: new Date(`${r.start}T00:00:00Z`),
    end: new Date(`${r.next}T00:00:00Z`),
    columns: ["ts", "close"],
  };
  const t0 = performance.now();
  let rows = 0, resultBytes = 0, allColumnsBytes: number | undefined;
  if (mode === "baseline") {
    // everything but the read: modules, the manifest, file selection, and Polars' Parquet
    // reader started (its thread pool) on one row of one column of the month's first file
    const st = await committedState(MEMORY_SPEC, root);
    const first = selectFiles(MEMORY_SPEC, st, o)[0];
    if (first) {
      const path = await checkFile(MEMORY_SPEC, first, root, false);
      await pl.scanParquet(path).select("ts").head(1).collect();
    }
  } else if (mode === "scan" || mode === "scan-day") {
    const day = tradingDays(r.start, r.end)[0]!;
    const df = await readDataset(
      MEMORY_SPEC,
      mode === "scan" ? o : { ...o, end: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000) },
    );
    rows = df.height;
    resultBytes = frameBytes(df);
  } else if (mode === "batches") {
    let sum = 0;
    for await (const b of readDatasetBatches(MEMORY_SPEC, { ...o, batchRows: 1 })) {
      rows += b.height;
      resultBytes = Math.max(resultBytes, frameBytes(b));
      sum += b.getColumn("close").sum() as number;
    }
    if (!Number.isFinite(sum)) throw new Error("bad sum");
  } else {
    const e = await eagerRead(MEMORY_SPEC, o);
    rows = e.df.height;
    resultBytes = frameBytes(e.df);
    allColumnsBytes = e.allColumnsBytes;
  }
  const out: ChildResult = {
    mode,
    peakBytes: vmHwm(),
    rows,
    resultBytes,
    ...(allColumnsBytes !== undefined ? { allColumnsBytes } : {}),
    ms: performance.now() - t0,
  };
  console.log(JSON.stringify(out));
}

/** Run one read of month `month` of the lake at `root` in a fresh child process. */
export async function measureRead(
  mode: ChildResult["mode"],
  root: string,
  month: number,
): Promise<ChildResult> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(import.meta.url).pathname],
    env: { LAKE_MEMORY_CHILD: JSON.stringify({ mode, root, month }), TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    throw new Error(
      `the ${mode} child failed: ${new TextDecoder().decode(out.stderr).trim().split("\n")[0]}`,
    );
  }
  return JSON.parse(text.split("\n").at(-1)!) as ChildResult;
}

const TASK = defineTask({
  name: "bench-lake-memory",
  summary:
    "Peak memory of reading 2 columns of one month from a lake many months long: lazy scan vs the old eager read.",
  options: {
    months: { type: "integer", min: 2, default: 20, description: "Months in the lake" },
    symbols: { type: "integer", min: 1, default: 40, description: "Symbols (390 bars a session)" },
    month: {
      type: "integer",
      min: 0,
      description: "Month read, 0-based from 2023-01 (default: the middle one)",
    },
    lake: {
      type: "path",
      description:
        "Lake folder to build into and keep (reused when it holds the months already); default a temporary one, removed",
    },
  },
  details: `Each read runs in a fresh child process; peak = the child's VmHWM (peak resident set).
The baseline child loads the same modules, Polars and the manifest but reads nothing; "above
baseline" is what the read itself cost. The default lake (20 months x 40 symbols, 6.6 million
rows, about 0.9 GB as frames) takes a few minutes to write and about 300 MB of disk.

Exit codes: 0 done, 1 a failure, 2 bad arguments.`,
  examples: ["", "--months 5 --symbols 10", "--lake /tmp/memlake --months 20"],
});

const mb = (b: number) => `${(b / 1_048_576).toFixed(1)} MB`;

async function main(o: { months: number; symbols: number; month?: number; lake?: string }) {
  const month = o.month ?? Math.floor(o.months / 2);
  if (month >= o.months) {
    throw new UsageError(`--month ${month} is outside the lake's ${o.months} months`);
  }
  const root = o.lake ?? await Deno.makeTempDir({ prefix: "bench-lake-memory-" });
  try {
    const have = lakeMonths(root);
    if (have > o.months) {
      throw new UsageError(`--lake ${root} holds ${have} months, more than --months ${o.months}`);
    }
    if (have < o.months) {
      const t0 = performance.now();
      await buildLake(root, have, o.months, o.symbols, (i, n) => {
        if (i % 5 === 4 || i === o.months - 1) {
          console.log(`  wrote month ${i + 1}/${o.months} (${n} rows)`);
        }
      });
      console.log(
        `built ${o.months - have} months in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const st = datasetState(MEMORY_SPEC, root);
    const diskBytes = st.files.reduce((a, f) => a + (f.bytes ?? 0), 0);
    const r = monthRange(month);
    console.log(
      `lake: ${st.rows} rows in ${st.files.length} files, ${
        mb(diskBytes)
      } of Parquet; reading ts, close of ${r.start}..${r.end}`,
    );
    const base = await measureRead("baseline", root, month);
    const res: ChildResult[] = [];
    for (const m of ["scan-day", "scan", "batches", "eager"] as const) {
      res.push(await measureRead(m, root, month));
    }
    const eager = res.find((x) => x.mode === "eager")!;
    const monthAll = eager.allColumnsBytes ?? 0;
    const lakeMem = monthAll * (st.rows / Math.max(1, eager.rows));
    console.log(
      `month: ${eager.rows} rows, ${mb(monthAll)} with every column, ${
        mb(eager.resultBytes)
      } for ts+close; lake about ${mb(lakeMem)} as frames (${
        (st.rows / Math.max(1, eager.rows)).toFixed(1)
      }x the month)`,
    );
    console.log(`baseline (no read)  peak ${mb(base.peakBytes)}`);
    for (const x of res) {
      console.log(
        `${x.mode.padEnd(8)} peak ${mb(x.peakBytes).padStart(9)}  above baseline ${
          mb(x.peakBytes - base.peakBytes).padStart(9)
        }  ${x.rows} rows, result ${mb(x.resultBytes)}, ${x.ms.toFixed(0)} ms`,
      );
    }
  } finally {
    if (!o.lake) await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) {
  const c = Deno.env.get("LAKE_MEMORY_CHILD");
  if (c) {
    const a = JSON.parse(c) as { mode: ChildResult["mode"]; root: string; month: number };
    await child(a.mode, a.root, a.month);
  } else {
    await runTask(TASK, async ({ values }) => {
      await main({
        months: values.months,
        symbols: values.symbols,
        ...(values.month !== undefined ? { month: values.month } : {}),
        ...(values.lake !== undefined ? { lake: values.lake } : {}),
      });
    });
  }
}
