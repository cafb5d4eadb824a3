/**
 * The lake's per-file overhead on many small partitions (issue #21; `--help` for options): one
 * symbol's minute bars of `--partitions` sessions (390 rows each, one file per partition)
 * written through writeDataset in batches of `--batch` sessions (as an ingest of a simulated
 * market does), then read back three ways: the cached check of every committed file that writers
 * and views do (`localFiles` with `cached: true`), readDataset (which always hashes every file)
 * and readDataset again.
 *
 * Printed per phase: wall ms, CPU ms of the whole process (`process.cpuUsage`: Polars' threads
 * and the blocking pool included) and CPU ms of the JS main thread alone (the thread's
 * `/proc/thread-self/schedstat` run time, ns; NaN off Linux), which is the bottleneck of such a
 * run. Count system calls (e.g. readlink) by running it under
 * `strace -f -c -e trace=readlink,readlinkat`.
 */
import pl from "nodejs-polars";
import process from "node:process";
import { defineTask, runTask } from "../lib/cli/mod.ts";
import { type DatasetSpec, datasetState, readDataset, writeDataset } from "../lib/lake/mod.ts";
import { benchBarSpec } from "./_specs.ts";
import { localFiles } from "../lib/lake/store/files.ts";
import { sessionBounds, tradingDays } from "../lib/time/mod.ts";

const TASK = defineTask({
  name: "bench-lake-small-files",
  summary: "Measure the lake's per-file cost: many one-session partitions written and read back.",
  options: {
    partitions: {
      type: "integer",
      min: 1,
      max: 1000,
      default: 500,
      description: "Sessions to write (one partition and one file each, 390 rows)",
    },
    batch: {
      type: "integer",
      min: 1,
      default: 20,
      description: "Sessions per writeDataset call",
    },
  },
  details:
    `Writes into a temporary lake (removed afterwards). Prints wall, process CPU and main-thread CPU
milliseconds of the write, of a cached check of every committed file, and of two full reads.

Exit codes: 0 done, 1 a failure, 2 bad arguments.`,
  examples: ["--partitions 100 --batch 10"],
});

/** Run time of the calling thread so far, ms (its schedstat), NaN off Linux. */
function threadCpuMs(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** CPU of the whole process so far (user + system, every thread), ms. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const SPEC: DatasetSpec = benchBarSpec("small_files");

/** One frame of `days.length` full sessions of minute bars of one symbol (a seeded walk). */
function sessions(days: string[], seed: number): pl.DataFrame {
  const ts: number[] = [];
  for (const d of days) {
    const { open, close } = sessionBounds(d)!;
    for (let t = open.getTime(); t < close.getTime(); t += 60_000) ts.push(t);
  }
  const n = ts.length;
  const o = new Float64Array(n), h = new Float64Array(n), l = new Float64Array(n);
  const c = new Float64Array(n), v = new Float64Array(n);
  let x = seed, px = 100;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const op = px;
    px = px * (1 + (x / 2147483648 - 0.5) * 0.002);
    o[i] = op;
    c[i] = px;
    h[i] = Math.max(op, px) * 1.0005;
    l[i] = Math.min(op, px) * 0.9995;
    v[i] = 1000 + (x % 5000);
  }
  const tsS = pl.Series("ts", ts).cast(pl.Int64);
  return pl.DataFrame([
    pl.Series("symbol", new Array<string>(n).fill("SIM")),
    tsS.cast(pl.Datetime("ms", "UTC")),
    pl.Series("open", o),
    pl.Series("high", h),
    pl.Series("low", l),
    pl.Series("close", c),
    pl.Series("volume", v),
    pl.Series("known_at", ts.map((t) => t + 60_000)).cast(pl.Int64).cast(
      pl.Datetime("ms", "UTC"),
    ),
  ]);
}

/** Time one phase: wall, process CPU and main-thread CPU, ms. */
async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const w0 = performance.now(), c0 = processCpuMs(), m0 = threadCpuMs();
  const out = await fn();
  const wall = performance.now() - w0, cpu = processCpuMs() - c0, main = threadCpuMs() - m0;
  console.log(
    `${name.padEnd(34)} wall ${wall.toFixed(0).padStart(6)} ms  cpu ${
      cpu.toFixed(0).padStart(6)
    } ms  main-thread cpu ${main.toFixed(0).padStart(6)} ms`,
  );
  return out;
}

async function main(partitions: number, batch: number): Promise<void> {
  const days = tradingDays("2022-01-03", "2026-12-31").filter((d) =>
    sessionBounds(d)!.close.getTime() - sessionBounds(d)!.open.getTime() === 390 * 60_000
  ).slice(0, partitions);
  const frames: pl.DataFrame[] = [];
  for (let i = 0; i < days.length; i += batch) {
    frames.push(sessions(days.slice(i, i + batch), i + 1));
  }
  const root = await Deno.makeTempDir({ prefix: "lake-small-" });
  try {
    let files = 0;
    await phase(`write ${days.length} partitions (${frames.length} calls)`, async () => {
      for (const df of frames) {
        const r = await writeDataset(SPEC, df, {
          root,
          transformId: "bench",
          sourceUri: "bench://",
        });
        files += r.filesAdded.length;
      }
    });
    const state = datasetState(SPEC, root);
    const checked = await phase(
      "cached check of every file",
      () => localFiles(SPEC, state.files, { root, cached: true }),
    );
    let rows = 0;
    for (const name of ["readDataset (hashes every file)", "readDataset again"]) {
      rows = (await phase(name, () => readDataset(SPEC, { root }))).height;
    }
    console.log(
      `counts: ${files} files written, ${checked.length} checked, ${rows} rows read (${state.rows} committed)`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

if (import.meta.main) {
  await runTask(TASK, ({ values }) => main(values.partitions, values.batch));
}
