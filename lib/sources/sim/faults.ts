/**
 * Fault injection: a seeded, per-route schedule of failures, and the log of what was injected.
 *
 * A rule fires on a request (or, for the WebSocket, on a frame) when its `everyNth` divides the
 * route's 1-based request count, or when a uniform draw from the route's own stream
 * (`new Rng(seed).fork("faults:" + route)`) is below `probability`; at most `maxCount` times.
 * The first firing rule wins. Routes are keyed "vendor.route" (e.g. "polygon.aggs",
 * "fred.observations", "alpaca.bars", "alphavantage.LISTING_STATUS", "oanda.candles",
 * "finnhub.optionchain", "ws"); a rule under "polygon" applies to every Polygon route and one
 * under "*" to every route.
 */
import { Rng } from "../../core/random.ts";

export type FaultKind =
  | "http403"
  | "http429"
  | "http500"
  | "http502"
  | "http503"
  | "slow"
  | "timeout"
  | "reset"
  | "truncated"
  | "error200"
  | "schemaDrift"
  | "duplicateRows"
  | "loopNextUrl"
  | "badValues"
  | "wsDisconnect"
  | "wsOutOfOrder"
  | "wsDuplicate";

export interface FaultRule {
  kind: FaultKind;
  /** Fire with this probability per request. */
  probability?: number;
  /** Fire on every n-th request of the route (1-based). */
  everyNth?: number;
  /** Fire at most this many times. @default Infinity */
  maxCount?: number;
  /** http429: send `Retry-After` with this many seconds (absent = no header). */
  retryAfterSec?: number;
  /** slow / timeout: delay in ms. @default 1500 (slow), 30000 (timeout) */
  delayMs?: number;
}

/** One injected fault. */
export interface FaultRecord {
  seq: number;
  /** Request (or WebSocket frame) sequence number on the server. */
  requestSeq: number;
  route: string;
  kind: FaultKind;
  /** Path and query with secrets removed. */
  path: string;
  detail?: string;
}

export type FaultSchedule = Record<string, FaultRule[]>;

/** Stateful scheduler. */
export class FaultScheduler {
  #rules: FaultSchedule;
  #seed: number;
  #counts = new Map<string, number>();
  #fired = new Map<FaultRule, number>();
  #rngs = new Map<string, Rng>();
  readonly log: FaultRecord[] = [];

  constructor(seed: number, rules: FaultSchedule = {}) {
    this.#seed = seed;
    this.#rules = rules;
  }

  /** Decide the fault (if any) for the next request on `route`. */
  next(route: string, allowed?: (k: FaultKind) => boolean): FaultRule | undefined {
    const vendor = route.split(".")[0]!;
    const rules = [
      ...(this.#rules[route] ?? []),
      ...(vendor !== route ? this.#rules[vendor] ?? [] : []),
      ...(this.#rules["*"] ?? []),
    ];
    if (rules.length === 0) return undefined;
    const n = (this.#counts.get(route) ?? 0) + 1;
    this.#counts.set(route, n);
    let rng = this.#rngs.get(route);
    if (!rng) {
      rng = new Rng(this.#seed).fork(`faults:${route}`);
      this.#rngs.set(route, rng);
    }
    for (const rule of rules) {
      const u = rule.probability !== undefined ? rng.uniform() : 1;
      const fired = this.#fired.get(rule) ?? 0;
      if (fired >= (rule.maxCount ?? Infinity)) continue;
      if (allowed && !allowed(rule.kind)) continue;
      const hit = (rule.everyNth !== undefined && n % rule.everyNth === 0) ||
        (rule.probability !== undefined && u < rule.probability);
      if (hit) {
        this.#fired.set(rule, fired + 1);
        return rule;
      }
    }
    return undefined;
  }

  record(r: Omit<FaultRecord, "seq">): void {
    this.log.push({ seq: this.log.length + 1, ...r });
  }
}
