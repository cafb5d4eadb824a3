/**
 * Polygon aggregate pages end to end on the JS thread, old code against new in the same run
 * (issue 21: the demo's main thread is the bottleneck; ~700 aggregate pages, ~25 MB of JSON).
 *
 * Run: `TZ=UTC deno run -A --frozen bench/polygon_aggs_roundtrip.ts [--rounds N] [--pages N]`
 * (defaults: 3 rounds, 500 minute pages).
 *
 * The page mix is the demo's: `--pages` one-session pages of 390 minute bars and 2 pages of 23,400
 * second bars (deterministic synthetic bars: cent prices, 4-decimal vwap; one page in ten
 * split-adjusted by 1/3, whose prices print as 17-digit decimals). Each side runs old then new,
 * interleaved for N rounds:
 * - server: the wire rows of every bar and the page's JSON text, as the simulator sends it
 *   (minute pages whole with toJson; second pages, above the server's 2,000-row streaming cut,
 *   through streamJson, drained). Old: a frozen copy of the previous row building (properties added
 *   one by one) and of the previous streamJson (one toJson per row). New: lib/sources/sim.
 * - client: scanAggs on the page's bytes (unchanged), then the frame, then the raw `ts` column of
 *   the polygon bar pipeline. Old: a frozen copy of the previous lazy plan per page, collected
 *   in Polars' threads, and `withColumns(cast)`. New: framesFromScan and withTs.
 * Figures: CPU ms of this process (user + system, every thread) per side and round, and the
 * JS thread's busy ms (the old client's wait for the Polars thread pool is not counted there).
 * Checks, outside the timings: the old and new texts are identical; the old and new frames have
 * the same column names, dtypes and values (nulls equal).
 */
import process from "node:process";
import { parseArgs } from "node:util";
import pl from "nodejs-polars";
import type { Bars } from "../lib/sources/sim/bars.ts";
import { barRow } from "../lib/sources/sim/_routes_polygon.ts";
import { streamJson, toJson } from "../lib/sources/sim/_json.ts";
import { releaseScan, scanAggs, type ScannedAggs } from "../lib/sources/_aggs_scan.ts";
import { framesFromScan } from "../lib/sources/polygon.ts";
import { withTs } from "../lib/ingest/pipelines/polygon_bars.ts";
import { Rng } from "../lib/core/random.ts";

const USAGE = `Usage: deno run -A --frozen bench/polygon_aggs_roundtrip.ts [--rounds N] [--pages N]

Polygon aggregate pages serialised (simulator) and parsed (client), old code against new,
interleaved; prints CPU ms per side and round and checks the outputs equal.

Options:
  --rounds N   rounds of old-then-new (default 3)
  --pages N    one-session minute pages of 390 bars (default 500); plus 2 pages of 23,400 second bars
  -h, --help   this text`;

function fail(msg: string): never {
  console.error(msg);
  Deno.exit(2);
}

let values: { rounds?: string; pages?: string; help?: boolean };
try {
  values = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "3" },
      pages: { type: "string", default: "500" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  fail(`polygon_aggs_roundtrip: ${(e as Error).message} (see --help)`);
}
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const ROUNDS = Number(values.rounds);
const PAGES = Number(values.pages);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  fail(`--rounds ${values.rounds}: need an integer >= 1`);
}
if (!Number.isInteger(PAGES) || PAGES < 1) fail(`--pages ${values.pages}: need an integer >= 1`);

// ---------------------------------------------------------------- the page mix

/** A session of `n` bars `stepMs` apart from 09:30 ET of 2024-03-27 shifted by `day` sessions. */
function session(rng: Rng, day: number, n: number, stepMs: number): Bars {
  const b: Bars = {
    length: n,
    t: new Float64Array(n),
    o: new Float64Array(n),
    h: new Float64Array(n),
    l: new Float64Array(n),
    c: new Float64Array(n),
    v: new Float64Array(n),
    vw: new Float64Array(n),
    n: new Float64Array(n),
  };
  let cents = 45_000 + rng.int(-2000, 2000);
  const t0 = 1711546200000 - day * 86_400_000;
  for (let k = 0; k < n; k++) {
    const o = cents;
    cents += rng.int(-25, 25);
    const hi = Math.max(o, cents) + rng.int(0, 10), lo = Math.min(o, cents) - rng.int(0, 10);
    b.t[k] = t0 + k * stepMs;
    b.o[k] = o / 100;
    b.c[k] = cents / 100;
    b.h[k] = hi / 100;
    b.l[k] = lo / 100;
    b.v[k] = rng.int(1, 3000) * 100;
    b.vw[k] = Math.round((lo + (hi - lo) * rng.uniform()) * 100) / 10000;
    b.n[k] = rng.int(1, 2000);
  }
  return b;
}

interface Page {
  bars: Bars;
  f: number;
  env: Record<string, unknown>;
}

const rng = new Rng(21);
const pages: Page[] = [];
const env = (n: number, i: number) => ({
  ticker: "SPY",
  adjusted: true,
  queryCount: n,
  resultsCount: n,
  status: "OK",
  request_id: (0x9a3284e7 + i).toString(16).padStart(16, "0"),
});
for (let i = 0; i < PAGES; i++) {
  pages.push({ bars: session(rng, i, 390, 60_000), f: i % 10 === 9 ? 1 / 3 : 1, env: env(390, i) });
}
for (let i = 0; i < 2; i++) {
  pages.push({ bars: session(rng, i, 23_400, 1000), f: 1, env: env(23_400, PAGES + i) });
}
const STREAM_ROWS = 2000; // the server's cut (lib/sources/sim/server.ts)

// ---------------------------------------------------------------- frozen old code

function oldRows(b: Bars, f: number, isIndex: boolean): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let k = 0; k < b.length; k++) {
    const row: Record<string, unknown> = {};
    if (!isIndex) row.v = Math.round(b.v[k]! / f);
    if (!isIndex) row.vw = Math.round(b.vw[k]! * f * 10000) / 10000;
    row.o = b.o[k]! * f;
    row.c = b.c[k]! * f;
    row.h = b.h[k]! * f;
    row.l = b.l[k]! * f;
    row.t = b.t[k]!;
    if (!isIndex) row.n = b.n[k]!;
    rows.push(row);
  }
  return rows;
}

function oldStreamJson(
  obj: Record<string, unknown>,
  key: string,
  rows: unknown[],
): ReadableStream<Uint8Array> {
  const marker = "@@sim-rows@@";
  const shell = toJson({ ...obj, [key]: marker });
  const cut = shell.indexOf(`"${marker}"`);
  const head = shell.slice(0, cut) + "[";
  const tail = "]" + shell.slice(cut + marker.length + 2);
  const enc = new TextEncoder();
  let i = -1;
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (i < 0) {
        c.enqueue(enc.encode(head));
        i = 0;
        return;
      }
      if (i >= rows.length) {
        c.enqueue(enc.encode(tail));
        c.close();
        return;
      }
      const batch = rows.slice(i, i + 1000).map((x) => toJson(x)).join(",");
      c.enqueue(enc.encode(i === 0 ? batch : "," + batch));
      i += 1000;
    },
  });
}

function oldScanPlan(scan: ScannedAggs, ticker: string, requireVolume: boolean) {
  return pl.DataFrame([
    pl.Series("t", scan.t),
    pl.Series("o", scan.o),
    pl.Series("h", scan.h),
    pl.Series("l", scan.l),
    pl.Series("c", scan.c),
    pl.Series("v", scan.v),
    pl.Series("vw", scan.vw),
    pl.Series("n", scan.n),
  ]).lazy().withColumns(
    pl.col("t").cast(pl.Int64),
    pl.lit(ticker).alias("ticker"),
    ...(requireVolume ? [] : [pl.col("v").fillNan(pl.lit(null))]),
    pl.col("vw").fillNan(pl.lit(null)),
    pl.col("n").fillNan(pl.lit(null)).cast(pl.Int64),
  );
}

function oldWithTs(frame: pl.DataFrame): pl.DataFrame {
  return frame.withColumns(pl.col("t").cast(pl.Datetime("ms", "UTC")).alias("ts"));
}

// ---------------------------------------------------------------- the two sides

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

async function drain(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  for await (const c of s) {
    parts.push(c);
    n += c.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const enc = new TextEncoder();

/** Serialise every page; the bodies as bytes, and the JS thread's busy ms. */
async function serverSide(old: boolean): Promise<{ bodies: Uint8Array[]; busy: number }> {
  const bodies: Uint8Array[] = [];
  let busy = 0;
  for (const p of pages) {
    const t0 = performance.now();
    let rows: Record<string, unknown>[];
    if (old) rows = oldRows(p.bars, p.f, false);
    else {
      rows = [];
      for (let k = 0; k < p.bars.length; k++) rows.push(barRow(p.bars, k, p.f, false));
    }
    const body = { ...p.env, results: rows };
    if (rows.length > STREAM_ROWS) {
      bodies.push(await drain((old ? oldStreamJson : streamJson)(body, "results", rows)));
    } else bodies.push(enc.encode(toJson(body)));
    busy += performance.now() - t0;
  }
  return { bodies, busy };
}

/** Parse every body into the pipeline's raw frame (with `ts`); the JS thread's busy ms. */
async function clientSide(
  bodies: Uint8Array[],
  old: boolean,
): Promise<{ frames: pl.DataFrame[]; busy: number }> {
  const frames: pl.DataFrame[] = [];
  let busy = 0;
  for (const b of bodies) {
    let t0 = performance.now();
    const scan = scanAggs(b, true);
    let frame: pl.DataFrame;
    if (old) {
      const plan = oldScanPlan(scan, "SPY", true);
      releaseScan(scan);
      const pending = plan.collect();
      busy += performance.now() - t0;
      const done = await pending;
      t0 = performance.now();
      frame = oldWithTs(done);
    } else {
      frame = withTs(framesFromScan(scan, "SPY", true).frame);
      releaseScan(scan);
    }
    frames.push(frame);
    busy += performance.now() - t0;
  }
  return { frames, busy };
}

// ---------------------------------------------------------------- run

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const totalBytes = { n: 0 };
console.log(
  `pages: ${PAGES} x 390 minute bars + 2 x 23,400 second bars; rounds: ${ROUNDS}; ` +
    `CPU = user + system of this process (all threads), busy = JS thread`,
);
const rows: string[][] = [];
let ok = true;
for (let r = 1; r <= ROUNDS; r++) {
  const out: Record<string, { cpu: number; busy: number }> = {};
  let bodies: Record<string, Uint8Array[]> = {};
  const frames: Record<string, pl.DataFrame[]> = {};
  for (const side of ["old", "new"] as const) {
    const c0 = cpuMs();
    const s = await serverSide(side === "old");
    out[`server ${side}`] = { cpu: cpuMs() - c0, busy: s.busy };
    bodies = { ...bodies, [side]: s.bodies };
    const c1 = cpuMs();
    const c = await clientSide(s.bodies, side === "old");
    out[`client ${side}`] = { cpu: cpuMs() - c1, busy: c.busy };
    frames[side] = c.frames;
  }
  // Checks (untimed): identical bytes, identical frames.
  const bo = bodies.old!, bn = bodies.new!;
  totalBytes.n = bn.reduce((s, b) => s + b.length, 0);
  for (let i = 0; i < bo.length; i++) {
    if (!same(bo[i]!, bn[i]!)) {
      ok = false;
      console.error(`round ${r}: page ${i} bytes differ`);
    }
    const fo = frames.old![i]!, fn = frames.new![i]!;
    const so = JSON.stringify(Object.entries(fo.schema).map(([k, d]) => [k, String(d)]));
    const sn = JSON.stringify(Object.entries(fn.schema).map(([k, d]) => [k, String(d)]));
    if (so !== sn || !fo.frameEqual(fn, true)) {
      ok = false;
      console.error(`round ${r}: page ${i} frames differ`);
    }
  }
  for (const [k, v] of Object.entries(out)) {
    rows.push([String(r), k, v.cpu.toFixed(0), v.busy.toFixed(0)]);
  }
}
console.log(`bytes per round: ${(totalBytes.n / 1e6).toFixed(1)} MB`);
console.log(["round", "side", "cpu_ms", "js_busy_ms"].join("\t"));
for (const row of rows) console.log(row.join("\t"));
const med = (side: string, i: 2 | 3) => {
  const xs = rows.filter((x) => x[1] === side).map((x) => Number(x[i])).sort((a, b) => a - b);
  return xs[xs.length >> 1]!;
};
for (const side of ["server", "client"]) {
  const o = med(`${side} old`, 2), n = med(`${side} new`, 2);
  const ob = med(`${side} old`, 3), nb = med(`${side} new`, 3);
  console.log(
    `median ${side}: cpu ${o} -> ${n} ms (${(o / n).toFixed(2)}x), ` +
      `js busy ${ob} -> ${nb} ms (${(ob / nb).toFixed(2)}x)`,
  );
}
console.log(ok ? "outputs equal: yes" : "outputs equal: NO");
if (!ok) Deno.exit(1);
