/**
 * A bounded read-through cache of a remote lake's immutable data files, kept in the lake's
 * local mirror folder (see `location.ts`) and evicted least recently used first when its files
 * exceed `WORKBENCH_CACHE_BYTES` [10 GiB]. Files are content-addressed and never change, so a
 * cached copy is valid for as long as it exists; it is still checked against its sha256 when
 * read with verification, and fetched again when it differs.
 *
 * Recency is this process's use; files found on disk at start rank by modification time. Hidden
 * names (`.x.tmp`: temporaries of writes and fetches) and `_meta` are never counted or evicted;
 * temporaries older than an hour (left by a process that died) are removed at start.
 */
import { join } from "node:path";

const DEFAULT_BYTES = 10 * 1024 ** 3;
const STALE_TEMP_MS = 3_600_000;

function maxBytesFromEnv(): number {
  let raw: string | undefined;
  try {
    raw = Deno.env.get("WORKBENCH_CACHE_BYTES") || undefined;
  } catch { /* no env permission */ }
  if (raw === undefined) return DEFAULT_BYTES;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new RangeError(`WORKBENCH_CACHE_BYTES must be a byte count >= 0, not "${raw}"`);
  }
  return n;
}

/** An LRU index of the data files in one mirror folder. */
export class FileCache {
  readonly dir: string;
  readonly maxBytes: number;
  #files = new Map<string, { size: number; used: number }>();
  #bytes = 0;
  #clock = 0;

  constructor(dir: string, maxBytes = maxBytesFromEnv()) {
    this.dir = dir;
    this.maxBytes = maxBytes;
    const found: { path: string; size: number; mtime: number }[] = [];
    const now = Date.now();
    const walk = (d: string) => {
      let list: Deno.DirEntry[];
      try {
        list = [...Deno.readDirSync(d)];
      } catch {
        return;
      }
      for (const e of list) {
        const p = join(d, e.name);
        if (e.isDirectory && e.name !== "_meta") walk(p);
        else if (e.isFile) {
          try {
            const st = Deno.statSync(p);
            const mtime = st.mtime?.getTime() ?? 0;
            if (e.name.startsWith(".")) {
              if (e.name.endsWith(".tmp") && now - mtime > STALE_TEMP_MS) Deno.removeSync(p);
            } else found.push({ path: p, size: st.size, mtime });
          } catch { /* removed meanwhile */ }
        }
      }
    };
    walk(dir);
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) this.#set(f.path, f.size);
  }

  #set(path: string, size: number): void {
    const had = this.#files.get(path);
    if (had) this.#bytes -= had.size;
    this.#files.set(path, { size, used: ++this.#clock });
    this.#bytes += size;
  }

  /** Bytes of data files held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Mark a cached file as just used. */
  touch(path: string, size: number): void {
    this.#set(path, size);
  }

  /** Record a file just added, then evict the least recently used others while over budget. */
  add(path: string, size: number): void {
    this.#set(path, size);
    if (this.#bytes <= this.maxBytes) return;
    const order = [...this.#files.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [p, v] of order) {
      if (this.#bytes <= this.maxBytes) break;
      if (p === path) continue;
      try {
        Deno.removeSync(p);
      } catch { /* gone already */ }
      this.#files.delete(p);
      this.#bytes -= v.size;
    }
  }

  /** Forget (and delete) a cached file. */
  drop(path: string): void {
    const had = this.#files.get(path);
    if (had) {
      this.#bytes -= had.size;
      this.#files.delete(path);
    }
    try {
      Deno.removeSync(path);
    } catch { /* not cached */ }
  }
}
