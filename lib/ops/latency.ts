/**
 * Sliding-window latency and error-rate trackers for stream operations.
 *
 * Latency is the delay from an event's time to the instant its row was committed to the lake
 * (write time - event time, ms). Percentiles use linear interpolation between order statistics
 * (`quantile` of lib/core, numpy's default "linear" method) over the samples of the last
 * `windowMs`; at most `maxSamples` per window are kept (a uniform reservoir per flush).
 */
import { quantile } from "../core/stats.ts";

/** p50/p95/p99 in milliseconds (NaN when the window is empty). */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  samples: number;
}

/** Latency samples over a sliding time window. */
export class LatencyWindow {
  readonly windowMs: number;
  readonly maxSamples: number;
  #at: number[] = [];
  #ms: number[] = [];

  /**
   * @param windowMs window length. @default 300000
   * @param maxSamples samples kept per `add` call at most. @default 2000
   */
  constructor(windowMs = 300_000, maxSamples = 2000) {
    this.windowMs = windowMs;
    this.maxSamples = maxSamples;
  }

  /** Record the latencies `writeMs - eventMs[i]` of one committed batch. */
  add(writeMs: number, eventMs: ArrayLike<number>): void {
    const n = eventMs.length;
    const step = Math.max(1, Math.floor(n / this.maxSamples));
    for (let i = 0; i < n; i += step) {
      this.#at.push(writeMs);
      this.#ms.push(writeMs - eventMs[i]!);
    }
    this.#prune(writeMs);
  }

  #prune(now: number): void {
    let k = 0;
    while (k < this.#at.length && this.#at[k]! < now - this.windowMs) k++;
    if (k > 0) {
      this.#at.splice(0, k);
      this.#ms.splice(0, k);
    }
  }

  /** Percentiles of the window ending at `now`. */
  summary(now: number): LatencySummary {
    this.#prune(now);
    return {
      p50: quantile(this.#ms, 0.5),
      p95: quantile(this.#ms, 0.95),
      p99: quantile(this.#ms, 0.99),
      samples: this.#ms.length,
    };
  }
}

/** Counts of good and bad outcomes in one-second buckets over a sliding window. */
export class RateWindow {
  readonly windowMs: number;
  #buckets = new Map<number, { ok: number; bad: number }>();

  /** @param windowMs window length. @default 300000 */
  constructor(windowMs = 300_000) {
    this.windowMs = windowMs;
  }

  /** Record `ok` successes and `bad` failures at `now`. */
  add(now: number, ok: number, bad: number): void {
    const k = Math.floor(now / 1000);
    const b = this.#buckets.get(k);
    if (b) {
      b.ok += ok;
      b.bad += bad;
    } else this.#buckets.set(k, { ok, bad });
  }

  /** bad / (ok + bad) over the window ending at `now`; 0 when nothing was recorded. */
  rate(now: number): { rate: number; ok: number; bad: number } {
    const lo = Math.floor((now - this.windowMs) / 1000);
    let ok = 0, bad = 0;
    for (const [k, b] of this.#buckets) {
      if (k < lo) this.#buckets.delete(k);
      else {
        ok += b.ok;
        bad += b.bad;
      }
    }
    return { rate: ok + bad === 0 ? 0 : bad / (ok + bad), ok, bad };
  }
}
