/**
 * Side-by-side benchmark: the workbench's Black-Scholes prices, five Greeks and implied vol
 * against numpy + scipy.special.ndtr (prices, Greeks) and a vectorised numpy Newton (implied
 * vol), on the same inputs, in interleaved pairs, as CPU time per core, outputs checked equal.
 *
 *   deno run -A --frozen bench/options_compare.ts [--n 1000000] [--pairs 7] [--no-peer]
 *     [--only price|greeks|iv]
 *
 * The peer is `bench/options_peer.py` run by /usr/bin/python3 as one long-lived subprocess that
 * times each kernel with time.process_time (its own CPU time, kernel only). The workbench's
 * time is this process's CPU time (user + system) around the call. Each kernel runs `pairs`
 * times per side, alternating which side goes first; medians are reported. Also printed: the
 * memory floor (copying the kernel's input and output bytes once, TypedArray.set), the
 * in-cache time (one 2048-row chunk repeated into the same output arrays: the arithmetic cost
 * without memory traffic or allocation) and
 * the load average before and after. Inputs: 1M options with K/S in 0.5..2, t 1 day..5 years,
 * vol 5 %..200 %, rate and dividend -1 %..8 %, calls and puts (bench/options_bench.ts's batch).
 *
 * Exit codes: 0 done (outputs equal within the printed tolerances), 1 an output check failed,
 * 2 bad arguments.
 */
import {
  bsGreeks,
  bsPrice,
  emptyOptionColumns,
  type Greeks,
  impliedVolWithSummary,
  type OptionColumns,
} from "../lib/options/mod.ts";
import { Rng } from "../lib/core/mod.ts";
import process from "node:process";
import { loadavg, median, PythonPeer } from "./_peer.ts";

const USAGE = `Usage: deno run -A --frozen bench/options_compare.ts [options]

Black-Scholes prices, Greeks and implied vol: workbench vs numpy + scipy (interleaved pairs,
CPU time per core, same inputs, outputs checked equal).

Options:
  --n N        options per batch (default 1000000, at least 2048)
  --pairs P    timed runs per side and kernel (default 7, 1..50)
  --no-peer    skip the numpy/scipy peer
  --only K     run only kernel K: price, greeks or iv (default all three)
  -h, --help   this text

Exit codes: 0 done, 1 an output check failed, 2 bad arguments.`;

interface Args {
  n: number;
  pairs: number;
  peer: boolean;
  only?: "price" | "greeks" | "iv";
}

function parseArgs(argv: string[]): Args {
  const a: Args = { n: 1_000_000, pairs: 7, peer: true };
  const fail = (msg: string): never => {
    console.error(`options_compare: ${msg} (see --help)`);
    Deno.exit(2);
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    if (k === "-h" || k === "--help") {
      console.log(USAGE);
      Deno.exit(0);
    } else if (k === "--no-peer") a.peer = false;
    else if (k === "--only") {
      const v = argv[++i];
      if (v !== "price" && v !== "greeks" && v !== "iv") {
        return fail(`--only must be price, greeks or iv, got ${v}`);
      }
      a.only = v;
    } else if (k === "--n" || k === "--pairs") {
      const v = Number(argv[++i]);
      if (k === "--n") {
        if (!Number.isInteger(v) || v < 2048 || v > 20_000_000) {
          fail(`--n must be an integer in 2048..20000000, got ${argv[i]}`);
        }
        a.n = v;
      } else {
        if (!Number.isInteger(v) || v < 1 || v > 50) {
          fail(`--pairs must be an integer in 1..50, got ${argv[i]}`);
        }
        a.pairs = v;
      }
    } else fail(`unknown option ${k}`);
  }
  return a;
}

function randomBatch(n: number, seed: number): { o: OptionColumns; vol: Float64Array } {
  const rng = new Rng(seed);
  const o = emptyOptionColumns(n);
  const vol = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    o.spot[i] = 100;
    o.strike[i] = 100 * Math.exp((rng.uniform() * 2 - 1) * Math.LN2); // K/S in 0.5..2
    o.t[i] = Math.exp(Math.log(1 / 365) + rng.uniform() * Math.log(5 * 365)); // 1 day..5 y
    o.rate[i] = -0.01 + 0.09 * rng.uniform();
    o.div[i] = -0.01 + 0.09 * rng.uniform();
    o.isCall[i] = rng.uniform() < 0.5 ? 1 : 0;
    vol[i] = Math.exp(Math.log(0.05) + rng.uniform() * Math.log(40)); // 0.05..2
  }
  return { o, vol };
}

/** CPU seconds (user + system) of this process spent in fn. */
function cpuOf(fn: () => void): number {
  const c0 = process.cpuUsage();
  fn();
  const u = process.cpuUsage(c0);
  return (u.user + u.system) / 1e6;
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
  const { n, pairs } = args;
  console.log(`load average at start: ${loadavg()}`);
  const { o, vol } = randomBatch(n, 1);
  const price = bsPrice(o, vol);
  const greeks: Greeks = bsGreeks(o, vol);
  const ivOut = new Float64Array(n);
  impliedVolWithSummary(o, price, { out: ivOut }); // warm-up

  let peer: PythonPeer | undefined;
  const dir = await Deno.makeTempDir({ prefix: "options_compare_" });
  let failed = false;
  try {
    if (args.peer) {
      try {
        await Deno.stat("/usr/bin/python3");
        const cols: [string, Float64Array | Uint8Array][] = [
          ["spot", o.spot],
          ["strike", o.strike],
          ["t", o.t],
          ["rate", o.rate],
          ["div", o.div],
          ["vol", vol],
          ["price", price],
          ["is_call", o.isCall],
        ];
        for (const [name, a] of cols) {
          await Deno.writeFile(
            `${dir}/${name}.bin`,
            new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
          );
        }
        peer = new PythonPeer(new URL("./options_peer.py", import.meta.url));
        const hello = await peer.ask(`load ${dir} ${n}`);
        console.log(`peer: /usr/bin/python3 numpy ${hello.numpy} scipy ${hello.scipy}`);
      } catch (e) {
        console.log(
          `peer skipped: /usr/bin/python3 with numpy and scipy not available (${
            (e as Error).message
          }); install python3-numpy python3-scipy`,
        );
        await peer?.close().catch(() => {});
        peer = undefined;
      }
    } else console.log("peer skipped (--no-peer)");

    const readPeer = async (name: string, parts: number) => {
      const b = await Deno.readFile(`${dir}/peer_${name}.bin`);
      const all = new Float64Array(b.buffer, b.byteOffset, b.byteLength / 8);
      return Array.from({ length: parts }, (_, j) => all.subarray(j * n, (j + 1) * n));
    };

    // memory floor: one pass over the bytes a kernel reads and writes (6 f64 + 1 u8 in)
    const floorNs = (outCols: number) => {
      const src = [o.spot, o.strike, o.t, o.rate, o.div, vol];
      const dst = src.map(() => new Float64Array(n));
      const outs = Array.from({ length: outCols }, () => new Float64Array(n));
      const calls = new Uint8Array(n);
      const once = () => {
        src.forEach((a, j) => dst[j]!.set(a));
        calls.set(o.isCall);
        for (const a of outs) a.set(vol);
      };
      once();
      const xs = [1, 2, 3].map(() => cpuOf(once));
      return (median(xs) * 1e9) / n;
    };
    const inCacheNs = (fn: (oc: OptionColumns, v: Float64Array) => void) => {
      const m = 2048;
      const sub = emptyOptionColumns(m);
      for (const k of ["spot", "strike", "t", "rate", "div", "isCall"] as const) {
        sub[k].set(o[k].subarray(0, m));
      }
      const v = vol.slice(0, m);
      const reps = Math.max(50, Math.round(n / m));
      fn(sub, v);
      const xs = [1, 2, 3].map(() =>
        cpuOf(() => {
          for (let r = 0; r < reps; r++) fn(sub, v);
        })
      );
      return (median(xs) * 1e9) / (reps * m);
    };

    const pOut = new Float64Array(n);
    const gOut: Greeks = {
      delta: new Float64Array(n),
      gamma: new Float64Array(n),
      vega: new Float64Array(n),
      theta: new Float64Array(n),
      rho: new Float64Array(n),
    };
    // in-cache runs write into reused arrays: a fresh 16 KB array per call costs an external
    // allocation and garbage collection (about 15 ns per option), which is not the kernel's cost
    const pCache = new Float64Array(2048);
    const gCache: Greeks = {
      delta: new Float64Array(2048),
      gamma: new Float64Array(2048),
      vega: new Float64Array(2048),
      theta: new Float64Array(2048),
      rho: new Float64Array(2048),
    };
    const kernels = [
      {
        name: "price",
        peerName: "numpy+scipy.ndtr",
        run: () => bsPrice(o, vol, { out: pOut }),
        cache: (oc: OptionColumns, v: Float64Array) => bsPrice(oc, v, { out: pCache }),
        outCols: 1,
        check: async () => {
          const [pp] = await readPeer("price", 1);
          let worst = 0;
          for (let i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(pOut[i]! - pp![i]!) / o.spot[i]!);
          }
          return {
            ok: worst <= 1e-12,
            text: `max |wb - peer| / spot = ${worst.toExponential(2)} (tolerance 1e-12)`,
          };
        },
      },
      {
        name: "greeks",
        peerName: "numpy+scipy.ndtr",
        run: () => bsGreeks(o, vol, { out: gOut }),
        cache: (oc: OptionColumns, v: Float64Array) => bsGreeks(oc, v, { out: gCache }),
        outCols: 5,
        check: async () => {
          const pg = await readPeer("greeks", 5);
          const names = ["delta", "gamma", "vega", "theta", "rho"] as const;
          const parts: string[] = [];
          let ok = true;
          names.forEach((k, j) => {
            let worst = 0;
            for (let i = 0; i < n; i++) {
              const S = o.spot[i]!;
              const scale = k === "delta" ? 1 : k === "gamma" ? 1 / S : S; // natural scale
              worst = Math.max(worst, Math.abs(gOut[k][i]! - pg[j]![i]!) / scale);
            }
            ok &&= worst <= 1e-11;
            parts.push(`${k} ${worst.toExponential(1)}`);
          });
          return {
            ok,
            text: `max |wb - peer| in natural scale: ${parts.join(", ")} (tolerance 1e-11)`,
          };
        },
      },
      {
        name: "impliedVol",
        peerName: "numpy Newton",
        run: () => impliedVolWithSummary(o, price, { out: ivOut }),
        cache: (oc: OptionColumns, v: Float64Array) => impliedVolWithSummary(oc, v),
        outCols: 1,
        check: async () => {
          const [piv] = await readPeer("iv", 1);
          bsGreeks(o, vol, { out: greeks });
          let compared = 0, peerNaN = 0, worst = 0, wbWorst = 0;
          for (let i = 0; i < n; i++) {
            if (!(piv![i]! > 0)) {
              peerNaN++;
              continue;
            }
            // rows where the price pins the vol down: vega * vol / price > 1e-3
            if (!(greeks.vega[i]! * vol[i]! > 1e-3 * price[i]! && price[i]! > 1e-300)) continue;
            compared++;
            wbWorst = Math.max(wbWorst, Math.abs(ivOut[i]! - vol[i]!) / vol[i]!);
            worst = Math.max(worst, Math.abs(ivOut[i]! - piv![i]!) / vol[i]!);
          }
          return {
            ok: worst <= 1e-8,
            text: `max |wb - peer| / vol = ${worst.toExponential(2)} on ${compared} rows with ` +
              `vega vol / price > 1e-3 (tolerance 1e-8); peer gave no vol on ${peerNaN} rows; ` +
              `workbench max |iv - true vol| / vol there = ${wbWorst.toExponential(2)}`,
          };
        },
      },
    ];
    // the input of impliedVol is bsPrice's output on the same batch
    const onlyName = { price: "price", greeks: "greeks", iv: "impliedVol" };
    for (const k of kernels) {
      if (args.only && onlyName[args.only] !== k.name) continue;
      const wb: number[] = [];
      const pe: number[] = [];
      let extra = "";
      k.run();
      if (peer) await peer.ask(k.name === "impliedVol" ? "iv" : k.name); // warm-up
      for (let p = 0; p < pairs; p++) {
        const wbFirst = p % 2 === 0;
        if (wbFirst) wb.push(cpuOf(k.run));
        if (peer) {
          const r = await peer.ask(k.name === "impliedVol" ? "iv" : k.name);
          pe.push(r.cpu_s as number);
          if (r.iterations !== undefined) extra = `, peer Newton passes ${r.iterations}`;
        }
        if (!wbFirst) wb.push(cpuOf(k.run));
      }
      const wbS = median(wb);
      const line = [
        `${k.name.padEnd(10)} ${n.toLocaleString("en-US")} options, median of ${pairs}:`,
        `workbench ${(wbS * 1e9 / n).toFixed(1)} ns/option = ${
          (n / wbS / 1e6).toFixed(2)
        } M/s per core`,
      ];
      if (peer) {
        const peS = median(pe);
        line.push(
          `| ${k.peerName} ${(peS * 1e9 / n).toFixed(1)} ns/option = ${
            (n / peS / 1e6).toFixed(2)
          } M/s` +
            ` | speed-up ${(peS / wbS).toFixed(2)}x${extra}`,
        );
      }
      console.log(line.join(" "));
      if (k.name === "impliedVol") {
        const m = 2048;
        const sub = emptyOptionColumns(m);
        for (const c of ["spot", "strike", "t", "rate", "div", "isCall"] as const) {
          sub[c].set(o[c].subarray(0, m));
        }
        const pr = price.slice(0, m);
        const reps = Math.max(50, Math.round(n / m / 4));
        const xs = [1, 2, 3].map(() =>
          cpuOf(() => {
            for (let r = 0; r < reps; r++) impliedVolWithSummary(sub, pr);
          })
        );
        console.log(
          `           in-cache (2048 rows repeated): ${
            (median(xs) * 1e9 / (reps * m)).toFixed(1)
          } ns/option`,
        );
      } else {
        console.log(
          `           in-cache (2048 rows repeated): ${inCacheNs(k.cache).toFixed(1)} ns/option; ` +
            `memory floor (copy of ${k.outCols === 1 ? 57 : 89} bytes/option): ${
              floorNs(k.outCols).toFixed(1)
            } ns/option`,
        );
      }
      if (peer) {
        const c = await k.check();
        console.log(`           outputs ${c.ok ? "equal" : "DIFFER"}: ${c.text}`);
        if (!c.ok) failed = true;
      }
    }
    // implied vol again on the rows the Newton peer solves (its friendliest domain), so the
    // comparison does not rest on rows where Newton gives up
    if (peer && (!args.only || args.only === "iv")) {
      const [piv] = await readPeer("iv", 1);
      const rows: number[] = [];
      for (let i = 0; i < n; i++) if (piv![i]! > 0) rows.push(i);
      const m = rows.length;
      const so = emptyOptionColumns(m);
      const sp = new Float64Array(m);
      rows.forEach((r, j) => {
        for (const c of ["spot", "strike", "t", "rate", "div", "isCall"] as const) {
          so[c][j] = o[c][r]!;
        }
        sp[j] = price[r]!;
      });
      const dir2 = `${dir}/solved`;
      await Deno.mkdir(dir2);
      const cols: [string, Float64Array | Uint8Array][] = [
        ["spot", so.spot],
        ["strike", so.strike],
        ["t", so.t],
        ["rate", so.rate],
        ["div", so.div],
        ["vol", sp],
        ["price", sp],
        ["is_call", so.isCall],
      ];
      for (const [name, a] of cols) {
        await Deno.writeFile(
          `${dir2}/${name}.bin`,
          new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
        );
      }
      await peer.ask(`load ${dir2} ${m}`);
      const out2 = new Float64Array(m);
      const run = () => impliedVolWithSummary(so, sp, { out: out2 });
      run();
      await peer.ask("iv");
      const wb: number[] = [];
      const pe: number[] = [];
      let passes = 0;
      for (let p = 0; p < pairs; p++) {
        if (p % 2 === 0) wb.push(cpuOf(run));
        const r = await peer.ask("iv");
        pe.push(r.cpu_s as number);
        passes = r.iterations as number;
        if (p % 2 === 1) wb.push(cpuOf(run));
      }
      const wbS = median(wb);
      const peS = median(pe);
      console.log(
        `impliedVol on the ${m.toLocaleString("en-US")} rows the peer solves: workbench ${
          (wbS * 1e9 / m).toFixed(1)
        } ns/option = ${(m / wbS / 1e6).toFixed(2)} M/s per core | numpy Newton ${
          (peS * 1e9 / m).toFixed(1)
        } ns/option = ${(m / peS / 1e6).toFixed(2)} M/s | speed-up ${
          (peS / wbS).toFixed(2)
        }x, peer Newton passes ${passes}`,
      );
      const b = await Deno.readFile(`${dir2}/peer_iv.bin`);
      const piv2 = new Float64Array(b.buffer, b.byteOffset, m);
      let worst = 0;
      let compared = 0;
      rows.forEach((r, j) => {
        if (!(greeks.vega[r]! * vol[r]! > 1e-3 * price[r]! && price[r]! > 1e-300)) return;
        if (!(piv2[j]! > 0)) return;
        compared++;
        worst = Math.max(worst, Math.abs(out2[j]! - piv2[j]!) / vol[r]!);
      });
      const ok = worst <= 1e-8;
      console.log(
        `           outputs ${ok ? "equal" : "DIFFER"}: max |wb - peer| / vol = ${
          worst.toExponential(2)
        } on ${compared} informative rows (tolerance 1e-8)`,
      );
      if (!ok) failed = true;
    }
  } finally {
    await peer?.close();
    await Deno.remove(dir, { recursive: true });
  }
  console.log(`load average at end: ${loadavg()}`);
  return failed ? 1 : 0;
}

if (import.meta.main) Deno.exit(await main());
