/**
 * deno task consolidate --date YYYY-MM-DD [--source lake|sim] [--seed N] [--max-contracts N]
 *                       [--rate R] [--div Q] [--dry-run]
 *
 * One row per SPY option contract per minute of the session (see lib/frames/consolidate.ts),
 * written to curated/workbench/option_minute_consolidated and queryable through the
 * `option_minute_consolidated` view. `--source lake` (default) reads the curated Polygon datasets
 * (run the backfill first) and the rate from FRED's DTB3 known at the open (else 4%, or --rate);
 * `--source sim` takes the session straight from a simulated world.
 * Exit codes: 0 ok, 1 bad arguments, 2 missing input data.
 */
import { parseArgs } from "node:util";
import {
  consolidateOptionMinutes,
  lakeConsolidationInput,
  lakeRiskFreeRate,
  simConsolidationInput,
  writeConsolidated,
} from "../lib/frames/mod.ts";
import { generateWorld } from "../lib/sources/sim/world.ts";
import { isTradingDay, tradingDays } from "../lib/time/mod.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    date: { type: "string" },
    source: { type: "string", default: "lake" },
    seed: { type: "string", default: "1" },
    "max-contracts": { type: "string" },
    rate: { type: "string" },
    div: { type: "string" },
    "dry-run": { type: "boolean", default: false },
  },
});
const date = values.date;
if (!date || !/^\d{4}-\d{2}-\d{2}$/.test(date) || !isTradingDay(date)) {
  console.error(`--date must be a trading day YYYY-MM-DD (got ${date ?? "nothing"})`);
  Deno.exit(1);
}
if (values.source !== "lake" && values.source !== "sim") {
  console.error(`--source must be lake or sim (got ${values.source})`);
  Deno.exit(1);
}
const t0 = performance.now();
let input,
  rate = values.rate ? Number(values.rate) : undefined,
  div = values.div ? Number(values.div) : undefined;
try {
  if (values.source === "sim") {
    const start = tradingDays(
      new Date(Date.parse(date) - 10 * 86_400_000).toISOString().slice(0, 10),
      date,
    )[0]!;
    const world = generateWorld({ seed: Number(values.seed), start, end: date });
    const sim = simConsolidationInput(world, date, {
      ...(values["max-contracts"] ? { maxContracts: Number(values["max-contracts"]) } : {}),
    });
    input = sim.input;
    rate ??= sim.rate;
    div ??= sim.div;
  } else {
    input = await lakeConsolidationInput(date);
    rate ??= (await lakeRiskFreeRate(date)) ?? undefined;
  }
} catch (e) {
  console.error(String((e as Error).message));
  Deno.exit(2);
}
const t1 = performance.now();
const df = consolidateOptionMinutes(input, {
  ...(rate !== undefined ? { rate } : {}),
  ...(div !== undefined ? { div } : {}),
});
const t2 = performance.now();
console.log(
  `consolidated ${date}: ${df.height} rows (${df.getColumn("ticker").nUnique()} contracts x ${
    df.getColumn("ts").nUnique()
  } minutes), inputs ${(t1 - t0).toFixed(0)} ms, consolidation ${(t2 - t1).toFixed(0)} ms`,
);
if (!values["dry-run"]) {
  const r = await writeConsolidated(df, {
    transformId: "workbench@1:frames.consolidate",
    sourceUri: values.source === "sim" ? `sim:seed=${values.seed}` : "lake:curated/polygon",
  });
  console.log(
    `wrote curated/workbench/option_minute_consolidated: ${r.rowsWritten} rows, partitions ${
      r.partitions.join(", ")
    }${r.noop ? " (no change)" : ""}`,
  );
}
