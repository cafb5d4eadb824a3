/**
 * Test harness of the cluster tests: fresh pg-boss and catalog schemas on the test PostgreSQL
 * (dropped afterwards), `deno task worker` processes spawned on loopback, and a killer that
 * SIGKILLs random workers and restarts them.
 */
import postgres from "postgres";
import { fileURLToPath } from "node:url";
import { testPg, uniqueSuffix } from "../_services.ts";

export const PG = testPg();
export const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** A fresh queue schema and catalog schema; `drop()` removes both. */
export function freshSchemas(): {
  jobs: string;
  catalog: string;
  catalogUrl: string;
  drop: () => Promise<void>;
} {
  const sfx = uniqueSuffix();
  const jobs = `t_jobs_${sfx}`, catalog = `t_cat_${sfx}`;
  const u = new URL(PG.url);
  u.searchParams.set("schema", catalog);
  return {
    jobs,
    catalog,
    catalogUrl: u.toString(),
    drop: async () => {
      const sql = postgres(PG.url, { max: 1, onnotice: () => {} });
      try {
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${jobs}" CASCADE`);
        await sql.unsafe(`DROP SCHEMA IF EXISTS "${catalog}" CASCADE`);
      } finally {
        await sql.end();
      }
    },
  };
}

/** A spawned worker process. */
export interface WorkerProc {
  name: string;
  child: Deno.ChildProcess;
  log: string[];
  exited: Promise<Deno.CommandStatus>;
}

/** Spawn `deno task worker`'s script with the catalog in its environment. */
export function spawnWorker(
  name: string,
  schema: string,
  extraEnv: Record<string, string> = {},
  args: string[] = [],
): WorkerProc {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      "tasks/worker.ts",
      "--id",
      name,
      "--monitor-seconds",
      "1",
      ...args,
    ],
    cwd: REPO,
    env: {
      WORKBENCH_CATALOG: PG.url,
      WORKBENCH_JOBS_SCHEMA: schema,
      TZ: "UTC",
      NO_COLOR: "1",
      ...extraEnv,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const log: string[] = [];
  const pump = async (s: ReadableStream<Uint8Array>) => {
    for await (const chunk of s.pipeThrough(new TextDecoderStream())) log.push(chunk);
  };
  void pump(child.stdout).catch(() => {});
  void pump(child.stderr).catch(() => {});
  return { name, child, log, exited: child.status };
}

/** SIGTERM every worker and wait for them (SIGKILL after 20 s). */
export async function stopWorkers(ws: WorkerProc[]): Promise<Deno.CommandStatus[]> {
  for (const w of ws) {
    try {
      w.child.kill("SIGTERM");
    } catch { /* gone */ }
  }
  return await Promise.all(ws.map(async (w) => {
    const t = setTimeout(() => {
      try {
        w.child.kill("SIGKILL");
      } catch { /* gone */ }
    }, 20_000);
    try {
      return await w.exited;
    } finally {
      clearTimeout(t);
    }
  }));
}

/**
 * Kill a random started worker with SIGKILL every `everyMs` (0.5x to 1.5x, from a seeded
 * generator) and restart it, until `stop()`; after `maxKills` kills it idles until `allow(n)` permits
 * n more. `stop()` returns the number of kills.
 */
export function killer(
  ws: WorkerProc[],
  respawn: (name: string) => WorkerProc,
  options: { everyMs: number; seed: number; maxKills?: number },
): { stop: () => Promise<number>; kills: () => number; allow: (n: number) => void } {
  let kills = 0, running = true, max = options.maxKills ?? Infinity;
  let s = options.seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const loop = (async () => {
    while (running) {
      if (kills >= max) { // idle until allow() raises the limit or stop()
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      await new Promise((r) => setTimeout(r, options.everyMs * (0.5 + rand())));
      if (!running) break;
      // a worker that has started (it prints "taking ..." once it polls the queue)
      const ready = ws.map((w, i) => [w, i] as const).filter(([w]) =>
        w.log.join("").includes("taking")
      );
      if (ready.length === 0) continue;
      const [w, k] = ready[Math.floor(rand() * ready.length)]!;
      try {
        w.child.kill("SIGKILL");
        kills++;
      } catch { /* already gone */ }
      await w.exited;
      ws[k] = respawn(w.name);
    }
  })();
  return {
    kills: () => kills,
    allow: (n: number) => {
      max += n;
    },
    stop: async () => {
      running = false;
      await loop;
      return kills;
    },
  };
}
