/** Durable file helpers: write-then-fsync, directory fsync, sha256. */

/** Write bytes to `path` (must not exist) and fsync. */
export function writeDurable(path: string, bytes: Uint8Array): void {
  const f = Deno.openSync(path, { write: true, createNew: true });
  try {
    let off = 0;
    while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
    f.syncSync();
  } finally {
    f.close();
  }
}

/** Write a small file atomically: temp name, fsync, rename. */
export function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  writeDurable(tmp, new TextEncoder().encode(text));
  Deno.renameSync(tmp, path);
  syncDir(path.slice(0, path.lastIndexOf("/")) || ".");
}

/** fsync a directory so a rename in it is durable (best effort where unsupported). */
export function syncDir(dir: string): void {
  try {
    const d = Deno.openSync(dir, { read: true });
    try {
      d.syncSync();
    } finally {
      d.close();
    }
  } catch { /* not supported on this platform */ }
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
