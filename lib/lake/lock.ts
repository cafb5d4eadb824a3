/**
 * A per-dataset writer lock: a lock file created exclusively (O_CREAT | O_EXCL) under the
 * dataset's `_meta` directory, holding the owner's pid and host. A lock whose owner process is
 * gone (same host, no `/proc/<pid>`) is stale and taken over; otherwise a second writer waits
 * with backoff and fails with `LockError` after `timeoutMs`.
 */
import { join } from "node:path";

/** The lock could not be acquired in time. */
export class LockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LockError";
  }
}

/** Options for {@link acquireLock}. */
export interface LockOptions {
  /** Give up after this many milliseconds. @default 60000 */
  timeoutMs?: number;
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

function alive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

/** Releases a lock; `tookOver` says it was taken over from an owner that died holding it. */
export interface LockRelease {
  (): void;
  /** The previous owner died holding the lock (it may have left partial work behind). */
  tookOver: boolean;
}

/** Acquire the lock in `dir`; resolves to a release function. */
export async function acquireLock(dir: string, options: LockOptions = {}): Promise<LockRelease> {
  const timeout = options.timeoutMs ?? 60_000;
  const path = join(dir, "lock");
  Deno.mkdirSync(dir, { recursive: true });
  const token = `${Deno.pid}@${hostname()}@${crypto.randomUUID()}`;
  const start = Date.now();
  let wait = 5;
  let tookOver = false;
  while (true) {
    // Create the lock with its content in one step: write a private temp file, then hard-link it
    // to the lock name (link fails if the name exists). A writer killed at any instant leaves
    // either no lock or a lock that names it, never an empty lock file.
    const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
    try {
      const f = Deno.openSync(tmp, { write: true, createNew: true });
      try {
        // No fsync: a lock guards writers of this boot; after a power loss an empty or stale
        // lock is taken over (below), so durability would buy nothing.
        f.writeSync(new TextEncoder().encode(token));
      } finally {
        f.close();
      }
      Deno.linkSync(tmp, path);
      const release = () => {
        try {
          if (Deno.readTextFileSync(path) === token) Deno.removeSync(path);
        } catch { /* already gone */ }
      };
      return Object.assign(release, { tookOver });
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) {
        throw new Error(`Cannot lock ${dir}: creating ${tmp} failed (${(e as Error).message})`, {
          cause: e,
        });
      }
    } finally {
      try {
        Deno.removeSync(tmp);
      } catch { /* not created */ }
    }
    let owner = "";
    try {
      owner = Deno.readTextFileSync(path);
    } catch { /* released meanwhile */ }
    if (owner === "") {
      // An empty lock can only come from an older writer killed between create and write.
      try {
        const age = Date.now() - (Deno.statSync(path).mtime?.getTime() ?? Date.now());
        if (age > 5_000) {
          Deno.removeSync(path);
          tookOver = true;
          continue;
        }
      } catch { /* released meanwhile */ }
    }
    const [pidText, host] = owner.split("@");
    const pid = Number(pidText);
    if (owner && host === hostname() && Number.isInteger(pid) && !alive(pid)) {
      try {
        // Stale: its owner died. Remove only if it is still the same stale content.
        if (Deno.readTextFileSync(path) === owner) Deno.removeSync(path);
        tookOver = true;
      } catch { /* raced with another taker */ }
      continue;
    }
    if (Date.now() - start > timeout) {
      throw new LockError(
        `Cannot lock ${dir}: held by process ${pidText || "?"} for over ${timeout} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, wait));
    wait = Math.min(200, wait * 2);
  }
}
