/**
 * Job kinds: a name (also the pg-boss queue name), a zod schema of the payload and the handler a
 * worker runs. Kinds are registered by the layer that owns the work (lib/jobs registers the
 * backtest sweep, CPCV fold, backfill unit and consolidation kinds); lib/cluster knows none of
 * them. A handler must be deterministic in its payload and idempotent in its effects: a job whose
 * worker dies runs again elsewhere, so its output may be computed twice but is stored once (the
 * job's completion) and its lake writes are no-ops the second time.
 *
 * @example
 * ```ts ignore
 * registerJobKind(defineJobKind({
 *   name: "demo.square",
 *   payload: z.object({ x: z.number() }),
 *   run: (p) => Promise.resolve({ y: p.x * p.x }),
 * }));
 * ```
 */
import type { z } from "zod";

/** What a handler gets besides its payload. */
export interface JobContext {
  /** Id of the worker running the job. */
  workerId: string;
  /** pg-boss job id. */
  jobId: string;
  /** Attempt number (0 for the first run; a rerun after a lost lease is 1 or more). */
  attempt: number;
  /** Aborted when the job's lease expires or the worker stops. */
  signal: AbortSignal;
}

/** A job kind. `Out` must be JSON (typed arrays: encode with encodeF64). */
export interface JobKind<P = unknown, Out = unknown> {
  /** Queue name: letters, digits, `.`, `_`, `-`. */
  name: string;
  /** Schema of the payload; a payload that fails it is a failed job with the zod message. */
  payload: z.ZodType<P>;
  /** Run one job. */
  run: (payload: P, ctx: JobContext) => Promise<Out>;
  /**
   * Lease of a running job, in seconds: how long it may go without a heartbeat from its worker
   * before it counts as lost and is retried by another worker (pg-boss `heartbeatSeconds`, an
   * integer >= 10). A live worker renews the lease every third of it while the job runs, so a
   * job may run longer than its lease; a killed worker's job is back in the queue after about
   * lease + the supervisor interval (2 s). Pick it to cover a stalled event loop, not the job's
   * length. @default {@link DEFAULT_LEASE_SECONDS} (60)
   */
  leaseSeconds?: number;
  /**
   * Longest a job may run, in seconds, heartbeats or not (pg-boss `expireInSeconds`): a job still
   * active after it is failed and retried. It must exceed the longest job of the kind.
   * @default {@link DEFAULT_MAX_RUN_SECONDS} (4 h)
   */
  expireInSeconds?: number;
  /**
   * Attempts after the first before the job is failed for good.
   * @default 10
   */
  retryLimit?: number;
}

/** Default lease of a job (seconds without a heartbeat before it is retried). */
export const DEFAULT_LEASE_SECONDS = 60;
/** Default longest run of a job in seconds (4 h), heartbeats or not. */
export const DEFAULT_MAX_RUN_SECONDS = 4 * 3600;

/** Check a lease: an integer number of seconds >= 10 (pg-boss's floor for heartbeats). */
export function checkLeaseSeconds(v: number): number {
  if (!(Number.isInteger(v) && v >= 10)) {
    throw new RangeError(`lease must be an integer number of seconds >= 10, got ${v}`);
  }
  return v;
}

const KINDS = new Map<string, JobKind<unknown, unknown>>();
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Identity helper that keeps the payload type and checks the name. */
export function defineJobKind<P, Out>(kind: JobKind<P, Out>): JobKind<P, Out> {
  if (!NAME_RE.test(kind.name)) {
    throw new RangeError(`Invalid job kind name "${kind.name}" (letters, digits, . _ -)`);
  }
  return kind;
}

/** Register a kind (registering the same object twice is a no-op; another one by name throws). */
export function registerJobKind<P, Out>(kind: JobKind<P, Out>): void {
  const prev = KINDS.get(kind.name);
  if (prev && prev !== (kind as unknown)) {
    throw new RangeError(`Job kind "${kind.name}" is already registered`);
  }
  KINDS.set(kind.name, kind as JobKind<unknown, unknown>);
}

/** A registered kind. @throws RangeError naming the registered kinds. */
export function jobKind(name: string): JobKind<unknown, unknown> {
  const k = KINDS.get(name);
  if (!k) {
    throw new RangeError(
      `Unknown job kind "${name}" (registered: ${[...KINDS.keys()].sort().join(", ") || "none"})`,
    );
  }
  return k;
}

/** Names of the registered kinds, sorted. */
export function jobKindNames(): string[] {
  return [...KINDS.keys()].sort();
}
