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
  /** Sessions whose I:VIX day bar to generate first (with their SPY minutes). @default [] */
  vixDays?: string[];
  /** SPY sessions whose minute and day bars to generate (in order). @default [] */
  spySessions?: string[];
  /** Equities whose day bars over the served sessions to generate (after SPY). @default [] */
  equities?: string[];
}

/** A running prefetch. */
export interface Prefetch {
  /** Resolves when the worker has delivered everything (or was stopped). */
  done: Promise<PrefetchCounts>;
  /** End the worker now. */
  stop(): void;
}

/** What a prefetch delivered (and the world took). */
export interface PrefetchCounts {
  vixDays: number;
  spySessions: number;
  equities: number;
}

/** Messages from the worker. */
export type PrefetchMessage =
  | { kind: "vix"; date: string; day: PackedBars }
  | { kind: "spy"; date: string; minutes: PackedBars; day: PackedBars }
  | { kind: "equity"; ticker: string; bars: PackedBars; state: Uint8Array }
  | { kind: "done" }
  | { kind: "error"; message: string };

/** Start generating `plan` for `world` on a worker thread. */
export function prefetchWorld(world: World, plan: PrefetchPlan): Prefetch {
  const counts: PrefetchCounts = { vixDays: 0, spySessions: 0, equities: 0 };
  let worker: Worker;
  try {
    worker = new Worker(new URL("./_prefetch_worker.ts", import.meta.url), { type: "module" });
  } catch {
    // No worker here (e.g. no read permission for its module): the world generates everything.
    return { done: Promise.resolve(counts), stop: () => {} };
  }
  let finished = false;
  let resolve!: (v: PrefetchCounts) => void;
  const done = new Promise<PrefetchCounts>((r) => resolve = r);
  const finish = () => {
    if (finished) return;
    finished = true;
    worker.terminate();
    resolve(counts);
  };
  worker.onmessage = (e: MessageEvent<PrefetchMessage>) => {
    const m = e.data;
    if (m.kind === "vix") {
      if (world.adoptVixDayBar(m.date, m.day)) counts.vixDays++;
    } else if (m.kind === "spy") {
      if (world.spy.adopt(m.date, m.minutes, m.day)) counts.spySessions++;
    } else if (m.kind === "equity") {
      world.adoptEquityDayBars(m.ticker, m.bars, m.state);
      counts.equities++;
    } else finish(); // done, or an error: the world generates what it needs itself
  };
  worker.onerror = (e) => {
    e.preventDefault();
    finish();
  };
  worker.postMessage({
    config: world.config,
    vixDays: plan.vixDays ?? [],
    spySessions: plan.spySessions ?? [],
    equities: plan.equities ?? [],
  });
  return { done, stop: finish };
}
