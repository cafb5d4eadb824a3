/**
 * deno task deliverables --date YYYY-MM-DD [--out DIR] [--seed N] [--equities N] [--history-days N]
 *
 * Writes the daily JSON deliverables of the equities sleeve (`equities.json`) and the options
 * sleeve (`options.json`) for session --date into --out (default data/deliverables/<date>/),
 * from the built-in simulated market (seed --seed) as of that date: nothing after the date is
 * generated or read. Both documents are validated against their zod schemas before writing.
 * Exit codes: 0 written, 1 a document failed validation or could not be built, 2 bad arguments.
 */
import { parseArgs } from "node:util";
import { simChainSource, simEquityPanel } from "../lib/backtest/mod.ts";
import {
  buildEquityDeliverable,
  buildOptionsDeliverable,
  EquityDeliverableSchema,
  OptionsDeliverableSchema,
} from "../lib/report/mod.ts";
import { generateWorld } from "../lib/sources/sim/mod.ts";
import { isTradingDay } from "../lib/time/mod.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    date: { type: "string" },
    out: { type: "string" },
    seed: { type: "string", default: "1" },
    equities: { type: "string", default: "30" },
    "history-days": { type: "string", default: "420" },
  },
});

const date = v.date ?? "";
if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isTradingDay(date)) {
  console.error(
    `Cannot write deliverables: --date must be a trading day YYYY-MM-DD, got "${date}"`,
  );
  Deno.exit(2);
}
const seed = Number(v.seed), count = Number(v.equities), history = Number(v["history-days"]);
if (!Number.isInteger(seed) || !(count >= 5) || !(history >= 300)) {
  console.error(
    "Cannot write deliverables: --seed integer, --equities >= 5, --history-days >= 300",
  );
  Deno.exit(2);
}
const start = new Date(Date.parse(date) - history * 86_400_000).toISOString().slice(0, 10);
const outDir = v.out ?? `data/deliverables/${date}`;
try {
  console.log(`simulated market seed ${seed}, ${start} .. ${date}, ${count} equities`);
  const world = generateWorld({ seed, start, end: date, equityCount: count });
  const { panel, sectors, corporateActions } = simEquityPanel(world);
  const eq = EquityDeliverableSchema.parse(
    buildEquityDeliverable(panel, sectors, panel.tsMs.length - 1, {
      lookback: 189,
      skip: 21,
      corporateActions,
    }),
  );
  const opt = OptionsDeliverableSchema.parse(
    buildOptionsDeliverable(simChainSource(world, { start: world.days.at(-30)! }), date),
  );
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/equities.json`, JSON.stringify(eq, null, 2) + "\n");
  await Deno.writeTextFile(`${outDir}/options.json`, JSON.stringify(opt, null, 2) + "\n");
  console.log(
    `equities: ${eq.positions.length} positions, gross ${eq.risk.gross.toFixed(3)}, net ${
      eq.risk.net.toFixed(3)
    }, ex-ante vol ${eq.risk.ex_ante_vol.toFixed(3)}, ${eq.risk.violations.length} violations`,
  );
  console.log(
    `options: ${
      opt.strategies.map((s) => `${s.type} ${s.expiry} x${s.quantity}`).join(", ") || "none"
    }, net vega ${opt.risk.net_vega.toFixed(0)}, within caps ${opt.risk.within_caps}`,
  );
  console.log(`written: ${outDir}/equities.json, ${outDir}/options.json`);
} catch (e) {
  console.error(`Cannot write deliverables for ${date}: ${e instanceof Error ? e.message : e}`);
  Deno.exit(1);
}
