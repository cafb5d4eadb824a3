/**
 * The session generator's WebAssembly kernel against its JavaScript reference (issue 21).
 *
 * Run: `TZ=UTC deno run -A --frozen bench/sim_wasm.ts [--rounds N]` (default 3 rounds).
 *
 * Cases, each run js then wasm, interleaved for N rounds, outputs checked byte for byte equal,
 * figures the median CPU time (user + system of this process, one thread):
 * - spy: minute and day aggregates of 40 SPY-like sessions of 23,400 one-second steps;
 * - equities: day aggregates of 1000 sessions of 390 one-minute steps.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createHash } from "node:crypto";
import {
  intradayAggregates,
  type IntradaySpec,
  useIntradayEngine,
} from "../lib/sources/sim/_intraday.ts";
import { wasmFallbacks } from "../lib/sources/sim/_intraday_wasm.ts";

const HELP = "usage: deno run -A --frozen bench/sim_wasm.ts [--rounds N]";
let values: { rounds?: string; help?: boolean };
try {
  values = parseArgs({
    options: { rounds: { type: "string", default: "3" }, help: { type: "boolean", short: "h" } },
  }).values;
} catch (e) {
  console.error((e as Error).message);
  Deno.exit(2);
}
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`--rounds ${values.rounds}: need a positive integer`);
  Deno.exit(2);
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const spy: IntradaySpec = {
  openMs: Date.UTC(2024, 2, 28, 13, 30),
  steps: 23_400,
  stepMs: 1000,
  open: 520,
  close: 523,
  sdIntraday: 0.008,
  volume: 60e6,
  jumps: [],
  tradeSize: 180,
  minTrades: 4,
  lot: 100,
};
const eq: IntradaySpec = { ...spy, steps: 390, stepMs: 60_000, open: 41.3, close: 40.9 };

function run(spec: IntradaySpec, sessions: number, windowMs: number | undefined): string {
  const h = createHash("sha256");
  for (let i = 0; i < sessions; i++) {
    const a = intradayAggregates((i * 2654435761) >>> 0, spec, windowMs ? { windowMs } : {});
    for (const b of a.windows ? [a.day, a.windows] : [a.day]) {
      for (const c of [b.t, b.o, b.h, b.l, b.c, b.v, b.vw, b.n]) h.update(new Uint8Array(c.buffer));
    }
  }
  return h.digest("hex");
}

const cases = [
  { name: "spy 40 x 23,400 s", f: () => run(spy, 40, 60_000) },
  { name: "equities 1000 x 390 min", f: () => run(eq, 1000, undefined) },
];
for (const c of cases) {
  const t: Record<"js" | "wasm", number[]> = { js: [], wasm: [] };
  let digest = "";
  for (let r = 0; r < ROUNDS; r++) {
    for (const e of ["js", "wasm"] as const) {
      useIntradayEngine(e);
      const t0 = cpuMs();
      const d = c.f();
      t[e].push(cpuMs() - t0);
      if (digest && d !== digest) throw new Error(`${c.name}: ${e} output differs`);
      digest = d;
    }
  }
  const med = (a: number[]) => a.slice().sort((x, y) => x - y)[a.length >> 1]!;
  console.log(
    `${c.name}: js ${med(t.js).toFixed(0)} ms, wasm ${med(t.wasm).toFixed(0)} ms CPU, ` +
      `${(med(t.js) / med(t.wasm)).toFixed(2)}x, outputs equal`,
  );
}
console.log(`host exp/log fallbacks: ${wasmFallbacks()}`);
