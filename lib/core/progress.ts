/**
 * Progress for long jobs: a redrawn bar on a TTY, plain periodic lines otherwise (CI, notebooks,
 * pipes), so logs stay readable and nobody stares at a silent job.
 *
 * @example
 * ```ts
 * import { Progress } from "./progress.ts";
 * const p = new Progress("backfill", 120);
 * for (let i = 0; i < 120; i++) p.tick();
 * p.done();
 * ```
 */
import { redact } from "./secret.ts";

/** Options for {@link Progress}. */
export interface ProgressOptions {
  /** Minimum milliseconds between plain (non-TTY) lines. @default 2000 */
  intervalMs?: number;
  /** Force TTY or plain mode. @default Deno.stderr.isTerminal() */
  tty?: boolean;
  /** Output function. @default writes to stderr */
  write?: (text: string) => void;
  /** Disable all output. @default false */
  quiet?: boolean;
}

const enc = new TextEncoder();

export class Progress {
  readonly label: string;
  total: number;
  current = 0;
  #start = performance.now();
  #last = 0;
  #tty: boolean;
  #interval: number;
  #write: (t: string) => void;
  #quiet: boolean;
  #note = "";

  constructor(label: string, total: number, options: ProgressOptions = {}) {
    this.label = label;
    this.total = total;
    this.#interval = options.intervalMs ?? 2000;
    let tty = false;
    try {
      tty = Deno.stderr.isTerminal();
    } catch { /* ignore */ }
    this.#tty = options.tty ?? tty;
    this.#write = options.write ?? ((t) => Deno.stderr.writeSync(enc.encode(t)));
    this.#quiet = options.quiet ?? false;
  }

  /** Advance by `n` and optionally set a short note (e.g. the current unit). */
  tick(n = 1, note?: string): void {
    this.current += n;
    if (note !== undefined) this.#note = note;
    const now = performance.now();
    const gap = this.#tty ? 100 : this.#interval;
    if (now - this.#last >= gap) {
      this.#last = now;
      this.#render(false);
    }
  }

  /** Finish: prints the final state with elapsed time. */
  done(note?: string): void {
    if (note !== undefined) this.#note = note;
    this.#render(true);
  }

  #render(final: boolean): void {
    if (this.#quiet) return;
    const elapsed = (performance.now() - this.#start) / 1000;
    const frac = this.total > 0 ? Math.min(1, this.current / this.total) : 1;
    const rate = elapsed > 0 ? this.current / elapsed : 0;
    const eta = rate > 0 && this.total > this.current ? (this.total - this.current) / rate : 0;
    const pct = (frac * 100).toFixed(0).padStart(3);
    const stats = `${this.current}/${this.total} ${pct}% ${elapsed.toFixed(1)}s` +
      (final ? "" : ` eta ${eta.toFixed(0)}s`);
    const note = this.#note ? ` ${redact(this.#note)}` : "";
    if (this.#tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      const bar = "#".repeat(filled) + "-".repeat(width - filled);
      this.#write(`\r${this.label} [${bar}] ${stats}${note}\x1b[K${final ? "\n" : ""}`);
    } else {
      this.#write(`${this.label}: ${stats}${note}${final ? " done" : ""}\n`);
    }
  }
}
