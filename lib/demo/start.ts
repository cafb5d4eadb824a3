/**
 * The demo's first moments, on few modules: its windows, its simulated world, and the prefetch
 * workers generating the world's first sessions (lib/sources/sim/prefetch.ts), started before
 * the rest of the workbench (Polars, DuckDB, the lake, the backtests) is even loaded.
 *
 * `deno task demo` calls `startDemo` and then imports lib/demo/mod.ts: loading those modules
 * keeps the main thread busy for most of a second, during which the two workers already build
 * the world and generate the sessions every run needs first (the last 60 sessions' I:VIX day
 * bars with their SPY sessions: on a fresh lake the ingest's I:VIX step and the first of its
 * SPY sessions; on a rerun the options sleeve's last sessions). `runDemo` plans the rest once
 * it knows whether the lake is fresh (`Prefetch.extend`). Generation is deterministic and the
 * world adopts a prefetched session only if it has not generated it itself, so starting early
 * moves work in time and changes no output.
 *
 * @example
 * ```ts ignore
 * const started = startDemo({ seed: 42 });
 * const { runDemo } = await import("./mod.ts");
 * await runDemo({ seed: 42 }, started);
 * ```
 */
import process from "node:process";
import { generateWorld, type World } from "../sources/sim/world.ts";
import { NULL_EFFECTS, type WorldConfig } from "../sources/sim/config.ts";
import { type Prefetch, prefetchWorld } from "../sources/sim/prefetch.ts";
import { tradingDays } from "../time/mod.ts";

/** The last session of every demo world. */
export const DEMO_END = "2024-03-28";

/** Sessions of I:VIX day bars the demo ingests (the last ones of the window). */
export const DEMO_VIX_DAYS = 60;

/** Sessions of SPY second bars the demo ingests (the last ones of the window). */
export const DEMO_SECOND_DAYS = 2;

/** Sessions of the options sleeve (the last ones of the window). */
export const DEMO_SLEEVE_DAYS = 90;

/** The demo's windows: its first session, the n-th last one, and the starts of the SPY ingests. */
export interface DemoWindows {
  start: string;
  last: (n: number) => string;
  ingestStart: string;
  minuteStart: string;
}

/** What decides a demo's world and windows (see DemoOptions in demo.ts). */
export interface DemoWorldOptions {
  seed?: number;
  days?: number;
  equities?: number;
  nullWorld?: boolean;
  ingestDays?: number;
  minuteDays?: number;
}

/** A started demo: its world, windows and running prefetch. */
export interface DemoStart {
  /** `performance.now()` and process CPU seconds (user + system) when it started. */
  t0: number;
  cpu0: number;
  /** The options it was started with, defaults filled in. */
  seed: number;
  days: number;
  equities: number;
  nullWorld: boolean;
  windows: DemoWindows;
  /** The world's config and the world every step's server shares. */
  config: WorldConfig;
  world: World;
  /** Open: runDemo extends it with the rest of the plan, then seals it. */
  prefetch: Prefetch;
}

/** Process CPU seconds, user + system, every thread. */
export function processCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Build the demo's world and start generating its first sessions on worker threads. */
export function startDemo(options: DemoWorldOptions = {}): DemoStart {
  const t0 = performance.now(), cpu0 = processCpuSeconds();
  const seed = options.seed ?? 42;
  const days = options.days ?? 1000;
  const equities = options.equities ?? 10;
  const nullWorld = options.nullWorld ?? false;
  const sessions = tradingDays("2000-01-03", DEMO_END);
  const start = sessions[Math.max(0, sessions.length - days)]!;
  const last = (n: number) => sessions[sessions.length - n]!;
  // Daily history served over HTTP: SPY day bars are exact aggregations of simulated second
  // bars, so the ingest covers the last `ingestDays` sessions; the backtests read the whole world.
  const windows: DemoWindows = {
    start,
    last,
    ingestStart: last(Math.min(options.ingestDays ?? 250, days)),
    minuteStart: last(Math.min(options.minuteDays ?? 500, days)),
  };
  const config: WorldConfig = {
    seed,
    start,
    end: DEMO_END,
    equityCount: equities,
    ...(nullWorld ? { effects: NULL_EFFECTS } : {}),
  };
  // One world for every step's in-process server and for the ground truth: a session generated
  // once (its seconds, minutes and day bar) is not generated again by the next step's server or
  // by the options sleeve.
  const world = generateWorld(config);
  const first = world.days.filter((d) => d >= last(Math.min(DEMO_VIX_DAYS, days)));
  // The SPY second-bar step's sessions first (their seconds are otherwise generated on the main
  // thread when that step asks, while the workers hold the cores).
  const seconds = world.days.filter((d) => d >= last(Math.min(DEMO_SECOND_DAYS, days)));
  const prefetch = prefetchWorld(
    world,
    { spySeconds: seconds, vixDays: first, spySessions: first },
    {
      open: true,
    },
  );
  return { t0, cpu0, seed, days, equities, nullWorld, windows, config, world, prefetch };
}
