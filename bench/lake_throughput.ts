/**
 * Lake write and read throughput for minute bars (deno task bench-lake; `--help` for options).
 * 100 symbols x rows/100 minutes on real sessions, written through writeDataset (partitioned by
 * New York date, deduplicated, journaled) and read back with readDataset and with DuckDB.
 */
import pl from "nodejs-polars";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { type DatasetSpec, datasetState, readDataset, writeDataset } from "../lib/lake/mod.ts";
import { benchBarSpec } from "./_specs.ts";
import { Catalog } from "../lib/query/mod.ts";
import { parquetScanSql } from "../lib/lake/mod.ts";
import { sha256Hex } from "../lib/core/fs.ts";
import { sessionBounds, tradingDays } from "../lib/time/mod.ts";

const TASK = defineTask({
  name: "bench-lake",
  summary: "Measure lake write, idempotent rewrite and read throughput for minute bars (rows/s).",
  options: {
    rows: {
      type: "integer",
      min: 100,
      default: 10_000_000,
      description: "Rows to write (100 symbols; rounded up to a multiple of 100)",
    },
    reads: {
      type: "integer",
      min: 1,
      default: 3,
      description: "Reads with verification on and off each (alternated; medians printed)",
    },
  },
  details:
    `Writes the rows into a temporary lake (removed afterwards) through writeDataset, writes them
again (a no-op that checks every row), reads them back with readDataset (Polars, sorted) with the
sha256 verification of every file on and off (alternated, medians side by side, with the cost in
percent) and scans them with DuckDB (count + avg) over the manifest's file list. 10 million rows need about 4 GB of memory.

Exit codes: 0 done, 1 a failure, 2 bad arguments.`,
  examples: ["--rows 1000000"],
});

/** CPU time of this process so far (all threads, user + system), seconds; NaN off Linux. */
function processCpuSeconds(): number {
  try {
    // Fields after the command name: utime is the 14th, stime the 15th field (clock ticks).
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** Run the benchmark on `total` rows. */
async function main(total: number, reads = 3): Promise<void> {
  const symbols = 100;
  const perSymbol = Math.ceil(total / symbols);

  const spec: DatasetSpec = benchBarSpec("minute_bars");

  // Minute timestamps on real sessions.
  const days = tradingDays("2023-01-03", "2026-12-31");
  const minutes = new Float64Array(perSymbol);
  let k = 0;
  for (const d of days) {
    const { open, close } = sessionBounds(d)!;
    for (let t = open.getTime(); t < close.getTime() && k < perSymbol; t += 60_000) {
      minutes[k++] = t;
    }
    if (k >= perSymbol) break;
  }
  if (k < perSymbol) {
    throw new UsageError(
      `--rows ${total}: at most ${k * symbols} rows (${k} minutes of sessions per symbol)`,
    );
  }
  const n = perSymbol * symbols;
  console.log(
    `Building ${n.toLocaleString()} minute bars (${symbols} symbols x ${perSymbol} minutes)...`,
  );
  const sym = new Array<string>(n);
  const ts = new Float64Array(n);
  const o = new Float64Array(n),
    h = new Float64Array(n),
    l = new Float64Array(n),
    c = new Float64Array(n),
    v = new Float64Array(n);
  let x = 1;
  for (let s = 0; s < symbols; s++) {
    let px = 100;
    const name = `S${String(s).padStart(3, "0")}`;
    for (let i = 0; i < perSymbol; i++) {
      const j = s * perSymbol + i;
      x = (x * 1103515245 + 12345) % 2147483648;
      const r = (x / 2147483648 - 0.5) * 0.002;
      const op = px;
      px = px * (1 + r);
      sym[j] = name;
      ts[j] = minutes[i]!;
      o[j] = op;
      c[j] = px;
      h[j] = Math.max(op, px) * 1.0005;
      l[j] = Math.min(op, px) * 0.9995;
      v[j] = 1000 + (x % 5000);
    }
  }
  const tsS = pl.Series("ts", ts).cast(pl.Int64);
  const df = pl.DataFrame([
    pl.Series("symbol", sym),
    tsS.cast(pl.Datetime("ms", "UTC")),
    pl.Series("open", o),
    pl.Series("high", h),
    pl.Series("low", l),
    pl.Series("close", c),
    pl.Series("volume", v),
    pl.Series("known_at", ts.map((t) => t + 60_000)).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  ]);
  const root = await Deno.makeTempDir({ prefix: "lake-bench-" });
  try {
    let t = performance.now();
    const w = await writeDataset(spec, df, { root, transformId: "bench", sourceUri: "bench://" });
    const wSec = (performance.now() - t) / 1000;
    console.log(
      `write: ${w.rowsWritten.toLocaleString()} rows in ${wSec.toFixed(2)} s = ${
        (w.rowsWritten / wSec / 1e6).toFixed(2)
      } M rows/s (${w.partitions.length} partitions)`,
    );

    t = performance.now();
    const again = await writeDataset(spec, df, {
      root,
      transformId: "bench",
      sourceUri: "bench://",
    });
    const aSec = (performance.now() - t) / 1000;
    console.log(
      `idempotent rewrite (no-op=${again.noop}): ${aSec.toFixed(2)} s = ${
        (n / aSec / 1e6).toFixed(2)
      } M rows/s checked`,
    );

    // Reads with sha256 verification on (the default) and off, alternated (off, on, off, on, ...)
    // so that load and page-cache state hit both alike; the medians are printed side by side.
    // CPU time (every thread: Polars' decoders and the hashing pool) varies less than wall time
    // on a busy machine; both are printed.
    const times: Record<"on" | "off", number[]> = { on: [], off: [] };
    const cpu: Record<"on" | "off", number[]> = { on: [], off: [] };
    let height = 0;
    for (let rep = 0; rep < reads; rep++) {
      for (const mode of (rep % 2 ? ["on", "off"] : ["off", "on"]) as ("on" | "off")[]) {
        const c0 = processCpuSeconds();
        const t0 = performance.now();
        const back = await readDataset(spec, { root, verify: mode === "on" });
        times[mode].push((performance.now() - t0) / 1000);
        cpu[mode].push(processCpuSeconds() - c0);
        height = back.height;
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    // The verification's work alone: read and hash every file once, one after the other.
    const hashWall: number[] = [], hashCpu: number[] = [];
    const paths = datasetState(spec, root).files.map((f) =>
      `${root}/curated/bench/minute_bars/${f.partition}/${f.file}`
    );
    for (let rep = 0; rep < reads; rep++) {
      const c0 = processCpuSeconds();
      const t0 = performance.now();
      for (const p of paths) await sha256Hex(await Deno.readFile(p));
      hashWall.push((performance.now() - t0) / 1000);
      hashCpu.push(processCpuSeconds() - c0);
    }
    const off = median(times.off), on = median(times.on);
    const cOff = median(cpu.off), cOn = median(cpu.on);
    const bytes = datasetState(spec, root).files.reduce((a, f) => a + (f.bytes ?? 0), 0);
    console.log(
      `read (Polars, sorted), median of ${reads}: ${height.toLocaleString()} rows, ${
        (bytes / 1e6).toFixed(1)
      } MB of Parquet\n` +
        `  verification off: ${off.toFixed(2)} s = ${
          (height / off / 1e6).toFixed(2)
        } M rows/s (CPU ${cOff.toFixed(2)} s)\n` +
        `  verification on : ${on.toFixed(2)} s = ${(height / on / 1e6).toFixed(2)} M rows/s (CPU ${
          cOn.toFixed(2)
        } s)\n` +
        `  sha256 of every file alone: ${median(hashWall).toFixed(2)} s (CPU ${
          median(hashCpu).toFixed(2)
        } s) = ${
          ((median(hashWall) / off) * 100).toFixed(1)
        }% of the unverified read's wall time\n` +
        `  cost of verification (sha256 of every file): wall ${
          ((on / off - 1) * 100).toFixed(1)
        }%, CPU ${((cOn / cOff - 1) * 100).toFixed(1)}%`,
    );

    const cat = await Catalog.open({ root, sqlDir: "/nonexistent" });
    try {
      t = performance.now();
      const r = await cat.query(
        `SELECT count(*)::BIGINT AS n, avg(close) AS c FROM ${parquetScanSql(spec, root)}`,
      );
      const dSec = (performance.now() - t) / 1000;
      console.log(
        `scan (DuckDB, count+avg): ${Number(r.rows[0]!.n).toLocaleString()} rows in ${
          dSec.toFixed(2)
        } s = ${(Number(r.rows[0]!.n) / dSec / 1e6).toFixed(1)} M rows/s`,
      );
    } finally {
      cat.close();
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) {
  await runTask(TASK, ({ values }) => main(values.rows, values.reads));
} else {
  await main(10_000_000);
}
