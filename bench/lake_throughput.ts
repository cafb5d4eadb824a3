/**
 * Lake write and read throughput for minute bars (deno task bench-lake; `--help` for options).
 * 100 symbols x rows/100 minutes on real sessions, written through writeDataset (partitioned by
 * New York date, deduplicated, journaled) and read back with readDataset and with DuckDB.
 */
import pl from "nodejs-polars";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { type DatasetSpec, readDataset, writeDataset } from "../lib/lake/mod.ts";
import { Catalog } from "../lib/query/mod.ts";
import { parquetScanSql } from "../lib/lake/mod.ts";
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
  },
  details:
    `Writes the rows into a temporary lake (removed afterwards) through writeDataset, writes them
again (a no-op that checks every row), reads them back with readDataset (Polars, sorted) and scans
them with DuckDB (count + avg). 10 million rows need about 4 GB of memory.

Exit codes: 0 done, 1 a failure, 2 bad arguments.`,
  examples: ["--rows 1000000"],
});

/** Run the benchmark on `total` rows. */
async function main(total: number): Promise<void> {
  const symbols = 100;
  const perSymbol = Math.ceil(total / symbols);

  const spec: DatasetSpec = {
    zone: "curated",
    source: "bench",
    dataset: "minute_bars",
    partitioning: "date",
    timeColumn: "ts",
    naturalKey: ["symbol", "ts"],
    schema: {
      symbol: "str",
      ts: "ts_ms",
      open: "f64",
      high: "f64",
      low: "f64",
      close: "f64",
      volume: "f64",
      known_at: "ts_ms",
    },
  };

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

    t = performance.now();
    const back = await readDataset(spec, { root });
    const rSec = (performance.now() - t) / 1000;
    console.log(
      `read (Polars, sorted): ${back.height.toLocaleString()} rows in ${rSec.toFixed(2)} s = ${
        (back.height / rSec / 1e6).toFixed(2)
      } M rows/s`,
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
  await runTask(TASK, ({ values }) => main(values.rows));
} else {
  await main(10_000_000);
}
