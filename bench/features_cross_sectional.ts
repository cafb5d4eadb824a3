/**
 * Cross-sectional features and per-date ranking, side by side with "today" and with pandas.
 * Run: `deno run -A bench/features_cross_sectional.ts [--rounds 5]`.
 *
 * Inputs: the seeded synthetic panel of bench/features_bench.ts (800 symbols x 3276 sessions,
 * 7 features). Each round times, interleaved and in this order:
 * 1. today's `crossSectionalFeatures` (ranked): the frozen copy of commit 63d01b7 in
 *    bench/features_cross_sectional_baseline.ts (native typed-array sort per date);
 * 2. the current `crossSectionalFeatures` (ranked) from lib/features;
 * 3. ranking only, today's `rankCrossSection` on the 7 raw features;
 * 4. ranking only, the current `rankCrossSection`;
 * 5. pandas 1.5 (Debian /usr/bin/python3) on the same 7 raw features in long format:
 *    `df.groupby("date")[cols].rank(method="average")` then (rank - 1) / (count - 1) (count from
 *    `groupby(...).transform("count")`, a lone value 0.5), the same convention as ours; pandas
 *    runs as one persistent child process that times each round with `time.process_time()`.
 * Figures are CPU milliseconds of the measuring process (user + system, `process.cpuUsage`);
 * every kernel is single threaded, so this is CPU time per core. Medians over the rounds are
 * printed with the 1-minute load average. Outputs are checked: current vs today features exactly
 * equal (same NaN positions), pandas ranks vs ours within 1e-12. pandas is skipped with a note
 * when /usr/bin/python3 or pandas is missing.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { Rng } from "../lib/core/mod.ts";
import {
  CROSS_SECTIONAL_FEATURES,
  crossSectionalFeatures,
  rankCrossSection,
} from "../lib/features/cross_sectional.ts";
import * as today from "./features_cross_sectional_baseline.ts";
import { tradingDays } from "../lib/time/mod.ts";

const USAGE = `usage: deno run -A bench/features_cross_sectional.ts [--rounds N]
  --rounds N   interleaved rounds (default 5)`;
const { values } = (() => {
  try {
    return parseArgs({
      args: Deno.args,
      options: { rounds: { type: "string", default: "5" }, help: { type: "boolean", short: "h" } },
    });
  } catch (e) {
    console.error((e as Error).message);
    Deno.exit(2);
  }
})();
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  console.error(`--rounds must be a positive integer, got ${values.rounds}`);
  Deno.exit(2);
}

const N_SYMBOLS = 800;
const dates = tradingDays("2010-11-01", "2023-12-29").slice(-3276);
const nT = dates.length;

function panel() {
  const rng = new Rng(42);
  const close = new Float64Array(nT * N_SYMBOLS);
  const volume = new Float64Array(nT * N_SYMBOLS);
  for (let s = 0; s < N_SYMBOLS; s++) {
    let lp = Math.log(20 + 80 * rng.uniform());
    const sigma = 0.01 + 0.02 * rng.uniform();
    for (let t = 0; t < nT; t++) {
      lp += sigma * rng.normal();
      close[t * N_SYMBOLS + s] = Math.exp(lp);
      volume[t * N_SYMBOLS + s] = 1e5 * (1 + 9 * rng.uniform());
    }
  }
  return { dates, symbols: Array.from({ length: N_SYMBOLS }, (_, i) => `S${i}`), close, volume };
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

function assertSame(a: Float64Array, b: Float64Array, what: string, tol = 0): void {
  if (a.length !== b.length) throw new Error(`${what}: lengths ${a.length} vs ${b.length}`);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!, y = b[i]!;
    if (Number.isNaN(x) !== Number.isNaN(y) || (!Number.isNaN(x) && Math.abs(x - y) > tol)) {
      throw new Error(`${what}: differs at ${i}: ${x} vs ${y}`);
    }
  }
}

const p = panel();
const raw = crossSectionalFeatures(p, { normalize: "none" });
const names = [...CROSS_SECTIONAL_FEATURES];

// pandas child: reads the raw features once, then ranks on every "go" line
const PY = `
import sys, time
try:
    import numpy as np, pandas as pd
except ImportError as e:
    print("SKIP " + str(e), flush=True); sys.exit(0)
path, nT, nS, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = np.fromfile(path, dtype=np.float64).reshape(k, nT * nS)
a = np.where(np.isfinite(a), a, np.nan)
cols = [f"f{j}" for j in range(k)]
df = pd.DataFrame({c: a[j] for j, c in enumerate(cols)})
df.insert(0, "date", np.repeat(np.arange(nT), nS))
print("READY pandas " + pd.__version__, flush=True)
for line in sys.stdin:
    cmd = line.strip()
    if cmd == "quit": break
    t = time.process_time()
    g = df.groupby("date")[cols]
    r = g.rank(method="average")
    n = g.transform("count")
    pct = (r - 1) / (n - 1)
    pct = pct.where(n != 1, 0.5).where(r.notna())
    ms = (time.process_time() - t) * 1000
    if cmd == "dump":
        pct.to_numpy().T.copy().tofile(path + ".ranks")
    print(f"{ms:.1f}", flush=True)
`;

class Pandas {
  #proc: Deno.ChildProcess;
  #lines: AsyncIterator<string>;
  #w: WritableStreamDefaultWriter<Uint8Array>;
  constructor(proc: Deno.ChildProcess) {
    this.#proc = proc;
    this.#lines = proc.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(lineSplitter())
      [Symbol.asyncIterator]();
    this.#w = proc.stdin.getWriter();
  }
  async next(): Promise<string> {
    const r = await this.#lines.next();
    if (r.done) throw new Error("pandas child ended early");
    return r.value;
  }
  async send(cmd: string): Promise<string> {
    await this.#w.write(new TextEncoder().encode(cmd + "\n"));
    return await this.next();
  }
  async close(): Promise<void> {
    await this.#w.write(new TextEncoder().encode("quit\n")).catch(() => {});
    await this.#w.close().catch(() => {});
    await this.#proc.status;
  }
}
function lineSplitter(): TransformStream<string, string> {
  let buf = "";
  return new TransformStream({
    transform(chunk, ctl) {
      buf += chunk;
      let i;
      while ((i = buf.indexOf("\n")) >= 0) {
        ctl.enqueue(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    },
  });
}

const dataPath = await Deno.makeTempFile({ prefix: "cs_bench_", suffix: ".f64" });
let pandas: Pandas | undefined;
let pandasNote = "";
try {
  const all = new Float64Array(names.length * nT * N_SYMBOLS);
  names.forEach((k, j) => all.set(raw[k], j * nT * N_SYMBOLS));
  await Deno.writeFile(dataPath, new Uint8Array(all.buffer));
  try {
    const proc = new Deno.Command("/usr/bin/python3", {
      args: ["-c", PY, dataPath, String(nT), String(N_SYMBOLS), String(names.length)],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const pd = new Pandas(proc);
    const hello = await pd.next();
    if (hello.startsWith("READY")) {
      pandas = pd;
      pandasNote = hello.slice(6);
    } else {
      pandasNote = `pandas skipped: ${hello}`;
      await pd.close();
    }
  } catch (e) {
    pandasNote = `pandas skipped: ${(e as Error).message}`;
  }

  // correctness first: current vs today (features), pandas vs ours (ranks)
  const featToday = today.crossSectionalFeatures(p, { normalize: "rank" });
  const featNow = crossSectionalFeatures(p, { normalize: "rank" });
  for (const k of names) assertSame(featNow[k], featToday[k], `features ${k} (current vs today)`);
  const rawToday = today.crossSectionalFeatures(p, { normalize: "none" });
  for (const k of names) assertSame(raw[k], rawToday[k], `raw ${k} (current vs today)`);
  if (pandas) {
    await pandas.send("dump");
    const pr = new Float64Array((await Deno.readFile(dataPath + ".ranks")).buffer);
    names.forEach((k, j) =>
      assertSame(
        featNow[k],
        pr.subarray(j * nT * N_SYMBOLS, (j + 1) * nT * N_SYMBOLS),
        `ranks ${k} (ours vs pandas)`,
        1e-12,
      )
    );
    await Deno.remove(dataPath + ".ranks");
  }
  console.log(
    `outputs checked: current features == today's, raw and ranked (exact, ${names.length} features x ${
      nT * N_SYMBOLS
    } cells)${pandas ? "; ranks == pandas groupby rank within 1e-12" : ""}`,
  );

  const t: Record<string, number[]> = {
    "features today": [],
    "features current": [],
    "rank today": [],
    "rank current": [],
    "rank pandas": [],
  };
  const loads: number[] = [];
  const time = (key: string, fn: () => void) => {
    const c = cpuMs();
    fn();
    t[key]!.push(cpuMs() - c);
  };
  for (let r = 0; r < rounds; r++) {
    loads.push(Deno.loadavg()[0]!);
    time("features today", () => today.crossSectionalFeatures(p, { normalize: "rank" }));
    time("features current", () => crossSectionalFeatures(p, { normalize: "rank" }));
    time("rank today", () => names.forEach((k) => today.rankCrossSection(raw[k], N_SYMBOLS)));
    time("rank current", () => names.forEach((k) => rankCrossSection(raw[k], N_SYMBOLS)));
    if (pandas) t["rank pandas"]!.push(Number(await pandas.send("go")));
  }
  const m = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length ? median(v) : NaN]));
  const row = (k: string, note = "") =>
    console.log(
      `${k.padEnd(18)} ${m[k]!.toFixed(0).padStart(6)} ms CPU  (rounds: ${
        t[k]!.map((v) => v.toFixed(0)).join(" ")
      })${note}`,
    );
  console.log(
    `\n${N_SYMBOLS} symbols x ${nT} dates x ${names.length} features, median of ${rounds} interleaved rounds, load average ${
      loads.map((v) => v.toFixed(1)).join(" ")
    } on ${navigator.hardwareConcurrency} cores`,
  );
  row("features today");
  row(
    "features current",
    `  -> ${(m["features today"]! / m["features current"]!).toFixed(2)}x today`,
  );
  row("rank today");
  row("rank current", `  -> ${(m["rank today"]! / m["rank current"]!).toFixed(2)}x today`);
  if (pandas) {
    row(
      "rank pandas",
      `  -> current is ${
        (m["rank pandas"]! / m["rank current"]!).toFixed(2)
      }x pandas ${pandasNote}`,
    );
  } else console.log(`rank pandas: ${pandasNote}`);
} finally {
  await pandas?.close();
  await Deno.remove(dataPath).catch(() => {});
}
