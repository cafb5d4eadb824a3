/**
 * Ingest throughput for Polygon second bars, end to end: HTTP response bytes over loopback ->
 * parsed typed columns -> raw Parquet -> curated Parquet (validated, PIT-stamped), through the
 * real backfill engine. The server replays pre-built pages (50,000 bars each, the vendor's page
 * cap), so it is not the bottleneck.
 *
 * Run: `deno bench -A bench/ingest_bench.ts` (prints rows/s per stage before the bench table,
 * with the process CPU time of each end-to-end run: user + system over all threads).
 * `INGEST_BENCH_SESSIONS` (default 20 sessions of 23,400 bars) and `INGEST_BENCH_BATCH_UNITS`
 * (sessions per lake write, default 4: smaller batches let the fetch and parse of the next
 * sessions overlap the Parquet writes of the last ones, which run in Polars threads) change the
 * size.
 */
import process from "node:process";
import { Secret } from "../lib/core/secret.ts";
import { runBackfill } from "../lib/ingest/backfill.ts";
import { polygonBarPipeline } from "../lib/ingest/pipelines/polygon_bars.ts";
import { PolygonClient } from "../lib/sources/polygon.ts";
import { framesFromScan } from "../lib/sources/polygon.ts";
import { scanAggs } from "../lib/sources/_aggs_scan.ts";
import { sessionBounds, tradingDays } from "../lib/time/mod.ts";

const PAGE = 50_000;
const SESSIONS = Number(Deno.env.get("INGEST_BENCH_SESSIONS") ?? 20);
const DAYS = tradingDays("2024-01-02", "2024-03-29").slice(0, SESSIONS);
const BATCH_UNITS = Number(Deno.env.get("INGEST_BENCH_BATCH_UNITS") ?? 4);

/** JSON pages of second bars for a session (23,400 bars) as the vendor would send them. */
function pagesFor(date: string): string[] {
  const b = sessionBounds(date)!;
  const rows: string[] = [];
  let px = 470;
  for (let t = b.open.getTime(); t < b.close.getTime(); t += 1000) {
    const o = px, c = Math.round((px + Math.sin(t / 7000) * 0.02) * 100) / 100;
    rows.push(
      `{"v":${100 + (t / 1000) % 50},"vw":${((o + c) / 2).toFixed(4)},"o":${o},"c":${c},"h":${
        Math.max(o, c) + 0.01
      },"l":${Math.min(o, c) - 0.01},"t":${t},"n":${3 + (t / 1000) % 5}}`,
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

const bodies = new Map<string, Uint8Array<ArrayBuffer>>();
for (const d of DAYS) bodies.set(d, new TextEncoder().encode(pagesFor(d)[0]!));
const rowsPerDay = 23_400;
const totalRows = rowsPerDay * DAYS.length;

/** Run `fn` against a loopback server replaying the pages; the server is closed afterwards. */
async function withServer<T>(fn: (baseUrl: string) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", signal: ac.signal, onListen() {} },
    (req) => {
      const m = /\/range\/1\/second\/([\d-]+)\//.exec(new URL(req.url).pathname);
      const body = m ? bodies.get(m[1]!) : undefined;
      return body
        ? new Response(body, { headers: { "content-type": "application/json" } })
        : new Response("{}", { status: 404 });
    },
  );
  try {
    return await fn(`http://127.0.0.1:${server.addr.port}`);
  } finally {
    ac.abort();
    await server.finished;
  }
}

async function endToEnd(baseUrl: string): Promise<{ ms: number; cpuMs: number; rows: number }> {
  const root = Deno.makeTempDirSync({ prefix: "ingest-bench-" });
  try {
    const polygon = new PolygonClient({
      baseUrl,
      apiKey: new Secret("bench-key-000000"),
      httpOptions: { concurrency: 4 },
    });
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
    if (s.units.failed > 0 || s.curatedRows !== totalRows) {
      throw new Error(`bench run incomplete: ${JSON.stringify(s.failures)} rows ${s.curatedRows}`);
    }
    return { ms, cpuMs: (cpu.user + cpu.system) / 1000, rows: s.curatedRows };
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
  const text = new TextDecoder().decode(bodies.get(DAYS[0]!)!);
  const t0 = performance.now();
  const reps = 5;
  for (let i = 0; i < reps; i++) framesFromScan(scanAggs(text, true), "SPY", true);
  return (reps * rowsPerDay) / ((performance.now() - t0) / 1000);
}

// Printed figures (median of 3 end-to-end runs after a warm-up).
await withServer(async (url) => {
  await endToEnd(url);
  const runs = [await endToEnd(url), await endToEnd(url), await endToEnd(url)]
    .sort((a, b) => b.ms - a.ms);
  const rate = (r: { ms: number; rows: number }) => r.rows / (r.ms / 1000);
  const fmt = (x: number) => `${(x / 1e6).toFixed(2)} M rows/s`;
  console.log(`ingest second bars (${totalRows} rows, ${DAYS.length} sessions):`);
  console.log(`  parse JSON page -> typed columns : ${fmt(parseOnly())}`);
  console.log(`  HTTP fetch + parse (loopback)    : ${fmt(await fetchParse(url))}`);
  const mid = runs[1]!;
  console.log(
    `  end to end to curated Parquet    : ${fmt(rate(mid))} (median of 3; min ${
      fmt(rate(runs[0]!))
    }, max ${fmt(rate(runs[2]!))})`,
  );
  console.log(
    `    median run: wall ${mid.ms.toFixed(0)} ms, CPU ${mid.cpuMs.toFixed(0)} ms (user+sys, ${
      (mid.cpuMs / mid.ms).toFixed(2)
    } cores busy)`,
  );
});

Deno.bench("parse one 23,400-bar page", () => {
  const text = new TextDecoder().decode(bodies.get(DAYS[0]!)!);
  framesFromScan(scanAggs(text, true), "SPY", true);
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
