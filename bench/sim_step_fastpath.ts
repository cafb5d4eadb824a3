/**
 * The session generator (lib/sources/sim/_intraday.ts) before and after its step loop's certified
 * fast path and Math.round replacement (issue 21): single-thread CPU per SPY session (23,400
 * second steps, intradayBars), interleaved rounds, medians.
 *
 * Run: `TZ=UTC deno run -A --frozen bench/sim_step_fastpath.ts [--rounds N] [--before FILE]`
 * (default 7 rounds, after two untimed warm-up rounds, the order alternating). `--before` names
 * a copy of _intraday.ts from before the change, e.g.
 * `git show 6d63493:lib/sources/sim/_intraday.ts | sed 's#"\./#"/abs/path/lib/sources/sim/#'`
 * (its two imports made absolute); without it the bench times the current generator alone. Each
 * round generates the same 20 sessions with each version; their bars must be bit for bit equal
 * (exit 1 otherwise).
 */
import process from "node:process";
import { parseArgs } from "node:util";
import type { Bars } from "../lib/sources/sim/bars.ts";
import { intradayBars, type IntradaySpec } from "../lib/sources/sim/_intraday.ts";

const HELP = "usage: deno run -A bench/sim_step_fastpath.ts [--rounds N] [--before FILE]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      rounds: { type: "string", default: "7" },
      before: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  }));
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
type Gen = (seed: number, spec: IntradaySpec, into?: Bars) => Bars;
const before: Gen | undefined = values.before
  ? (await import(new URL(values.before, `file://${Deno.cwd()}/`).href)).intradayBars
  : undefined;

const SESSIONS = 20;
const specs: IntradaySpec[] = [];
for (let i = 0; i < SESSIONS; i++) {
  specs.push({
    openMs: Date.UTC(2024, 2, 28, 13, 30),
    steps: 23_400,
    stepMs: 1000,
    open: 520 + i,
    close: 520 + i * 1.01 + 0.37,
    sdIntraday: 0.006 + 0.0003 * i,
    volume: 60e6,
    jumps: i % 4 === 0 ? [0.004] : [],
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
  });
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function run(gen: Gen): { ms: number; bars: Bars[] } {
  const bars: Bars[] = [];
  const t0 = cpuMs();
  for (let i = 0; i < SESSIONS; i++) bars.push(gen(1000 + i, specs[i]!));
  return { ms: (cpuMs() - t0) / SESSIONS, bars };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const tB: number[] = [], tA: number[] = [];
let same = true;
// Two untimed warm-up rounds (JIT), then timed rounds, the order alternating round to round.
for (let r = 0; r < 2; r++) (run(intradayBars), before && run(before));
for (let r = 0; r < ROUNDS; r++) {
  const first = r % 2 === 0;
  const b = before && first ? run(before) : undefined;
  const a = run(intradayBars);
  tA.push(a.ms);
  const b2 = before && !first ? run(before) : b;
  if (b2) {
    tB.push(b2.ms);
    for (let i = 0; i < SESSIONS; i++) {
      for (const k of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) {
        const x = a.bars[i]![k], y = b2.bars[i]![k];
        for (let j = 0; j < x.length; j++) if (!Object.is(x[j], y[j])) same = false;
      }
    }
  }
}
const f = (xs: number[]) =>
  `${median(xs).toFixed(3)} ms (${xs.map((x) => x.toFixed(2)).join(" ")})`;
console.log(`CPU per SPY session (23,400 steps), median of ${ROUNDS} interleaved rounds`);
if (before) console.log(`  before: ${f(tB)}`);
console.log(`  after:  ${f(tA)}`);
if (before) {
  // The host is noisy: also the median of the per-round ratios (same round, back to back).
  const paired = median(tB.map((b, i) => b / tA[i]!));
  console.log(
    `  speedup ${(median(tB) / median(tA)).toFixed(3)}x (medians), ${paired.toFixed(3)}x ` +
      `(median of per-round ratios); bars ${same ? "identical" : "DIFFERENT"}`,
  );
  if (!same) Deno.exit(1);
}
