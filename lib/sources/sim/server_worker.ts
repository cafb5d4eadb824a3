/**
 * The simulated market's server on its own Worker thread.
 *
 * `startSimServerWorker(options)` starts a Worker that builds the world from its serialisable
 * config (`generateWorld(config)`: the same data, bit for bit, as a world built here from the
 * same config), starts `startSimServer` with that world on a loopback port and, given a prefetch
 * plan (the shape of `prefetchWorld`'s), runs `prefetchWorld` on that world inside the worker
 * (its two generator threads are spawned from the server's thread). Clients here point at
 * `baseUrl`; the request handling (routing, JSON building, Deno.serve's dispatch) and whatever
 * the server generates itself then run off this thread, which only fetches.
 *
 * The server's world is not this thread's: `spySessions(dates)` asks the worker for those SPY
 * sessions' minute and day bars (packed as prefetch.ts posts them) for a world here to
 * `spy.adopt`. `prefetchDone()` gives what the prefetch delivered and how many SPY sessions the
 * server's world generated itself. Any error in the worker rejects the pending calls with the
 * worker's message; after the worker died, every call rejects. `close()` ends the server and
 * the worker (idempotent).
 *
 * @example
 * ```ts
 * const config = { seed: 42, start: "2024-01-02", end: "2024-03-28", equityCount: 5 };
 * const sim = await startSimServerWorker({ config, plan: { spySessions: ["2024-03-28"] } });
 * try {
 *   // ... clients against sim.baseUrl ...
 *   const counts = await sim.prefetchDone();
 *   const here = generateWorld(config);
 *   for (const s of await sim.spySessions(["2024-03-28"])) here.spy.adopt(s.date, s.minutes, s.day);
 * } finally {
 *   await sim.close();
 * }
 * ```
 */
import type { PackedBars } from "./bars.ts";
import type { WorldConfig } from "./config.ts";
import type { PrefetchCounts, PrefetchPlan } from "./prefetch.ts";
import type { SimServerOptions } from "./server.ts";

/** Server options that can cross to the worker (no world instance). */
export type SimServerWorkerServerOptions = Omit<
  SimServerOptions,
  "worldInstance" | "world" | "seed"
>;

/** Options of {@link startSimServerWorker}. */
export interface SimServerWorkerOptions {
  /** The world's configuration (serialisable: it is posted to the worker). */
  config: WorldConfig;
  /** Seed (overrides `config.seed`). @default config.seed, else 1 */
  seed?: number;
  /** What the worker's prefetch generates ahead, as `prefetchWorld`'s plan. @default none */
  plan?: PrefetchPlan;
  /** Prefetch worker threads. @default 2 */
  workers?: number;
  /** Further server options (port, faults, keys, pacing, now, WebSocket replay). */
  server?: SimServerWorkerServerOptions;
}

/** What the worker's prefetch delivered, and what its server's world generated itself. */
export interface ServerWorkerCounts extends PrefetchCounts {
  /** SPY sessions the server's world generated on the server's thread (not prefetched). */
  spySessionsGeneratedByServer: number;
}

/** One SPY session's bars, packed. */
export interface SpySession {
  date: string;
  minutes: PackedBars;
  day: PackedBars;
}

/** A simulated market served from a Worker. */
export interface SimServerWorker {
  baseUrl: string;
  /**
   * The prefetch's counts once it has delivered everything (`stop: true` ends it first, keeping
   * what was delivered), with the server world's own SPY session count at that moment.
   */
  prefetchDone(options?: { stop?: boolean }): Promise<ServerWorkerCounts>;
  /** Minute and day bars of these SPY sessions from the server's world (generated if needed). */
  spySessions(dates: string[]): Promise<SpySession[]>;
  /** End the server and the worker. */
  close(): Promise<void>;
  /** Tests only: make the worker throw an uncaught error (it dies). */
  crashForTest(message: string): void;
}

/** Messages to the worker; each carries an id its answer repeats. */
export type ServerWorkerRequest =
  | {
    kind: "start";
    id: number;
    config: WorldConfig;
    seed?: number;
    plan?: PrefetchPlan;
    workers?: number;
    server?: SimServerWorkerServerOptions;
  }
  | { kind: "counts"; id: number; stop: boolean }
  | { kind: "spy"; id: number; dates: string[] }
  | { kind: "close"; id: number }
  | { kind: "fail"; id: number; message: string };

/** Messages from the worker. */
export type ServerWorkerMessage =
  | { kind: "ready"; id: number; baseUrl: string }
  | { kind: "counts"; id: number; counts: ServerWorkerCounts }
  | { kind: "spy"; id: number; sessions: SpySession[] }
  | { kind: "closed"; id: number }
  | { kind: "error"; id: number; message: string };

/** How long close() waits for the server to finish before ending the worker anyway. */
const CLOSE_WAIT_MS = 5_000;

/** Start the simulated market's server on a Worker; resolves when it listens. */
export async function startSimServerWorker(
  options: SimServerWorkerOptions,
): Promise<SimServerWorker> {
  const worker = new Worker(new URL("./_server_worker.ts", import.meta.url), { type: "module" });
  const pending = new Map<
    number,
    { resolve: (m: ServerWorkerMessage) => void; reject: (e: Error) => void }
  >();
  let nextId = 1;
  let dead: Error | undefined;
  let closed = false;
  const die = (e: Error) => {
    if (dead) return;
    dead = e;
    worker.terminate();
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.onmessage = (e: MessageEvent<ServerWorkerMessage>) => {
    const m = e.data;
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.kind === "error") p.reject(new Error(m.message));
    else p.resolve(m);
  };
  worker.onerror = (e: ErrorEvent) => {
    e.preventDefault();
    die(new Error(`simulated market worker died: ${e.message}`));
  };
  worker.onmessageerror = () =>
    die(new Error("simulated market worker: a message could not be read"));
  // deno-lint-ignore no-explicit-any
  const request = <K extends ServerWorkerMessage["kind"]>(m: any): Promise<
    Extract<ServerWorkerMessage, { kind: K }>
  > => {
    if (dead) return Promise.reject(dead);
    if (closed && m.kind !== "close") {
      return Promise.reject(new Error("simulated market worker: closed"));
    }
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (m: ServerWorkerMessage) => void, reject });
      try {
        worker.postMessage({ ...m, id });
      } catch (e) {
        pending.delete(id);
        reject(e);
      }
    });
  };
  let ready;
  try {
    ready = await request<"ready">({
      kind: "start",
      config: options.config,
      seed: options.seed,
      plan: options.plan,
      workers: options.workers,
      server: options.server,
    });
  } catch (e) {
    die(e as Error);
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    baseUrl: ready.baseUrl,
    prefetchDone: async (o = {}) =>
      (await request<"counts">({ kind: "counts", stop: o.stop ?? false })).counts,
    spySessions: async (dates) => (await request<"spy">({ kind: "spy", dates })).sessions,
    close() {
      if (!closing) {
        const answer = request<"closed">({ kind: "close" });
        closed = true;
        let timer: ReturnType<typeof setTimeout> | undefined;
        const timeout = new Promise<void>((r) => timer = setTimeout(r, CLOSE_WAIT_MS));
        closing = Promise.race([answer.then(() => {}, () => {}), timeout]).finally(() => {
          clearTimeout(timer);
          die(new Error("simulated market worker: closed"));
        });
      }
      return closing;
    },
    crashForTest(message) {
      if (!dead) worker.postMessage({ kind: "fail", id: 0, message });
    },
  };
}
