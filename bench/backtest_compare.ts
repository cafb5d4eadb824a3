/**
 * Side-by-side benchmark of the event-driven engine against a minimal Python loop
 * (`bench/backtest_peer.py`, plain CPython, standard library only) on the same panel, with the
 * same strategy and every cost switched on (see `bench/_event_scenario.ts`): 500 symbols x 2,520
 * daily bars, monthly momentum rebalance, IBKR fees, SEC/TAF, half-spread, square-root impact,
 * borrow and the 10% ADV participation cap.
 *
 *   deno run -A --frozen bench/backtest_compare.ts [--pairs 5] [--no-peer] [--malloc tuned]
 *
 * Both sides are single threaded; times are CPU time (user + system) of the run alone: this
 * process's around `runBacktest` (estimates, validation and bookkeeping included), the peer's
 * time.process_time around its loop (its estimates included, file loading excluded). The pairs
 * alternate which side goes first; medians are reported, with bar-events/s = symbols x bars /
 * CPU seconds; the workbench first runs 4 times untimed (JIT warm-up). Outputs are checked
 * equal: the equity series to 1e-6 USD at every bar and the
 * number of fills. The load average is printed before and after.
 *
 * Panel check: the engine checks a panel once per panel object (`checkPanelOnce`), so the timed
 * runs, like any repeated run over one panel, do not include it; its cost (one `validatePanel`,
 * CPU time) is printed beside the figures.
 *
 * Memory: each run writes a fresh 10 MB positions matrix (500 x 2,520 doubles); on this VM the
 * first write of each fresh 4 KiB page costs a page fault of ~10 us (see `lib/core/malloc.ts`),
 * up to a third of a run's CPU time. With `--malloc tuned` (the default) the script runs itself
 * again under `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, the setting of `deno task bench` and the
 * ingest tasks (malloc's heap on transparent huge pages); the Python peer inherits it.
 * `--malloc default` measures both sides as started. The setting in force is printed.
 *
 * Exit codes: 0 done (outputs equal), 1 an output check failed, 2 bad arguments.
 */
import process from "node:process";
import { loadavg, median, PythonPeer } from "./_peer.ts";
import { EVENT_BARS, EVENT_SYMBOLS, eventPanel, runEventScenario } from "./_event_scenario.ts";
import { validatePanel } from "../lib/backtest/mod.ts";
import { INGEST_GLIBC_TUNABLES, ingestMallocActive } from "../lib/core/malloc.ts";

const USAGE = `Usage: deno run -A --frozen bench/backtest_compare.ts [options]

Event-driven backtest, ${EVENT_SYMBOLS} symbols x ${EVENT_BARS} daily bars, every cost on:
workbench vs a minimal Python loop (interleaved pairs, CPU time per core, same inputs, equity
series checked equal).

Options:
  --pairs P    timed runs per side (default 5, 1..50)
  --no-peer    skip the Python peer
  --malloc M   tuned (default: rerun under GLIBC_TUNABLES=${INGEST_GLIBC_TUNABLES}, as
               \`deno task bench\`; the peer inherits it) or default (as started)
  -h, --help   this text

Exit codes: 0 done, 1 an output check failed, 2 bad arguments.`;

/** Untimed runs of the workbench before the pairs (JIT warm-up). */
const WARMUP_RUNS = 3;

/** Equity agreement between the engine and the peer, USD at every bar. */
const ATOL_EQUITY_USD = 1e-6;

interface Args {
  pairs: number;
  peer: boolean;
  malloc: "tuned" | "default";
}

function parseArgs(argv: string[]): Args {
  const a: Args = { pairs: 5, peer: true, malloc: "tuned" };
  const fail = (msg: string): never => {
    console.error(`backtest_compare: ${msg} (see --help)`);
    Deno.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === "-h" || k === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (k === "--no-peer") a.peer = false;
    else if (k === "--pairs") {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1 || v > 50) {
        fail(`--pairs must be an integer in 1..50, got ${argv[i]}`);
      }
      a.pairs = v;
    } else if (k === "--malloc") {
      const v = argv[++i];
      if (v !== "tuned" && v !== "default") {
        fail(`--malloc must be tuned or default, got ${v ?? "nothing"}`);
      }
      a.malloc = v as Args["malloc"];
    } else fail(`unknown option ${k}`);
  }
  return a;
}

/** Run this script again, same arguments, with the tuned malloc setting; its exit code. */
async function rerunTuned(): Promise<number> {
  const current = Deno.env.get("GLIBC_TUNABLES");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(import.meta.url).pathname, ...Deno.args],
    env: {
      GLIBC_TUNABLES: current ? `${current}:${INGEST_GLIBC_TUNABLES}` : INGEST_GLIBC_TUNABLES,
    },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

async function main(): Promise<number> {
  const { pairs, peer: withPeer, malloc } = parseArgs(Deno.args);
  if (malloc === "tuned" && Deno.build.os === "linux" && !ingestMallocActive()) {
    return await rerunTuned();
  }
  console.log(`load average at start: ${loadavg()}`);
  console.log(
    `malloc: GLIBC_TUNABLES=${Deno.env.get("GLIBC_TUNABLES") || "(unset)"} (--malloc ${malloc})`,
  );
  const panel = eventPanel();
  const events = EVENT_SYMBOLS * EVENT_BARS;
  const ref = runEventScenario(panel); // the output the peer must match
  // JIT warm-up (the engine's code reaches its optimising tier after a few runs; its compile
  // threads would otherwise be charged to the first timed runs)
  for (let w = 0; w < WARMUP_RUNS; w++) runEventScenario(panel);
  const dir = await Deno.makeTempDir({ prefix: "backtest_compare_" });
  let peer: PythonPeer | undefined;
  let failed = false;
  try {
    if (withPeer) {
      try {
        await Deno.stat("/usr/bin/python3");
        for (const [name, a] of Object.entries({ ts_ms: panel.tsMs, ...panel })) {
          if (!["ts_ms", "open", "close", "volume"].includes(name)) continue;
          const f = a as Float64Array;
          await Deno.writeFile(
            `${dir}/${name}.bin`,
            new Uint8Array(f.buffer, f.byteOffset, f.byteLength),
          );
        }
        peer = new PythonPeer(new URL("./backtest_peer.py", import.meta.url));
        const hello = await peer.ask(`load ${dir} ${EVENT_SYMBOLS} ${EVENT_BARS}`);
        console.log(`peer: /usr/bin/python3 ${hello.python}, plain loop (bench/backtest_peer.py)`);
      } catch (e) {
        console.log(`peer skipped: /usr/bin/python3 not usable (${(e as Error).message})`);
        await peer?.close();
        peer = undefined;
      }
    } else console.log("peer skipped: --no-peer");

    const ours: number[] = [];
    const theirs: number[] = [];
    const runOurs = () => {
      const c0 = process.cpuUsage();
      const res = runEventScenario(panel);
      const u = process.cpuUsage(c0);
      ours.push((u.user + u.system) / 1e6);
      if (res.fills.length !== ref.fills.length || res.equity.at(-1) !== ref.equity.at(-1)) {
        console.log("workbench: a repeated run differs (determinism broken)");
        failed = true;
      }
    };
    const runPeer = async (check: boolean) => {
      const r = await peer!.ask<Record<string, number>>("run");
      theirs.push(r.cpu_s!);
      if (!check) return;
      const bytes = await Deno.readFile(`${dir}/peer_equity.bin`);
      const eq = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      let worst = 0, at = -1;
      for (let t = 0; t < EVENT_BARS; t++) {
        const d = Math.abs(eq[t]! - ref.equity[t]!);
        if (!(d <= worst)) [worst, at] = [d, t];
      }
      const ok = eq.length === EVENT_BARS && worst <= ATOL_EQUITY_USD &&
        r.fills === ref.fills.length;
      const tot = ref.totals;
      const costs = tot.commission + tot.fees + tot.spread + tot.impact + tot.borrow;
      console.log(
        `outputs: final equity ${ref.equity.at(-1)!.toFixed(6)} (peer ${
          r.equity!.toFixed(6)
        }), max |equity diff| ${
          worst.toExponential(2)
        } USD at bar ${at} (tolerance ${ATOL_EQUITY_USD}), fills ${ref.fills.length} (peer ${r.fills}), costs ${
          costs.toFixed(2)
        } (peer ${r.costs!.toFixed(2)}): ${ok ? "equal" : "DIFFERENT"}`,
      );
      if (!ok) failed = true;
    };
    for (let p = 0; p < pairs; p++) {
      if (p % 2 === 0 || !peer) {
        runOurs();
        if (peer) await runPeer(p === 0);
      } else {
        await runPeer(false);
        runOurs();
      }
      const last = (xs: number[]) => (xs.length ? `${(xs.at(-1)! * 1e3).toFixed(0)} ms` : "-");
      console.log(`pair ${p + 1}: workbench ${last(ours)}, peer ${peer ? last(theirs) : "-"}`);
    }
    const c0 = process.cpuUsage();
    validatePanel(panel);
    const cu = process.cpuUsage(c0);
    const checkMs = (cu.user + cu.system) / 1e3;
    const mOurs = median(ours);
    console.log(
      `event engine ${EVENT_SYMBOLS} symbols x ${EVENT_BARS} bars, every cost on, median of ${pairs}:`,
    );
    console.log(
      `  workbench ${(mOurs * 1e3).toFixed(0)} ms CPU = ${
        (events / mOurs / 1e6).toFixed(2)
      } M bar-events/s per core (goal >= 10)`,
    );
    console.log(
      `  panel check, once per panel (validatePanel; in the first, untimed run): ${
        checkMs.toFixed(1)
      } ms CPU`,
    );
    if (peer) {
      const mPeer = median(theirs);
      console.log(
        `  python    ${(mPeer * 1e3).toFixed(0)} ms CPU = ${
          (events / mPeer / 1e6).toFixed(2)
        } M bar-events/s per core`,
      );
      console.log(`  ratio workbench time / peer time ${(mOurs / mPeer).toFixed(3)}`);
    }
  } finally {
    await peer?.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  console.log(`load average at end: ${loadavg()}`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
