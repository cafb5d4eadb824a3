/**
 * Ingest throughput for Polygon second bars, end to end: HTTP response bytes over loopback ->
 * parsed typed columns -> raw Parquet -> curated Parquet (validated, PIT-stamped), through the
 * real backfill engine. The server replays pre-built pages (one session of 23,400 bars per page,
 * under the vendor's 50,000 cap) from a child process (`bench/ingest_bench.ts --serve`), as the
 * vendor's server would: it does not share the client's event loop, so it is not the bottleneck,
 * and the CPU figure printed is the client's alone (the server's is printed beside it).
 * `--in-process` serves from the bench process instead (the old setup: the server's work then
 * competes with the client's on one event loop and is counted in its CPU).
 *
 * Prices are rounded to cents (vw to 4 decimals) as Polygon sends them (e.g. 469.9, 470.12):
 * sums like 469.89 + 0.01 would otherwise print as 469.90000000000003, 17 digits that no vendor
 * sends and that take the scanner's slow path.
 *
 * Run: `deno task bench-ingest --help` for the options and size tunables, or
 * `deno bench -A bench/ingest_bench.ts` (the same lines, then the bench table).
 */
import process from "node:process";
import { defineTask, envInteger, runTask } from "../lib/cli/mod.ts";
import {
  INGEST_GLIBC_TUNABLES,
  ingestMallocActive,
  rerunWithIngestMalloc,
} from "../lib/core/malloc.ts";
import { Secret } from "../lib/core/secret.ts";
import { runBackfill } from "../lib/ingest/backfill.ts";
import { polygonBarPipeline } from "../lib/ingest/pipelines/polygon_bars.ts";
import { PolygonClient } from "../lib/sources/polygon.ts";
import { framesFromScan } from "../lib/sources/polygon.ts";
import { releaseScan, scanAggs } from "../lib/sources/_aggs_scan.ts";
import { sessionBounds, tradingDays } from "../lib/time/mod.ts";
import { spawnServer } from "./_child.ts";

const TASK = defineTask({
  name: "bench-ingest",
  summary: "Measure ingest throughput of Polygon second bars, loopback HTTP to curated Parquet.",
  options: {
    "in-process": {
      type: "boolean",
      description: "Serve the pages from the bench process (server CPU then counted in)",
    },
    "no-malloc-tunables": {
      type: "boolean",
      description: "Do not rerun with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (lib/core/malloc.ts)",
    },
    serve: { type: "boolean", description: "Internal: be the page server (child process)" },
  },
  details: `Prints rows/s per stage (parse, HTTP fetch + parse, end to end to curated Parquet), the
median CPU time of the JS thread per run, and the CPU time of the median end-to-end run (user +
system over all threads). The loopback server runs in a child process by default.

Size tunables (environment):
  INGEST_BENCH_RUNS         timed end-to-end runs after a warm-up (default 9)
  INGEST_BENCH_SESSIONS     sessions of 23,400 second bars (default 20, at most 61)
  INGEST_BENCH_BATCH_UNITS  sessions per lake write (default 4)
  INGEST_BENCH_VERBOSE=1    print each run (wall, JS thread CPU, page faults, server CPU)

Exit codes: 0 done, 1 a run failed or was incomplete, 2 bad arguments or tunables.`,
  examples: ["--in-process", "--no-malloc-tunables"],
});

const PAGE = 50_000;
/** Size settings, read from the environment by {@link init} (once the arguments are checked). */
let SESSIONS = 20;
let DAYS: string[] = [];
let BATCH_UNITS = 4;
let RUNS = 9;
const bodies = new Map<string, Uint8Array<ArrayBuffer>>();
const rowsPerDay = 23_400;
let totalRows = 0;

/** Read the size tunables and build the pages the server replays. */
function init(): void {
  SESSIONS = envInteger("INGEST_BENCH_SESSIONS", 20, 1);
  DAYS = tradingDays("2024-01-02", "2024-03-29").slice(0, SESSIONS);
  BATCH_UNITS = envInteger("INGEST_BENCH_BATCH_UNITS", 4, 1);
  RUNS = envInteger("INGEST_BENCH_RUNS", 9, 1);
  for (const d of DAYS) bodies.set(d, new TextEncoder().encode(pagesFor(d)[0]!));
  totalRows = rowsPerDay * DAYS.length;
}

/** JSON pages of second bars for a session (23,400 bars) as the vendor would send them. */
function pagesFor(date: string): string[] {
  const b = sessionBounds(date)!;
  const rows: string[] = [];
  // Prices in integer cents, printed as the vendor prints them (shortest form: 469.9, 470.12).
  let px = 47_000;
  const cents = (x: number) => String(x / 100);
  for (let t = b.open.getTime(); t < b.close.getTime(); t += 1000) {
    const o = px, c = Math.round(px + Math.sin(t / 7000) * 2);
    rows.push(
      `{"v":${100 + (t / 1000) % 50},"vw":${Number(((o + c) / 200).toFixed(4))},"o":${
        cents(o)
      },"c":${cents(c)},"h":${cents(Math.max(o, c) + 1)},"l":${
        cents(Math.min(o, c) - 1)
      },"t":${t},"n":${3 + (t / 1000) % 5}}`,
    );
    px = c;
  }
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += PAGE) {
    out.push(
      `{"ticker":"SPY","adjusted":true,"queryCount":${
        Math.min(PAGE, rows.length - i)
      },"resultsCount":${
        Math.min(PAGE, rows.length - i)
      },"status":"OK","request_id":"b","results":[${rows.slice(i, i + PAGE).join(",")}]}`,
    );
  }
  return out;
}

/** Serve the pages on loopback until `signal` aborts; resolves with the port once listening. */
function serveBodies(signal: AbortSignal): { port: number; finished: Promise<void> } {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal, onListen() {} },
    (req) => {
      const m = /\/range\/1\/second\/([\d-]+)\//.exec(new URL(req.url).pathname);
      const body = m ? bodies.get(m[1]!) : undefined;
      return body
        ? new Response(body, { headers: { "content-type": "application/json" } })
        : new Response("{}", { status: 404 });
    },
  );
  return { port: server.addr.port, finished: server.finished };
}

/** The loopback server: where it listens, the CPU it used so far (null: this process). */
interface Server {
  url: string;
  cpu(): number | null;
  close(): Promise<void>;
}

/** Start the server in a child process (default) or in this process (`--in-process`). */
async function startServer(inProcess: boolean): Promise<Server> {
  if (inProcess) {
    const ac = new AbortController();
    const s = serveBodies(ac.signal);
    return {
      url: `http://127.0.0.1:${s.port}`,
      cpu: () => null,
      close: async () => {
        ac.abort();
        await s.finished;
      },
    };
  }
  const c = await spawnServer<{ port: number }>(import.meta.url, {
    INGEST_BENCH_SESSIONS: String(SESSIONS),
  });
  return { url: `http://127.0.0.1:${c.info.port}`, cpu: c.cpu, close: c.close };
}

/** Run `fn` against a loopback server replaying the pages; the server is closed afterwards. */
async function withServer<T>(
  fn: (baseUrl: string, server: Server) => Promise<T>,
  inProcess = false,
): Promise<T> {
  const server = await startServer(inProcess);
  try {
    return await fn(server.url, server);
  } finally {
    await server.close();
  }
}

/**
 * CPU time of the JS thread so far, ms (Linux `/proc/thread-self/schedstat`; NaN elsewhere):
 * the JS thread is the ingest's critical path, and its CPU time varies less between runs than
 * the wall time on a shared machine.
 */
function jsThreadMs(): number {
  try {
    return Number(Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ")[0]) / 1e6;
  } catch {
    return NaN;
  }
}

/** Minor page faults of the JS thread so far (Linux; NaN elsewhere). */
function jsThreadFaults(): number {
  try {
    const st = Deno.readTextFileSync("/proc/thread-self/stat");
    return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[7]);
  } catch {
    return NaN;
  }
}

async function endToEnd(
  baseUrl: string,
): Promise<{ ms: number; cpuMs: number; jsMs: number; faults: number; rows: number }> {
  const root = Deno.makeTempDirSync({ prefix: "ingest-bench-" });
  try {
    const polygon = new PolygonClient({
      baseUrl,
      apiKey: new Secret("bench-key-000000"),
      httpOptions: { concurrency: 4 },
    });
    const j0 = jsThreadMs(), f0 = jsThreadFaults();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const s = await runBackfill(
      [{
        pipeline: polygonBarPipeline("stock", "second"),
        symbols: ["SPY"],
        start: DAYS[0]!,
        end: DAYS.at(-1)!,
      }],
      {
        clients: { polygon },
        root,
        workers: 4,
        quality: false,
        batchUnits: BATCH_UNITS,
        batchRows: 5_000_000,
      },
    );
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    const jsMs = jsThreadMs() - j0, faults = jsThreadFaults() - f0;
    if (s.units.failed > 0 || s.curatedRows !== totalRows) {
      throw new Error(`bench run incomplete: ${JSON.stringify(s.failures)} rows ${s.curatedRows}`);
    }
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, jsMs, faults, rows: s.curatedRows };
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

async function fetchParse(baseUrl: string): Promise<number> {
  const polygon = new PolygonClient({ baseUrl, apiKey: new Secret("bench-key-000000") });
  const t0 = performance.now();
  let rows = 0;
  await Promise.all(DAYS.map(async (d) => {
    for await (const p of polygon.aggs("SPY", 1, "second", d, d)) rows += p.frame.height;
  }));
  return totalRows / ((performance.now() - t0) / 1000) * (rows / totalRows);
}

function parseOnly(): number {
  const body = bodies.get(DAYS[0]!)!; // the client scans the response bytes as received
  const t0 = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) {
    const scan = scanAggs(body, true);
    framesFromScan(scan, "SPY", true);
    releaseScan(scan); // as the client does once the columns are in Polars
  }
  return (reps * rowsPerDay) / ((performance.now() - t0) / 1000);
}

/** Child process: serve the pages until stdin closes. */
async function serveUntilStdinCloses(): Promise<void> {
  const ac = new AbortController();
  const s = serveBodies(ac.signal);
  console.log(JSON.stringify({ port: s.port }));
  for await (const _ of Deno.stdin.readable) { /* wait for EOF */ }
  ac.abort();
  await s.finished;
}

/** Printed figures (median of RUNS end-to-end runs after a warm-up). */
async function report(inProcess: boolean): Promise<void> {
  await withServer(async (url, server) => {
    await endToEnd(url);
    const runs: {
      ms: number;
      cpuMs: number;
      jsMs: number;
      faults: number;
      rows: number;
      serverCpuMs: number | null;
    }[] = [];
    for (let k = 0; k < RUNS; k++) {
      const s0 = server.cpu();
      const r = await endToEnd(url);
      const s1 = server.cpu();
      runs.push({ ...r, serverCpuMs: s0 === null || s1 === null ? null : (s1 - s0) * 1000 });
    }
    if (Deno.env.get("INGEST_BENCH_VERBOSE")) {
      console.log(
        `  runs in order (wall ms/JS thread CPU ms/JS thread page faults/server CPU ms): ${
          runs.map((r) =>
            `${r.ms.toFixed(0)}/${r.jsMs.toFixed(0)}/${r.faults}/${r.serverCpuMs?.toFixed(0)}`
          ).join(" ")
        }`,
      );
    }
    runs.sort((a, b) => b.ms - a.ms);
    const rate = (r: { ms: number; rows: number }) => r.rows / (r.ms / 1000);
    const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M rows/s`;
    console.log(
      `ingest second bars (${totalRows} rows, ${DAYS.length} sessions, server ${
        inProcess ? "in process" : "in a child process"
      }):`,
    );
    console.log(`  parse JSON page -> typed columns : ${fmt(parseOnly())}`);
    console.log(`  HTTP fetch + parse (loopback)    : ${fmt(await fetchParse(url))}`);
    const mid = runs[RUNS >> 1]!;
    console.log(
      `  end to end to curated Parquet    : ${fmt(rate(mid))} (median of ${RUNS}; min ${
        fmt(rate(runs[0]!))
      }, max ${fmt(rate(runs.at(-1)!))})`,
    );
    const js = runs.map((r) => r.jsMs).sort((a, b) => a - b)[RUNS >> 1]!;
    console.log(`    JS thread CPU per run: ${js.toFixed(0)} ms (median)`);
    console.log(
      `    median run: wall ${mid.ms.toFixed(0)} ms, client CPU ${
        mid.cpuMs.toFixed(0)
      } ms (user+sys, ${(mid.cpuMs / mid.ms).toFixed(2)} cores busy)${
        mid.serverCpuMs === null ? "" : `, server CPU ${mid.serverCpuMs.toFixed(0)} ms`
      }`,
    );
  }, inProcess);
}

if (import.meta.main) {
  await runTask(TASK, async ({ values }) => {
    if (values.serve) {
      init();
      return await serveUntilStdinCloses();
    }
    const code = await rerunWithIngestMalloc(import.meta.url);
    if (code !== null) return code;
    init();
    console.log(
      `malloc: ${
        ingestMallocActive() ? `GLIBC_TUNABLES=${INGEST_GLIBC_TUNABLES}` : "glibc defaults"
      } (see lib/core/malloc.ts; --no-malloc-tunables runs with the defaults)`,
    );
    await report(values["in-process"]);
  });
} else {
  init();
  await report(false);
  Deno.bench("parse one 23,400-bar page (bytes as received -> typed frame)", () => {
    const scan = scanAggs(bodies.get(DAYS[0]!)!, true);
    framesFromScan(scan, "SPY", true);
    releaseScan(scan);
  });
  Deno.bench({
    name: `end to end ${totalRows} second bars to curated Parquet`,
    n: 3,
    warmup: 0,
    async fn(b) {
      await withServer(async (url) => {
        b.start();
        await endToEnd(url);
        b.end();
      });
    },
  });
}
