/**
 * Write-ahead spool for streams: every frame received is appended to a segment file on local
 * disk before it is parsed, so a crash between receipt and the lake write loses nothing.
 *
 * Layout: `<dir>/seg-<000000n>.jsonl`, one frame (JSON text) per line. `rotate()` closes the
 * current segment and opens the next one; after the frames of the closed segments are committed
 * to the lake, `release(upTo)` deletes them. On start, `pending()` yields the frames of every
 * segment left by a previous process (a torn last line, from a kill mid-write, is skipped), and
 * the caller writes them to the lake (writes are idempotent) before releasing them.
 *
 * Durability: lines are written with one `write` each (they survive a process kill: the data is
 * in the OS page cache); `sync()` (called at every flush) fsyncs for power-loss durability.
 */
import { join } from "node:path";

const ENC = new TextEncoder();
const NL = 10;

/** Options of {@link Spool}. */
export interface SpoolOptions {
  /** fsync after every append (slow; power-loss durability per frame). @default false */
  syncEveryWrite?: boolean;
}

/** A segmented append-only log of frames. */
export class Spool {
  readonly dir: string;
  #file: Deno.FsFile | null = null;
  #seg = 0;
  #bytes = 0;
  #sync: boolean;
  /** Reused encoding buffer (one write per frame, no per-frame allocation). */
  #buf = new Uint8Array(1 << 16);

  constructor(dir: string, options: SpoolOptions = {}) {
    this.dir = dir;
    this.#sync = options.syncEveryWrite ?? false;
    Deno.mkdirSync(dir, { recursive: true });
    const segs = this.segments();
    this.#seg = segs.length ? segs[segs.length - 1]! + 1 : 1;
  }

  /** Numbers of the segment files present, ascending. */
  segments(): number[] {
    const out: number[] = [];
    for (const e of Deno.readDirSync(this.dir)) {
      const m = /^seg-(\d+)\.jsonl$/.exec(e.name);
      if (e.isFile && m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  #path(n: number): string {
    return join(this.dir, `seg-${String(n).padStart(9, "0")}.jsonl`);
  }

  /** The segment now being appended to. */
  get current(): number {
    return this.#seg;
  }

  /** Bytes appended to the current segment. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Append one frame (its text must not contain a newline; JSON text never does unescaped).
   * Returns the frame's UTF-8 bytes (without the newline), a view valid until the next append.
   */
  append(text: string): Uint8Array {
    if (!this.#file) {
      this.#file = Deno.openSync(this.#path(this.#seg), { create: true, append: true });
    }
    if (this.#buf.length < text.length * 3 + 1) {
      this.#buf = new Uint8Array(Math.max(text.length * 3 + 1, this.#buf.length * 2));
    }
    const n = ENC.encodeInto(text, this.#buf).written;
    this.#buf[n] = NL;
    const bytes = this.#buf.subarray(0, n + 1);
    let off = 0;
    while (off < bytes.length) off += this.#file.writeSync(bytes.subarray(off));
    this.#bytes += bytes.length;
    if (this.#sync) this.#file.syncSync();
    return bytes.subarray(0, n);
  }

  /** fsync the current segment. */
  sync(): void {
    this.#file?.syncSync();
  }

  /**
   * Close the current segment and start a new one. Returns the number of the last closed
   * segment: every frame appended so far is in a segment numbered at most that.
   */
  rotate(): number {
    if (this.#file) {
      this.#file.syncSync();
      this.#file.close();
      this.#file = null;
    }
    const closed = this.#seg;
    this.#seg++;
    this.#bytes = 0;
    return closed;
  }

  /** Delete every closed segment numbered at most `upTo` (their frames are in the lake). */
  release(upTo: number): void {
    for (const n of this.segments()) {
      if (n <= upTo && n !== this.#seg) Deno.removeSync(this.#path(n));
    }
  }

  /**
   * Frames of the segments present before this process appended anything, in order, with the
   * number of the last segment read. A torn (unparseable) final line of a segment is skipped and
   * counted.
   */
  *pending(): Generator<{ segment: number; text: string }, void, undefined> {
    const dec = new TextDecoder();
    for (const n of this.segments()) {
      if (n >= this.#seg) continue;
      const bytes = Deno.readFileSync(this.#path(n));
      let start = 0;
      for (let i = 0; i < bytes.length; i++) {
        if (bytes[i] !== NL) continue;
        if (i > start) yield { segment: n, text: dec.decode(bytes.subarray(start, i)) };
        start = i + 1;
      }
      // Bytes after the last newline are a torn write: the frame never completed.
    }
  }

  /** Close the open segment (keeps it on disk). */
  close(): void {
    if (this.#file) {
      this.#file.syncSync();
      this.#file.close();
      this.#file = null;
    }
  }
}
