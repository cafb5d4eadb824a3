/**
 * The day's notification: the champion's book, each challenger's shadow P&L, the tripwires and
 * the drift summary, as a plain-text message with a machine-readable payload.
 */
import type { NotificationMessage } from "../notify/mod.ts";
import type { TripwireState } from "./tripwires.ts";
import type { MonitoredDrift } from "./drift_monitor.ts";

/** What the summary needs from a runbook day. */
export interface DaySummaryInput {
  date: string;
  /** Message header date (the session close, for reproducible files). */
  asOf: Date;
  champion: string;
  latestBar: string | null;
  symbols: number;
  /** Champion book of the day: symbol, weight, score (only non-zero weights). */
  book: { symbol: string; weight: number; score: number }[];
  pnl: { model: string; role: string; retNet: number; turnover: number; cumNet: number }[];
  tripwires: TripwireState[];
  drift: MonitoredDrift[];
  /** Backfill summary line, when the run ingested. */
  ingest?: string;
}

const pct = (v: number, d = 2) => (Number.isFinite(v) ? `${(v * 100).toFixed(d)}%` : "n/a");

/** Compose the day's message (id `daily-<date>`). */
export function composeDaySummary(input: DaySummaryInput): NotificationMessage {
  const fired = input.tripwires.filter((t) => t.fired).map((t) => t.tripwire);
  const subject = `[workbench] daily ${input.date}: champion ${input.champion}, ` +
    (fired.length ? `TRIPWIRE ${fired.join(", ")}` : "all tripwires ok");
  const lines: string[] = [];
  lines.push(`Daily runbook ${input.date}`);
  lines.push(`Newest bar: ${input.latestBar ?? "none"}; symbols: ${input.symbols}`);
  if (input.ingest) lines.push(`Ingest: ${input.ingest}`);
  lines.push("");
  lines.push(`Champion ${input.champion} target book (trade at the close of ${input.date}):`);
  const longs = input.book.filter((b) => b.weight > 0).sort((a, b) => b.score - a.score);
  const shorts = input.book.filter((b) => b.weight < 0).sort((a, b) => a.score - b.score);
  lines.push(`  long  ${longs.map((b) => `${b.symbol} ${pct(b.weight, 1)}`).join(", ") || "-"}`);
  lines.push(`  short ${shorts.map((b) => `${b.symbol} ${pct(b.weight, 1)}`).join(", ") || "-"}`);
  lines.push("");
  lines.push("Net P&L (day / since live start):");
  for (const p of input.pnl) {
    lines.push(
      `  ${p.role.padEnd(10)} ${p.model.padEnd(16)} ${pct(p.retNet).padStart(8)} / ${
        pct(p.cumNet).padStart(8)
      }  turnover ${p.turnover.toFixed(2)}`,
    );
  }
  lines.push("");
  lines.push("Tripwires:");
  for (const t of input.tripwires) {
    lines.push(`  ${t.tripwire.padEnd(10)} ${t.status.toUpperCase().padEnd(8)} ${t.detail}`);
  }
  const sig = input.drift.filter((d) => d.status !== "stable");
  lines.push("");
  lines.push(
    `Drift: ${input.drift.length} columns, ${sig.length} moderate or significant` +
      (sig.length ? `: ${sig.map((d) => `${d.feature} PSI ${d.psi.toFixed(3)}`).join(", ")}` : ""),
  );
  return {
    id: `daily-${input.date}`,
    subject,
    text: lines.join("\n") + "\n",
    date: input.asOf,
    data: {
      date: input.date,
      champion: input.champion,
      fired,
      book: input.book,
      pnl: input.pnl,
      tripwires: input.tripwires.map((t) => ({
        ...t,
        value: Number.isFinite(t.value) ? t.value : null,
      })),
    },
  };
}
