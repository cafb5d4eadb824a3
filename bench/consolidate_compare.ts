/**
 * Side-by-side benchmark: per-option-per-minute consolidation of one session
 * (`consolidateOptionMinutes`, lib/frames/consolidate.ts) against the same consolidation written
 * in pandas (`bench/consolidate_peer.py`: merge_asof, cross merge, merge on (ticker, ts), ewm and
 * rolling indicators, numpy Newton implied vol, scipy Greeks), on the same inputs, in
 * interleaved pairs, as CPU time, outputs checked equal.
 *
 *   deno run -A --frozen bench/consolidate_compare.ts [--contracts 500] [--pairs 7] [--no-peer]
 *
 * Inputs: the simulated market (seed 1), session 2024-02-01, SPY minute bars of that session and
 * the one before (indicator warm-up), VIX minute bars, the world's news, and the minute bars of
 * the `contracts` SPY options nearest the money (strike within 10 % of the open, expiry within
 * 30 days): 500 contracts x 390 minutes = 195,000 rows x 44 columns. Both sides start from
 * frames already in memory (Polars for the workbench, pandas for the peer) and end with the
 * full output frame (missing values: null in Polars, NaN in pandas).
 *
 * Timing: the workbench's figure is this process's CPU time (user + system, all threads) around
 * the call; the peer is one long-lived /usr/bin/python3 process that measures its own
 * time.process_time around its consolidation (pandas and numpy run it on one thread). Each side
 * runs `pairs` times after one untimed warm-up, alternating which side goes first; medians are
 * printed with the load average before and after. The peer is skipped with a note when
 * /usr/bin/python3 has no pandas or scipy.
 *
 * Breakdown: the options math alone (implied vol and Greeks of the traded rows) is timed on
 * each side too: the peer times that part of its run; on the workbench's side the same
 * `impliedVol` (warm-started along each contract's minutes, as the consolidation does) +
 * `bsGreeks` calls are made on the traded rows' inputs taken from the output, in the same pairs. The rest of each side's time (frames, joins, indicators, output) is printed
 * as "without options math".
 *
 * Check: every output column, row by row, in the same row order (minute-major, contracts by
 * ticker): strings and times exactly; prices, terms and as-of values to 1e-12 relative;
 * indicators (recursive EMAs, rolling moments) to 1e-9 relative; iv and Greeks to 1e-7 relative
 * where both sides have a value. The NaN patterns must agree exactly except for iv (and so the
 * Greeks) where the peer's Newton gives up and the workbench's solver finds a vol; those rows
 * are counted and printed, and may be at most 1 % of the traded rows.
 *
 * Lifetimes: each side keeps its previous output alive during a run and frees it after (the
 * peer by reassignment, which CPython's reference counting frees at once; the workbench by an
 * untimed V8 gc() followed by an event-loop turn, on which the native finalizers of Polars'
 * objects run; the script runs with --expose-gc). Without that, V8, which does not see the
 * ~100 MB of Polars memory behind each output's small JS wrapper, collects it only rarely, and
 * every run writes fresh pages: in a synchronous loop of consolidations (no event-loop turn, so
 * no finalizer runs even after gc()) each call here cost 300-450 ms CPU (~200 ms of it in the
 * kernel) and the resident size grew by ~90 MB per call; with gc() and a turn, ~190 ms, flat
 * resident size, no kernel time.
 *
 * Memory and threads: both sides spend much of their time writing fresh memory (the output
 * alone is ~75 MB; on this VM a first touch costs a page fault of ~10 us per 4 KiB). With
 * `--malloc tuned` (the default) the script runs itself again under
 * `GLIBC_TUNABLES=glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1:glibc.malloc.mmap_threshold=
 * 33554432:glibc.malloc.trim_threshold=268435456`: malloc's heap on transparent huge pages;
 * Polars' worker threads allocating from that heap instead of per-thread arenas that the
 * huge-page setting does not cover; column buffers (1.56 MB at 195,000 rows) taken from the heap
 * instead of fresh mmaps; and up to 256 MiB of freed heap kept for reuse instead of being
 * returned to the kernel and faulted in again. And, unless set, `POLARS_MAX_THREADS=1`
 * (one thread like pandas, so the CPU time is per core; a Polars pool on this oversubscribed
 * 2-core VM adds ~30 % CPU for synchronisation); the peer inherits the same environment.
 * `--malloc default` measures both sides as started. The settings in force are printed.
 *
 * Exit codes: 0 done (outputs equal within the tolerances), 1 an output check failed, 2 bad
 * arguments.
 */
import process from "node:process";
import { loadavg, median, PythonPeer } from "./_peer.ts";
import pl from "nodejs-polars";
import { consolidateOptionMinutes, simConsolidationInput } from "../lib/frames/mod.ts";
import { generateWorld } from "../lib/sources/sim/world.ts";
import {
  bsGreeks,
  emptyOptionColumns,
  impliedVol,
  type OptionColumns,
} from "../lib/options/mod.ts";
import { sessionBounds } from "../lib/time/mod.ts";

const TUNED_MALLOC = "glibc.malloc.hugetlb=1:glibc.malloc.arena_max=1:" +
  "glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=268435456";

const USAGE = `Usage: deno run -A --frozen bench/consolidate_compare.ts [options]

Per-option-per-minute consolidation of one simulated session: workbench vs pandas
(interleaved pairs, CPU time, same inputs, outputs checked equal).

Options:
  --contracts N  option contracts (default 500, 1..2000); rows = N x 390 minutes
  --pairs P      timed runs per side (default 7, 1..50)
  --no-peer      skip the pandas peer
  --malloc M     tuned (default: rerun under GLIBC_TUNABLES=${TUNED_MALLOC} and
                 POLARS_MAX_THREADS=1 unless set; the peer inherits them) or default
                 (as started)
  -h, --help     this text

Exit codes: 0 done, 1 an output check failed, 2 bad arguments.`;

const DATE = "2024-02-01";

interface Args {
  contracts: number;
  pairs: number;
  peer: boolean;
  malloc: "tuned" | "default";
}

function parseArgs(argv: string[]): Args {
  const a: Args = { contracts: 500, pairs: 7, peer: true, malloc: "tuned" };
  const fail = (msg: string): never => {
    console.error(`consolidate_compare: ${msg} (see --help)`);
    Deno.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === "-h" || k === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (k === "--no-peer") a.peer = false;
    else if (k === "--malloc") {
      const raw = argv[++i];
      if (raw !== "tuned" && raw !== "default") {
        fail(`--malloc must be tuned or default, got ${raw ?? "nothing"}`);
      }
      a.malloc = raw as Args["malloc"];
    } else if (k === "--contracts" || k === "--pairs") {
      const raw = argv[++i];
      const v = Number(raw);
      const max = k === "--contracts" ? 2000 : 50;
      if (raw === undefined || !Number.isInteger(v) || v < 1 || v > max) {
        fail(`${k} must be an integer in 1..${max}, got ${raw ?? "nothing"}`);
      }
      if (k === "--contracts") a.contracts = v;
      else a.pairs = v;
    } else fail(`unknown option ${k}`);
  }
  return a;
}

/** CPU milliseconds (user + system, all threads) of this process spent in fn. */
function cpuMsOf(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1e3;
}

/** A column as f64 with null -> NaN (times as epoch ms). */
function f64Of(df: pl.DataFrame, name: string): Float64Array {
  const e = df.getColumn(name).dtype.variant === "Datetime"
    ? pl.col(name).cast(pl.Int64).cast(pl.Float64)
    : pl.col(name).cast(pl.Float64);
  return df.select(e.fillNull(pl.lit(NaN)).alias(name)).getColumn(name)
    .toTypedArray() as Float64Array;
}

/** Write the peer's inputs: params.json, f64 columns as .bin, string columns as .json. */
async function writePeerInputs(
  dir: string,
  input: ReturnType<typeof simConsolidationInput>,
): Promise<void> {
  const { input: inp, rate, div } = input;
  const rows: Record<string, number> = {};
  const put = async (frame: string, df: pl.DataFrame, f64s: string[], strs: string[] = []) => {
    rows[frame] = df.height;
    for (const c of f64s) {
      const a = f64Of(df, c);
      await Deno.writeFile(
        `${dir}/${frame}_${c}.bin`,
        new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
      );
    }
    for (const c of strs) {
      await Deno.writeTextFile(
        `${dir}/${frame}_${c}.json`,
        JSON.stringify(df.getColumn(c).cast(pl.Utf8).toArray()),
      );
    }
  };
  const bar = ["ts", "known_at", "open", "high", "low", "close"];
  await put("underlying", inp.underlying, [...bar, "volume", "vwap"]);
  await put("vix", inp.vix, bar);
  await put("news", inp.news!, ["known_at", "sentiment"]);
  await put(
    "options",
    inp.options,
    ["ts", "open", "high", "low", "close", "volume", "vwap", "strike"],
    ["ticker", "expiration_date", "contract_type"],
  );
  const expiries = new Set(
    inp.options.getColumn("expiration_date").cast(pl.Utf8).unique().toArray() as string[],
  );
  const sb = sessionBounds(DATE)!;
  const params = {
    date: DATE,
    open_ms: sb.open.getTime(),
    n_min: Math.round((sb.close.getTime() - sb.open.getTime()) / 60_000),
    rate,
    div,
    symbol: "SPY",
    rows,
    expiry_close_ms: Object.fromEntries(
      [...expiries].map((e) => [e, sessionBounds(e)!.close.getTime()]),
    ),
  };
  await Deno.writeTextFile(`${dir}/params.json`, JSON.stringify(params));
}

const EXACT_STR = ["ticker", "underlying", "expiration_date", "contract_type"];
const EXACT_TIME = ["ts", "known_at"];
const INDICATORS = new Set([
  "rsi_14",
  "macd",
  "macd_signal",
  "macd_hist",
  "bb_upper",
  "bb_middle",
  "bb_lower",
]);
const OPTION_MATH = new Set(["iv", "delta", "gamma", "vega", "theta", "rho"]);
const RTOL_EXACT = 1e-12;
const RTOL_INDICATOR = 1e-9;
const RTOL_OPTION_MATH = 1e-7;
const MAX_PEER_NO_IV = 0.01;

/** Compare the workbench's output with the peer's dump; returns the failures. */
async function check(dir: string, wb: pl.DataFrame): Promise<string[]> {
  const fails: string[] = [];
  const n = wb.height;
  for (const c of EXACT_STR) {
    const peer = JSON.parse(await Deno.readTextFile(`${dir}/peer_${c}.json`)) as string[];
    const mine = wb.getColumn(c).toArray() as string[];
    if (peer.length !== n) {
      fails.push(`${c}: ${peer.length} peer rows vs ${n}`);
      continue;
    }
    const bad = mine.findIndex((x, i) => x !== peer[i]);
    if (bad >= 0) fails.push(`${c}[${bad}]: ${mine[bad]} vs peer ${peer[bad]}`);
  }
  const traded = f64Of(wb, "opt_close").reduce((s, x) => s + (Number.isNaN(x) ? 0 : 1), 0);
  let peerNoIv = 0;
  const lines: string[] = [];
  for (const c of wb.columns.filter((c) => !EXACT_STR.includes(c))) {
    const b = await Deno.readFile(`${dir}/peer_${c}.bin`);
    const peer = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
    const mine = f64Of(wb, c);
    const rtol = EXACT_TIME.includes(c)
      ? 0
      : INDICATORS.has(c)
      ? RTOL_INDICATOR
      : OPTION_MATH.has(c)
      ? RTOL_OPTION_MATH
      : RTOL_EXACT;
    let worst = 0, nanOnlyPeer = 0, nanOther = 0;
    for (let i = 0; i < n; i++) {
      const x = mine[i]!, y = peer[i]!;
      const xn = Number.isNaN(x), yn = Number.isNaN(y);
      if (xn || yn) {
        if (xn && yn) continue;
        if (yn) nanOnlyPeer++;
        else nanOther++;
        continue;
      }
      const err = Math.abs(x - y) / Math.max(1, Math.abs(y));
      if (err > worst) worst = err;
    }
    if (c === "iv") peerNoIv = nanOnlyPeer;
    if (worst > rtol) {
      fails.push(`${c}: max relative difference ${worst.toExponential(2)} > ${rtol}`);
    }
    if (nanOther > 0) fails.push(`${c}: ${nanOther} rows NaN in the workbench only`);
    if (nanOnlyPeer > 0 && !OPTION_MATH.has(c)) {
      fails.push(`${c}: ${nanOnlyPeer} rows NaN in the peer only`);
    }
    if (worst > 0 || nanOnlyPeer > 0) {
      lines.push(
        `${c} ${worst.toExponential(1)}${nanOnlyPeer ? ` (${nanOnlyPeer} peer NaN)` : ""}`,
      );
    }
  }
  if (peerNoIv > MAX_PEER_NO_IV * traded) {
    fails.push(`iv: the peer found no vol on ${peerNoIv} of ${traded} traded rows (> 1 %)`);
  }
  console.log(
    `check: ${n} rows x ${wb.width} columns; strings and times exact; nonzero max relative ` +
      `differences: ${lines.join(", ") || "none"}; traded rows ${traded}, peer Newton gave no ` +
      `vol on ${peerNoIv} (workbench did); tolerances: ${RTOL_EXACT} bars/terms/as-of, ` +
      `${RTOL_INDICATOR} indicators, ${RTOL_OPTION_MATH} iv and Greeks`,
  );
  return fails;
}

/** V8's gc(), present when the process runs with --expose-gc. */
const exposedGc = (globalThis as { gc?: () => void }).gc;

/**
 * Run this script again with V8's gc() exposed and, when `tuned`, the tuned malloc setting and
 * one Polars thread; its exit code.
 */
async function rerun(tuned: boolean): Promise<number> {
  const current = Deno.env.get("GLIBC_TUNABLES");
  const env: Record<string, string> = tuned
    ? {
      GLIBC_TUNABLES: current ? `${current}:${TUNED_MALLOC}` : TUNED_MALLOC,
      POLARS_MAX_THREADS: Deno.env.get("POLARS_MAX_THREADS") ?? "1",
    }
    : {};
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      "--v8-flags=--expose-gc",
      new URL(import.meta.url).pathname,
      ...Deno.args,
    ],
    env,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

/**
 * The option-pricing inputs of the traded rows of a consolidated frame, their closes, and each
 * row's contract (the warm-start series the consolidation uses).
 */
function tradedInputs(
  out: pl.DataFrame,
  rate: number,
  div: number,
): { o: OptionColumns; close: Float64Array; series: Int32Array } {
  const traded = out.filter(pl.col("opt_close").isNotNull());
  const o = emptyOptionColumns(traded.height);
  o.spot.set(f64Of(traded, "spy_close"));
  o.strike.set(f64Of(traded, "strike"));
  o.t.set(f64Of(traded, "t_years").map((t) => (t > 0 ? t : NaN)));
  o.rate.fill(rate);
  o.div.fill(div);
  const calls = traded.getColumn("contract_type").toArray() as string[];
  calls.forEach((c, i) => (o.isCall[i] = c === "call" ? 1 : 0));
  const ids = new Map<string, number>();
  const series = Int32Array.from(traded.getColumn("ticker").toArray() as string[], (t) => {
    let id = ids.get(t);
    if (id === undefined) ids.set(t, id = ids.size);
    return id;
  });
  return { o, close: f64Of(traded, "opt_close"), series };
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const tunables = Deno.env.get("GLIBC_TUNABLES") ?? "";
  const tune = args.malloc === "tuned" && Deno.build.os === "linux" &&
    !TUNED_MALLOC.split(":").every((t) => tunables.split(":").includes(t));
  if (tune || !exposedGc) return await rerun(tune);
  console.log(
    `malloc: GLIBC_TUNABLES=${tunables || "(unset)"} (--malloc ${args.malloc}); ` +
      `POLARS_MAX_THREADS=${Deno.env.get("POLARS_MAX_THREADS") ?? "(unset)"}`,
  );
  console.log(`load average at start: ${loadavg()}`);
  const world = generateWorld({ seed: 1, start: "2024-01-22", end: DATE });
  const sim = simConsolidationInput(world, DATE, {
    strikeBand: 0.1,
    maxContracts: args.contracts,
  });
  const run = () => consolidateOptionMinutes(sim.input, { rate: sim.rate, div: sim.div });
  let out = run(); // warm-up
  console.log(
    `input: ${sim.contracts} contracts, ${sim.input.options.height} option bars, ` +
      `${sim.input.underlying.height} underlying bars; output ${out.height} rows x ${out.width} columns`,
  );

  let peer: PythonPeer | undefined;
  const dir = await Deno.makeTempDir({ prefix: "consolidate_compare_" });
  try {
    if (args.peer) {
      const probe = await new Deno.Command("/usr/bin/python3", {
        args: ["-c", "import pandas, numpy, scipy"],
        stdout: "null",
        stderr: "null",
      }).output().catch(() => null);
      if (probe?.success) {
        await writePeerInputs(dir, sim);
        peer = new PythonPeer(new URL("./consolidate_peer.py", import.meta.url));
        const hello = await peer.ask(`load ${dir}`);
        console.log(
          `peer: /usr/bin/python3 pandas ${hello.pandas} numpy ${hello.numpy} scipy ${hello.scipy}`,
        );
        await peer.ask("run"); // warm-up
      } else {
        console.log(
          "peer skipped: /usr/bin/python3 with pandas, numpy and scipy is not available " +
            "(apt-get install python3-pandas python3-scipy)",
        );
      }
    } else console.log("peer skipped (--no-peer)");

    const math = tradedInputs(out, sim.rate, sim.div);
    const wbMs: number[] = [], peerMs: number[] = [], wbMathMs: number[] = [];
    const peerMathMs: number[] = [];
    for (let i = 0; i < args.pairs; i++) {
      const wbSide = () => {
        wbMs.push(cpuMsOf(() => {
          out = run();
        }));
        wbMathMs.push(cpuMsOf(() => {
          bsGreeks(
            math.o,
            impliedVol(math.o, math.close, { logSummary: false, warmStart: math.series }),
          );
        }));
      };
      // frees the previous output, as `out = new` does in the peer (untimed): a collection, then
      // an event-loop turn, on which the native finalizers of Polars' objects run
      const release = async () => {
        exposedGc!();
        await new Promise((r) => setTimeout(r, 0));
      };
      const peerSide = async () => {
        if (!peer) return;
        const a = await peer.ask("run");
        peerMs.push((a.cpu_s as number) * 1e3);
        peerMathMs.push((a.math_s as number) * 1e3);
      };
      if (i % 2 === 0) {
        wbSide();
        await release();
        await peerSide();
      } else {
        await peerSide();
        wbSide();
        await release();
      }
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(" ");
    const rows = out.height;
    const wbMed = median(wbMs);
    console.log(
      `workbench: median ${wbMed.toFixed(1)} ms CPU = ${
        (rows / wbMed / 1e3).toFixed(2)
      } M rows/s ` +
        `(runs ${fmt(wbMs)})`,
    );
    const rest = (all: number[], part: number[]) => all.map((x, i) => x - part[i]!);
    console.log(
      `  options math (iv + Greeks of ${math.close.length} traded rows) ${
        median(wbMathMs).toFixed(1)
      } ms; without options math ${median(rest(wbMs, wbMathMs)).toFixed(1)} ms`,
    );
    let failed = false;
    if (peer) {
      const pMed = median(peerMs);
      console.log(
        `pandas:    median ${pMed.toFixed(1)} ms CPU = ${
          (rows / pMed / 1e3).toFixed(2)
        } M rows/s ` +
          `(runs ${fmt(peerMs)})`,
      );
      console.log(
        `  options math (numpy Newton iv + Greeks) ${median(peerMathMs).toFixed(1)} ms; ` +
          `without options math ${median(rest(peerMs, peerMathMs)).toFixed(1)} ms`,
      );
      console.log(
        `ratio workbench / pandas CPU time: ${(wbMed / pMed).toFixed(2)} ` +
          `(pandas / workbench ${(pMed / wbMed).toFixed(2)}x; goal >= 3x)`,
      );
      // the workbench's options math alone bounds the ratio: no work elsewhere can lift it above
      console.log(
        `  bound set by the options math alone: pandas / workbench options math ${
          (pMed / median(wbMathMs)).toFixed(2)
        }x`,
      );
      await peer.ask("dump");
      const fails = await check(dir, out);
      for (const f of fails) console.log(`CHECK FAILED ${f}`);
      failed = fails.length > 0;
    }
    console.log(`load average at end: ${loadavg()}`);
    return failed ? 1 : 0;
  } finally {
    await peer?.close().catch(() => {});
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) Deno.exit(await main());
