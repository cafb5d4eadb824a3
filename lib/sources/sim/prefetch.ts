/**
 * Generate a world's SPY sessions and equity day bars ahead of need, on another thread.
 *
 * `prefetchWorld(world, plan)` starts a Worker that builds the same world (its resolved config:
 * the same data, bit for bit) and generates, in the plan's order, the minute and day bars of the
 * given SPY sessions and the day bars of the given equities; each result is handed to `world`'s
 * caches as it arrives (`SpyBars.adopt`, `World.adoptEquityDayBars`), unless the world already
 * generated it itself. Nothing waits for the worker: a request for a session not yet delivered is
 * generated on the spot as without prefetching, so outputs are the same either way and only the
 * work moves to the other core. Call `stop()` when done (it ends the worker).
 *
 * @example
 * ```ts
 * const world = generateWorld({ seed: 42, start: "2020-04-08", end: "2024-03-28" });
 * const pre = prefetchWorld(world, { spySessions: world.days.slice(-500), equities: ["ABC"] });
 * // ... serve requests from `world` ...
 * pre.stop();
 * ```
 */
import type { World } from "./world.ts";
import type { PackedBars } from "./bars.ts";

/** What to generate ahead, in this order. */
export interface PrefetchPlan {
  /** SPY sessions whose minute and day bars to generate (in order). @default [] */
  spySessions?: string[];
  /** Equities whose day bars over the served sessions to generate (after SPY). @default [] */
  equities?: string[];
}

/** A running prefetch. */
export interface Prefetch {
  /** Resolves when the worker has delivered everything (or was stopped). */
  done: Promise<{ spySessions: number; equities: number }>;
  /** End the worker now. */
  stop(): void;
}

/** Messages from the worker. */
export type PrefetchMessage =
  | { kind: "spy"; date: string; minutes: PackedBars; day: PackedBars }
  | { kind: "equity"; ticker: string; bars: PackedBars; state: Uint8Array }
  | { kind: "done" }
  | { kind: "error"; message: string };

/** Start generating `plan` for `world` on a worker thread. */
export function prefetchWorld(world: World, plan: PrefetchPlan): Prefetch {
  const worker = new Worker(new URL("./_prefetch_worker.ts", import.meta.url), { type: "module" });
  let spy = 0, eq = 0, finished = false;
  let resolve!: (v: { spySessions: number; equities: number }) => void;
  const done = new Promise<{ spySessions: number; equities: number }>((r) => resolve = r);
  const finish = () => {
    if (finished) return;
    finished = true;
    worker.terminate();
    resolve({ spySessions: spy, equities: eq });
  };
  worker.onmessage = (e: MessageEvent<PrefetchMessage>) => {
    const m = e.data;
    if (m.kind === "spy") {
      if (world.spy.adopt(m.date, m.minutes, m.day)) spy++;
    } else if (m.kind === "equity") {
      world.adoptEquityDayBars(m.ticker, m.bars, m.state);
      eq++;
    } else finish(); // done, or an error: the world generates what it needs itself
  };
  worker.onerror = (e) => {
    e.preventDefault();
    finish();
  };
  worker.postMessage({
    config: world.config,
    spySessions: plan.spySessions ?? [],
    equities: plan.equities ?? [],
  });
  return { done, stop: finish };
}
