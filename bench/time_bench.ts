/**
 * Benchmarks for lib/time: calendar look-ups and New York time conversion.
 * Run: deno bench -A bench/time_bench.ts
 */
import {
  isFxOpen,
  isTradingDay,
  nyDate,
  sessionBounds,
  sessionDateOf,
  tradingDays,
} from "../lib/time/mod.ts";

// Warm the lazily built tables so the benches measure look-ups only.
isTradingDay("2024-01-02");
nyDate(Date.parse("2024-01-02T00:00:00Z"));

const MINUTE_BARS = 100_000;
const start = Date.parse("2024-01-02T14:30:00Z");
const instants = new Float64Array(MINUTE_BARS);
for (let i = 0; i < MINUTE_BARS; i++) instants[i] = start + i * 60_000;

Deno.bench("tradingDays 2000-2030 (31 years)", () => {
  tradingDays("2000-01-01", "2030-12-31");
});

Deno.bench("sessionBounds x 252 (one year)", () => {
  for (const d of tradingDays("2024-01-01", "2024-12-31")) sessionBounds(d);
});

Deno.bench(`nyDate x ${MINUTE_BARS} minute instants`, () => {
  for (let i = 0; i < MINUTE_BARS; i++) nyDate(instants[i]!);
});

Deno.bench(`sessionDateOf x ${MINUTE_BARS} minute instants`, () => {
  for (let i = 0; i < MINUTE_BARS; i++) sessionDateOf(instants[i]!);
});

Deno.bench(`isFxOpen x ${MINUTE_BARS} minute instants`, () => {
  for (let i = 0; i < MINUTE_BARS; i++) isFxOpen(instants[i]!);
});
