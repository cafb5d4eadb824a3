/**
 * Per-request metrics for the shared HTTP layer: latency quantiles, bytes, attempts and retries
 * by reason, so every run summary can print where the time went and how often a vendor failed.
 *
 * Quantiles use linear interpolation between order statistics (type 7), the numpy default.
 *
 * @example
 * ```ts
 * const m = new RequestMetrics();
 * m.recordAttempt({ latencyMs: 12, bytes: 2048, status: 200 });
 * m.summary().p95Ms; // 12
 * ```
 */
import { quantile } from "../core/stats.ts";

/** One HTTP attempt (a retried request produces several). */
export interface AttemptRecord {
  /** Wall time from send to body fully read, in milliseconds. */
  latencyMs: number;
  /** Body bytes read (0 when the body could not be read). */
  bytes: number;
  /** HTTP status, or 0 for a network error or timeout. */
  status: number;
}

/** One retry decision, kept so tests can reconcile a server's fault log with the client. */
export interface RetryRecord {
  /** Vendor name. */
  vendor: string;
  /** Request URL with secrets removed. */
  url: string;
  /** Why the attempt was retried: `http_429`, `http_503`, `timeout`, `network`, `parse`, `vendor_error`. */
  reason: string;
  /** HTTP status of the failed attempt (0 when none). */
  status: number;
  /** Delay before the next attempt, in milliseconds. */
  delayMs: number;
}

/** Aggregated figures printed in run summaries. */
export interface MetricsSummary {
  requests: number;
  attempts: number;
  retries: number;
  failures: number;
  bytes: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  retriesByReason: Record<string, number>;
}

/** Position in an accumulator, to take the share of a later period ({@link RequestMetrics.since}). */
export interface MetricsMark {
  requests: number;
  attempts: number;
  failures: number;
  bytes: number;
  latencies: number;
  retries: number;
}

/** Mutable accumulator of request metrics (one per vendor client, or shared by a run). */
export class RequestMetrics {
  readonly latencies: number[] = [];
  readonly retryLog: RetryRecord[] = [];
  requests = 0;
  attempts = 0;
  failures = 0;
  bytes = 0;

  /** Record one attempt. */
  recordAttempt(a: AttemptRecord): void {
    this.attempts++;
    this.bytes += a.bytes;
    this.latencies.push(a.latencyMs);
  }

  /** Record a retry decision. */
  recordRetry(r: RetryRecord): void {
    this.retryLog.push(r);
  }

  /** Add another accumulator's figures into this one. */
  merge(other: RequestMetrics): void {
    this.requests += other.requests;
    this.attempts += other.attempts;
    this.failures += other.failures;
    this.bytes += other.bytes;
    for (const l of other.latencies) this.latencies.push(l);
    for (const r of other.retryLog) this.retryLog.push(r);
  }

  /** The current position (see {@link since}). */
  mark(): MetricsMark {
    return {
      requests: this.requests,
      attempts: this.attempts,
      failures: this.failures,
      bytes: this.bytes,
      latencies: this.latencies.length,
      retries: this.retryLog.length,
    };
  }

  /** A new accumulator with only what was recorded after `m`. */
  since(m: MetricsMark): RequestMetrics {
    const out = new RequestMetrics();
    out.requests = this.requests - m.requests;
    out.attempts = this.attempts - m.attempts;
    out.failures = this.failures - m.failures;
    out.bytes = this.bytes - m.bytes;
    out.latencies.push(...this.latencies.slice(m.latencies));
    out.retryLog.push(...this.retryLog.slice(m.retries));
    return out;
  }

  /** Quantiles and counts; latency quantiles are NaN when nothing was requested. */
  summary(): MetricsSummary {
    const byReason: Record<string, number> = {};
    for (const r of this.retryLog) byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
    return {
      requests: this.requests,
      attempts: this.attempts,
      retries: this.retryLog.length,
      failures: this.failures,
      bytes: this.bytes,
      p50Ms: quantile(this.latencies, 0.5),
      p95Ms: quantile(this.latencies, 0.95),
      p99Ms: quantile(this.latencies, 0.99),
      retriesByReason: byReason,
    };
  }
}
