/**
 * Generate a world's SPY sessions and equity day bars ahead of need, on other threads.
 *
 * `prefetchWorld(world, plan)` starts Workers (two by default) that each build the same world
 * (its resolved config: the same data, bit for bit) and share the plan's items, handed out in
 * the plan's order to whichever worker is free (SPY sessions of second bars first, then I:VIX
 * day bars, each with its SPY session, then the other SPY sessions' minute and day bars, then
 * each equity's day bars); each result is handed to `world`'s caches as it arrives
 * (`SpyBars.adoptSeconds`, `SpyBars.adopt`, `World.adoptEquityDayBars`), unless
 * the world already generated it itself. Nothing waits for the workers: a request for a session
 * not yet delivered is generated on the spot as without prefetching, so outputs are the same
 * either way and only the work moves to the other cores. Call `stop()` when done (it ends the
 * workers). Cost: each worker builds the world once (a few ms to 100 ms).
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
  /**
   * SPY sessions whose second bars to generate first (with their minute and day bars, taken
   * from the seconds). @default []
   */
  spySeconds?: string[];
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
  /**
   * Plan more, after what is planned already (an open prefetch, `{ open: true }`): items already
   * planned are skipped, a session planned as an I:VIX day with its SPY session is not planned
   * again as a SPY session. False (and nothing planned) once the prefetch has finished.
   */
  extend(plan: PrefetchPlan): boolean;
  /** Nothing more will be planned: `done` resolves when the planned items are delivered. */
  seal(): void;
}

/** What a prefetch delivered (and the world took). */
export interface PrefetchCounts {
  /** Sessions of SPY second bars taken. */
  spySeconds: number;
  vixDays: number;
  spySessions: number;
  equities: number;
}

/** One piece of work handed to a worker. */
export type PrefetchItem =
  | { kind: "vix"; date: string; spy: boolean }
  | { kind: "spy"; date: string }
  | { kind: "spy-seconds"; date: string }
  | { kind: "equity"; ticker: string };

/** Messages to a worker: its world's config once, then items to generate. */
export type PrefetchRequest =
  | { kind: "config"; config: World["config"] }
  | { kind: "item"; item: PrefetchItem };

/** Messages from the worker; every item ends with "item-done". */
export type PrefetchMessage =
  | { kind: "vix"; date: string; day: PackedBars }
  | { kind: "spy"; date: string; minutes: PackedBars; day: PackedBars }
  | { kind: "spy-seconds"; date: string; seconds: PackedBars }
  | { kind: "equity"; ticker: string; bars: PackedBars; state: Uint8Array }
  | { kind: "item-done" }
  | { kind: "error"; message: string };

/** Items per worker waiting in its queue, so it never idles between two. */
const IN_FLIGHT = 2;

/**
 * Start generating `plan` for `world` on `workers` worker threads (default 2). The plan's items
 * (each I:VIX day, with its SPY session when that is also planned; each SPY session; each
 * equity) are handed out in order, a new one to whichever worker finishes one, so the threads
 * share the work evenly and results arrive roughly in the plan's order.
 *
 * `open: true` starts with a first part of the plan (possibly empty) while the rest is not known
 * yet: the workers build the world and generate that part, `extend` adds more, and the prefetch
 * finishes only after `seal()` (or `stop()`). Without it the plan is complete and sealed.
 */
export function prefetchWorld(
  world: World,
  plan: PrefetchPlan,
  options: { workers?: number; open?: boolean } = {},
): Prefetch {
  const counts: PrefetchCounts = { spySeconds: 0, vixDays: 0, spySessions: 0, equities: 0 };
  const items: PrefetchItem[] = [];
  const planned = new Set<string>();
  const add = (p: PrefetchPlan) => {
    const spyPlanned = new Set(p.spySessions ?? []);
    const take = (key: string, item: PrefetchItem) => {
      if (planned.has(key)) return;
      planned.add(key);
      items.push(item);
    };
    // A session whose seconds are planned has its minutes and day bar from them: no SPY item.
    for (const date of p.spySeconds ?? []) {
      take(`seconds:${date}`, { kind: "spy-seconds", date });
      planned.add(`spy:${date}`);
    }
    for (const date of p.vixDays ?? []) {
      const spy = spyPlanned.has(date) && !planned.has(`spy:${date}`);
      take(`vix:${date}`, { kind: "vix", date, spy });
      if (spy) planned.add(`spy:${date}`);
    }
    for (const date of p.spySessions ?? []) take(`spy:${date}`, { kind: "spy", date });
    for (const ticker of p.equities ?? []) take(`equity:${ticker}`, { kind: "equity", ticker });
  };
  add(plan);
  let sealed = !options.open;
  const n = Math.max(1, Math.min(options.workers ?? 2, sealed ? items.length : Infinity));
  const workers: Worker[] = [];
  try {
    for (let i = 0; i < n; i++) {
      workers.push(
        new Worker(new URL("./_prefetch_worker.ts", import.meta.url), { type: "module" }),
      );
    }
  } catch {
    // No worker here (e.g. no read permission for its module): the world generates everything.
    for (const w of workers) w.terminate();
    return { done: Promise.resolve(counts), stop: () => {}, extend: () => false, seal: () => {} };
  }
  let finished = false;
  let next = 0, pending = 0;
  let resolve!: (v: PrefetchCounts) => void;
  const done = new Promise<PrefetchCounts>((r) => resolve = r);
  const finish = () => {
    if (finished) return;
    finished = true;
    for (const w of workers) w.terminate();
    resolve(counts);
  };
  const post = (w: Worker, m: PrefetchRequest) => w.postMessage(m);
  // Items sent to each worker and not done yet.
  const inFlight = new Map<Worker, number>();
  const feed = (w: Worker) => {
    if (finished) return;
    if (next < items.length) {
      pending++;
      inFlight.set(w, (inFlight.get(w) ?? 0) + 1);
      post(w, { kind: "item", item: items[next++]! });
    } else if (pending === 0 && sealed) finish();
  };
  // Keep every worker's queue IN_FLIGHT deep, so it never idles between two items.
  const topUp = () => {
    for (let k = 0; k < IN_FLIGHT; k++) {
      for (const w of workers) if ((inFlight.get(w) ?? 0) <= k) feed(w);
    }
  };
  for (const w of workers) {
    w.onmessage = (e: MessageEvent<PrefetchMessage>) => {
      const m = e.data;
      if (m.kind === "vix") {
        if (world.adoptVixDayBar(m.date, m.day)) counts.vixDays++;
      } else if (m.kind === "spy") {
        if (world.spy.adopt(m.date, m.minutes, m.day)) counts.spySessions++;
      } else if (m.kind === "spy-seconds") {
        if (world.spy.adoptSeconds(m.date, m.seconds)) counts.spySeconds++;
      } else if (m.kind === "equity") {
        world.adoptEquityDayBars(m.ticker, m.bars, m.state);
        counts.equities++;
      } else if (m.kind === "item-done") {
        pending--;
        inFlight.set(w, inFlight.get(w)! - 1);
        feed(w);
      } else finish(); // an error: the world generates what it needs itself
    };
    w.onerror = (e) => {
      e.preventDefault();
      finish();
    };
    post(w, { kind: "config", config: world.config });
  }
  if (items.length === 0 && sealed) finish();
  topUp();
  return {
    done,
    stop: finish,
    extend(p) {
      if (finished) return false;
      add(p);
      topUp();
      return true;
    },
    seal() {
      sealed = true;
      if (!finished && next >= items.length && pending === 0) finish();
    },
  };
}
