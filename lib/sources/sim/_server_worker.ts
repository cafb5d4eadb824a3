/// <reference lib="deno.worker" />
/**
 * Private: the worker behind server_worker.ts. On "start" it builds the world from the
 * serialisable config it is sent, starts the simulated market's server on a loopback port with
 * that world, and, when given a plan, runs `prefetchWorld` on it (its own worker threads, spawned
 * from this one); then answers requests: the prefetch's counts, packed SPY sessions, close.
 * Every failure is posted back as a message (with the request's id when there is one).
 */
import { generateWorld, type World } from "./world.ts";
import { packBars } from "./bars.ts";
import { type SimServer, startSimServer } from "./server.ts";
import { type Prefetch, prefetchWorld } from "./prefetch.ts";
import type {
  ServerWorkerCounts,
  ServerWorkerMessage,
  ServerWorkerRequest,
  SpySession,
} from "./server_worker.ts";

let world: World | undefined;
let server: SimServer | undefined;
let prefetch: Prefetch | undefined;

const post = (m: ServerWorkerMessage, transfer: Transferable[] = []) =>
  self.postMessage(m, transfer);
const messageOf = (e: unknown) => e instanceof Error ? e.message : String(e);

async function handle(m: ServerWorkerRequest): Promise<void> {
  if (m.kind === "start") {
    if (world) throw new Error("simulated market worker: started twice");
    world = generateWorld({ ...m.config, seed: m.seed ?? m.config.seed ?? 1 });
    // The prefetch threads first: they load their modules and build their world meanwhile.
    if (m.plan) prefetch = prefetchWorld(world, m.plan, { workers: m.workers });
    server = await startSimServer({ worldInstance: world, ...(m.server ?? {}) });
    post({ kind: "ready", id: m.id, baseUrl: server.baseUrl });
    return;
  }
  if (!world || !server) throw new Error(`simulated market worker: "${m.kind}" before "start"`);
  if (m.kind === "counts") {
    if (m.stop) prefetch?.stop();
    const got = prefetch ? await prefetch.done : { vixDays: 0, spySessions: 0, equities: 0 };
    const counts: ServerWorkerCounts = {
      ...got,
      spySessionsGeneratedByServer: world.spy.sessionsGenerated,
    };
    post({ kind: "counts", id: m.id, counts });
  } else if (m.kind === "spy") {
    const sessions: SpySession[] = [];
    const transfer: Transferable[] = [];
    for (const date of m.dates) {
      const minutes = world.spy.minuteBars(date), day = world.spy.dayBar(date);
      if (!minutes || !day) throw new RangeError(`spySessions: ${date} is not a simulated session`);
      const s = { date, minutes: packBars(minutes), day: packBars(day) };
      for (const c of [...s.minutes.cols, ...s.day.cols]) transfer.push(c.buffer as ArrayBuffer);
      sessions.push(s);
    }
    post({ kind: "spy", id: m.id, sessions }, transfer);
  } else if (m.kind === "close") {
    prefetch?.stop();
    await server.close();
    post({ kind: "closed", id: m.id });
  } else if (m.kind === "fail") {
    // For tests: an uncaught error on this thread.
    setTimeout(() => {
      throw new Error(m.message);
    });
  }
}

self.onmessage = (e: MessageEvent<ServerWorkerRequest>) => {
  const m = e.data;
  handle(m).catch((err) => post({ kind: "error", id: m.id, message: messageOf(err) }));
};
