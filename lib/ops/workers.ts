/**
 * Worker registry: every stream or backfill process writes `_ops/workers/<name>.json` (pid, kind,
 * arguments, start time) while it runs and removes it on a clean exit, so `deno task workers
 * list|stop` can find it. A process stopped with SIGTERM/SIGINT flushes, checkpoints and exits;
 * `stopWorker` sends SIGTERM and waits for the registration to disappear (or the pid to die).
 *
 * Liveness is read from `/proc/<pid>` (Linux); a registration whose pid is gone is reported
 * `alive: false` (a crashed or SIGKILLed worker) and can be pruned.
 */
import { join } from "node:path";
import { checkWorkerName, opsPath, readJson, writeJsonAtomic } from "./paths.ts";

/** Kinds of workers. */
export type WorkerKind = "stream" | "backfill" | "news" | "simulate";

/** A worker registration as stored. */
export interface WorkerInfo {
  name: string;
  kind: WorkerKind;
  pid: number;
  started_at: string;
  args: string[];
}

/** A registration with its liveness. */
export interface WorkerStatus extends WorkerInfo {
  alive: boolean;
}

/** Whether a process id is running (Linux `/proc`). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // State field after the command name in parentheses: Z = zombie (exited, not reaped).
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** A name is taken by a live worker. */
export class WorkerBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WorkerBusyError";
  }
}

/**
 * Register the current process as worker `name`. Refuses (WorkerBusyError) when a live process
 * already holds the name; a stale registration (dead pid) is replaced. Returns the function that
 * removes the registration.
 */
export function registerWorker(
  name: string,
  kind: WorkerKind,
  options: { root?: string; args?: string[]; pid?: number } = {},
): () => void {
  checkWorkerName(name);
  const path = opsPath(options.root, "workers", `${name}.json`);
  const prev = readJson<WorkerInfo>(path);
  const pid = options.pid ?? Deno.pid;
  if (prev && prev.pid !== pid && pidAlive(prev.pid)) {
    throw new WorkerBusyError(
      `Cannot start worker ${name}: process ${prev.pid} (started ${prev.started_at}) is running it`,
    );
  }
  const info: WorkerInfo = {
    name,
    kind,
    pid,
    started_at: new Date().toISOString(),
    args: options.args ?? [],
  };
  writeJsonAtomic(path, info);
  return () => {
    const cur = readJson<WorkerInfo>(path);
    if (cur && cur.pid === pid) {
      try {
        Deno.removeSync(path);
      } catch { /* already gone */ }
    }
  };
}

/** Every registered worker with its liveness, sorted by name. */
export function listWorkers(options: { root?: string } = {}): WorkerStatus[] {
  const dir = opsPath(options.root, "workers");
  const out: WorkerStatus[] = [];
  let entries: Deno.DirEntry[] = [];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.endsWith(".json")) continue;
    const w = readJson<WorkerInfo>(join(dir, e.name));
    if (w && typeof w.pid === "number") out.push({ ...w, alive: pidAlive(w.pid) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Remove registrations whose process is gone; returns their names. */
export function pruneWorkers(options: { root?: string } = {}): string[] {
  const gone: string[] = [];
  for (const w of listWorkers(options)) {
    if (w.alive) continue;
    try {
      Deno.removeSync(opsPath(options.root, "workers", `${w.name}.json`));
      gone.push(w.name);
    } catch { /* raced */ }
  }
  return gone;
}

/** Outcome of {@link stopWorker}. */
export interface StopResult {
  name: string;
  pid: number;
  /** "stopped" (exited within the timeout), "not-running" or "timeout". */
  outcome: "stopped" | "not-running" | "timeout";
  waitedMs: number;
}

/**
 * Ask a worker to stop (SIGTERM; `signal` to override) and wait until its process exits or its
 * registration is removed.
 */
export async function stopWorker(
  name: string,
  options: { root?: string; timeoutMs?: number; signal?: Deno.Signal } = {},
): Promise<StopResult> {
  checkWorkerName(name);
  const path = opsPath(options.root, "workers", `${name}.json`);
  const w = readJson<WorkerInfo>(path);
  const t0 = performance.now();
  if (!w || !pidAlive(w.pid)) {
    return { name, pid: w?.pid ?? 0, outcome: "not-running", waitedMs: 0 };
  }
  Deno.kill(w.pid, options.signal ?? "SIGTERM");
  const deadline = t0 + (options.timeoutMs ?? 15_000);
  while (performance.now() < deadline) {
    const cur = readJson<WorkerInfo>(path);
    if (!pidAlive(w.pid) || !cur || cur.pid !== w.pid) {
      return { name, pid: w.pid, outcome: "stopped", waitedMs: performance.now() - t0 };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { name, pid: w.pid, outcome: "timeout", waitedMs: performance.now() - t0 };
}
