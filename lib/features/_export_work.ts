/**
 * Work folders of cluster training exports (`<outDir>/.batches-<uuid>`, lib/features/
 * export_batched.ts) and their owners. The submitter writes `owner.json` (host, pid, the export's
 * pin, and `lease_until`) before anything else and renews the lease every third of it while it
 * runs; it removes the folder (and its pin) at the end. A submitter that dies leaves both, so
 * the next cluster export into the same `outDir` removes every folder whose owner is gone:
 * its lease ran out and, when it ran on this host, its process no longer exists. A folder
 * without `owner.json` (an older version, or a submitter killed before writing it) counts as
 * gone once nothing in it changed for {@link ORPHAN_AGE_MS}.
 *
 * @example
 * ```ts ignore
 * const removed = await removeStaleWork("data/exports/x"); // [".batches-..."]
 * ```
 */
import { join } from "node:path";
import { writeAtomic } from "../core/fs.ts";
import { log } from "../core/log.ts";
import { unpinSnapshot } from "../lake/snapshot.ts";

/** Prefix of a cluster export's work folder in its `outDir`. */
export const WORK_PREFIX = ".batches-";
/** Default lease of a submitter's `owner.json` (renewed every third). */
export const OWNER_LEASE_MS = 60_000;
/** Age after which a work folder without `owner.json` is taken for a dead submitter's. */
export const ORPHAN_AGE_MS = 24 * 3_600_000;

/** The record in `owner.json`. */
export interface WorkOwner {
  host: string;
  pid: number;
  started_at: string;
  /** ISO instant; the owner renews it while alive. */
  lease_until: string;
  /** The export's snapshot pin, removed with a stale folder. */
  pin?: { zone: string; source: string; dataset: string; id: string; root: string };
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "";
  }
}

/** Whether process `pid` of this host still runs (true when it cannot be told). */
function processAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      try {
        Deno.statSync("/proc/self");
        return false; // /proc works and has no such process
      } catch {
        return true;
      }
    }
    return true;
  }
}

/**
 * Write `owner.json` into `work` and renew its lease every third of `leaseMs` until the returned
 * function is called (which stops the renewals).
 */
export async function holdWork(
  work: string,
  pin: WorkOwner["pin"] | undefined,
  leaseMs = OWNER_LEASE_MS,
): Promise<() => void> {
  const started = new Date().toISOString();
  const write = () =>
    writeAtomic(
      join(work, "owner.json"),
      JSON.stringify(
        {
          host: hostname(),
          pid: Deno.pid,
          started_at: started,
          lease_until: new Date(Date.now() + leaseMs).toISOString(),
          ...(pin ? { pin } : {}),
        } satisfies WorkOwner,
      ),
    );
  await write();
  const timer = setInterval(() => {
    write().catch((e) =>
      log.warn("export.owner.renew_failed", { work, error: (e as Error).message })
    );
  }, Math.max(50, Math.floor(leaseMs / 3)));
  return () => clearInterval(timer);
}

/** Why a work folder is stale, or null when its owner may be alive. */
function staleReason(dir: string, now: number): string | null {
  let owner: WorkOwner | null = null;
  try {
    owner = JSON.parse(Deno.readTextFileSync(join(dir, "owner.json"))) as WorkOwner;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) && !(e instanceof SyntaxError)) return null;
  }
  if (owner && typeof owner.lease_until === "string") {
    const until = Date.parse(owner.lease_until);
    if (!(until < now)) return null;
    if (owner.host === hostname() && processAlive(owner.pid)) return null;
    return `lease ran out at ${owner.lease_until} (${owner.host} pid ${owner.pid})`;
  }
  // No owner record: the newest change in the folder.
  let newest = 0;
  try {
    newest = Deno.statSync(dir).mtime?.getTime() ?? 0;
    for (const e of Deno.readDirSync(dir)) {
      newest = Math.max(newest, Deno.statSync(join(dir, e.name)).mtime?.getTime() ?? 0);
    }
  } catch {
    return null;
  }
  return now - newest > ORPHAN_AGE_MS
    ? `no owner.json and unchanged since ${new Date(newest).toISOString()}`
    : null;
}

/**
 * Remove the work folders in `outDir` whose submitter is gone (module doc) and the snapshot pins
 * they name; returns the names removed. A folder that cannot be judged is left.
 */
export async function removeStaleWork(outDir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(outDir)].filter((e) =>
      e.isDirectory && e.name.startsWith(WORK_PREFIX)
    ).map((e) => e.name);
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = join(outDir, name);
    const why = staleReason(dir, now);
    if (!why) continue;
    let pin: WorkOwner["pin"] | undefined;
    try {
      pin = (JSON.parse(Deno.readTextFileSync(join(dir, "owner.json"))) as WorkOwner).pin;
    } catch { /* none */ }
    if (pin) {
      const where = pin as unknown as Parameters<typeof unpinSnapshot>[0];
      await unpinSnapshot(where, pin.id, pin.root).catch(() => {});
    }
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    log.info("export.work.stale_removed", { folder: dir, reason: why });
    removed.push(name);
  }
  return removed;
}
