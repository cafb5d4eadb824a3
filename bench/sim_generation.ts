/**
 * The simulated market's session generation, old against new in the same run (issue 21: "the
 * demo's simulated-market generation at least 3x faster").
 *
 * Run: `TZ=UTC deno run -A --frozen bench/sim_generation.ts [--rounds N]` (default 3 rounds).
 *
 * Cases, each run old then new, interleaved for N rounds, outputs checked bit for bit equal,
 * figures the median CPU time (user + system of this process, one thread):
 * - generator: 40 sessions of SPY second bars (23,400 steps each), the frozen baseline
 *   (bench/sim_generation_baseline.ts: one Rng.normal() call per draw, fresh arrays) against
 *   lib/sources/sim/_intraday.ts (bulk draws, inlined rounding);
 * - demo pattern: what the demo's ingest asks of SPY (the day bars of the last 250 sessions, the
 *   minute bars of the last 60 for I:VIX's day bars, the minute bars of the last 500, the second
 *   bars of the last 2), through the old caching (seconds LRU 6, minutes 64, a minute or day bar
 *   generating its session again when the seconds were evicted) against SpyBars today (every
 *   generation keeps the session's minute and day bars).
 * The world is the demo's (seed 42, 1000 sessions to 2024-03-28).
 */
import process from "node:process";
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { generateWorld } from "../lib/sources/sim/mod.ts";
import type { Bars } from "../lib/sources/sim/bars.ts";
import { intradayBars } from "../lib/sources/sim/_intraday.ts";
import { sessionBounds } from "../lib/sources/sim/_calendar.ts";
import { etMidnightMs, SpyBars } from "../lib/sources/sim/spy.ts";
import { TRADING_DAYS_PER_YEAR } from "../lib/core/constants.ts";
import { baselineIntradayBars, BaselineSpyBars } from "./sim_generation_baseline.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) {
  console.error(`--rounds ${values.rounds}: need a positive integer`);
  Deno.exit(2);
}

const world = generateWorld({ seed: 42, start: "2020-04-08", end: "2024-03-28", equityCount: 10 });
const days = world.days;
const daily = world.spy.daily;

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function digest(parts: (Bars | undefined)[]): string {
  const h = createHash("sha256");
  for (const b of parts) {
    if (!b) {
      h.update("none");
      continue;
    }
    for (const k of ["t", "o", "h", "l", "c", "v", "vw", "n"] as const) {
      h.update(new Uint8Array(b[k].buffer, b[k].byteOffset, b[k].byteLength));
    }
  }
  return h.digest("hex");
}

function spySpec(date: string) {
  const i = world.dayIndex(date)!;
  const b = sessionBounds(date)!;
  return {
    openMs: b.open.getTime(),
    steps: (b.close.getTime() - b.open.getTime()) / 1000,
    stepMs: 1000,
    open: daily.open[i]!,
    close: daily.close[i]!,
    sdIntraday: daily.sigma[i]! / Math.sqrt(TRADING_DAYS_PER_YEAR) * Math.sqrt(0.8),
    volume: daily.volume[i]!,
    jumps: daily.jumps[i]!,
    tradeSize: 180,
    minTrades: 4,
    lot: 100,
  };
}

const genDays = days.slice(-40);
function generatorOld(): string {
  const h = createHash("sha256");
  for (const d of genDays) {
    h.update(digest([baselineIntradayBars(world.rng.fork(`spy:${d}`), spySpec(d))]));
  }
  return h.digest("hex");
}
function generatorNew(): string {
  const h = createHash("sha256");
  for (const d of genDays) {
    h.update(digest([intradayBars(world.rng.fork(`spy:${d}`).seed, spySpec(d))]));
  }
  return h.digest("hex");
}

const last = (n: number) => days.slice(-n);
function demoPattern(spy: {
  secondBars(d: string): Bars | undefined;
  minuteBars(d: string): Bars | undefined;
  dayBar(d: string): Bars | undefined;
}): string {
  const out: (Bars | undefined)[] = [];
  for (const d of last(250)) out.push(spy.dayBar(d));
  for (const d of last(60)) out.push(spy.minuteBars(d));
  for (const d of last(500)) out.push(spy.minuteBars(d));
  for (const d of last(2)) out.push(spy.secondBars(d));
  return digest(out);
}
function patternOld(): { digest: string; sessions: number } {
  const spy = new BaselineSpyBars(world.rng, daily);
  const r = demoPattern({
    secondBars: (d) => spy.secondBars(d),
    minuteBars: (d) => spy.minuteBars(d),
    dayBar: (d) => spy.dayBar(d, etMidnightMs(d)),
  });
  return { digest: r, sessions: spy.generated };
}
function patternNew(): { digest: string; sessions: number } {
  const spy = new SpyBars(world.rng, daily);
  const r = demoPattern(spy);
  return { digest: r, sessions: spy.sessionsGenerated };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
function compare<T>(name: string, unit: string, units: number, oldFn: () => T, newFn: () => T) {
  const tOld: number[] = [], tNew: number[] = [];
  let rOld: T | undefined, rNew: T | undefined;
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = cpuMs();
    rOld = oldFn();
    tOld.push(cpuMs() - t0);
    t0 = cpuMs();
    rNew = newFn();
    tNew.push(cpuMs() - t0);
  }
  const key = (r: T | undefined) =>
    JSON.stringify(typeof r === "object" && r !== null && "digest" in r ? r.digest : r);
  const same = key(rOld) === key(rNew);
  const [o, n] = [median(tOld), median(tNew)];
  console.log(
    `${name}: old ${o.toFixed(0)} ms, new ${n.toFixed(0)} ms CPU (median of ${ROUNDS}), ` +
      `${(o / n).toFixed(2)}x; ${(units / (n / 1000) / 1e6).toFixed(2)} M ${unit}/s new; ` +
      `outputs ${same ? "identical" : "DIFFERENT"}` +
      (same ? "" : `\n  old ${JSON.stringify(rOld)}\n  new ${JSON.stringify(rNew)}`),
  );
  return same;
}

const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
console.log(`sim generation, old vs new; load average ${load}; ${ROUNDS} rounds`);
const steps = genDays.reduce((s, d) => s + spySpec(d).steps, 0);
const ok1 = compare(
  "generator, 40 SPY sessions of seconds",
  "bars",
  steps,
  generatorOld,
  generatorNew,
);
const ok2 = compare(
  "demo pattern on SPY (250 day bars, 60 + 500 minute sessions, 2 second sessions)",
  "session-requests",
  812,
  patternOld,
  patternNew,
);
{
  const o = patternOld().sessions, n = patternNew().sessions;
  console.log(`  sessions generated by the demo pattern: old ${o}, new ${n}`);
}
if (!(ok1 && ok2)) Deno.exit(1);
