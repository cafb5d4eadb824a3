/**
 * Durable file helpers shared by the lake, the model registry and the notifiers: write-then-
 * fsync, atomic replace (temporary name, fsync, rename, directory fsync), sha256, directory
 * listing. fsyncs run in Deno's blocking pool, off the JS thread.
 */

/** Write bytes to `path` (must not exist) and fsync (in Deno's blocking pool, off the JS thread). */
export async function writeDurable(path: string, bytes: Uint8Array): Promise<void> {
  const f = await Deno.open(path, { write: true, createNew: true });
  try {
    let off = 0;
    while (off < bytes.length) off += await f.write(bytes.subarray(off));
    await f.sync();
  } finally {
    f.close();
  }
}

/** Write a file atomically: temp name, fsync, rename, directory fsync. */
export async function writeAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  await writeDurable(
    tmp,
    typeof content === "string" ? new TextEncoder().encode(content) : content,
  );
  await Deno.rename(tmp, path);
  await syncDir(path.slice(0, path.lastIndexOf("/")) || ".");
}

/**
 * fsync directories so renames in them are durable (best effort where unsupported). Several
 * directories are synced at once: the wait is the slowest one's, not the sum.
 */
export async function syncDir(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map(async (dir) => {
    try {
      const d = await Deno.open(dir, { read: true });
      try {
        await d.sync();
      } finally {
        d.close();
      }
    } catch { /* not supported on this platform */ }
  }));
}

/** Hex sha256 of bytes. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(h, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Entries of a directory, or [] when it does not exist. */
export function listDir(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}
