/** `deno task deliverables`: the daily JSON deliverables of both sleeves from the simulated market. */
import { simChainSource, simEquityPanel } from "../lib/backtest/mod.ts";
import { z } from "zod";
import { defineTask, formatZodIssues, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  buildEquityDeliverable,
  buildOptionsDeliverable,
  EquityDeliverableSchema,
  OptionsDeliverableSchema,
} from "../lib/report/mod.ts";
import { generateWorld } from "../lib/sources/sim/mod.ts";
import { isTradingDay } from "../lib/time/mod.ts";

const TASK = defineTask({
  name: "deliverables",
  summary: "Write the equities and options JSON deliverables for one session (simulated market).",
  options: {
    date: {
      type: "date",
      required: true,
      example: "2024-03-28",
      description: "Session (a NYSE trading day)",
    },
    out: {
      type: "path",
      description: "Output folder (default data/deliverables/<date>)",
    },
    seed: { type: "integer", default: 1, description: "Seed of the simulated market" },
    equities: { type: "integer", min: 5, default: 30, description: "Number of equities" },
    "history-days": {
      type: "integer",
      min: 300,
      default: 420,
      description: "Calendar days of history before --date",
    },
  },
  details:
    `Writes equities.json (equities sleeve) and options.json (options sleeve) for session --date,
from the built-in simulated market as of that date: nothing after the date is generated or read.
Both documents are validated against their zod schemas before writing.

Exit codes: 0 written, 1 a document failed validation or could not be built, 2 bad arguments.`,
  examples: ["--date 2024-03-28", "--date 2024-03-28 --seed 7 --equities 50 --out /tmp/dlv"],
});

await runTask(TASK, async ({ values: v }) => {
  const date = v.date;
  let trading: boolean;
  try {
    trading = isTradingDay(date);
  } catch (e) {
    throw new UsageError(`--date ${date}: ${(e as Error).message}`);
  }
  if (!trading) throw new UsageError(`--date ${date} is not a NYSE trading day`);
  const seed = v.seed, count = v.equities, history = v["history-days"];
  const start = new Date(Date.parse(date) - history * 86_400_000).toISOString().slice(0, 10);
  const outDir = v.out ?? `data/deliverables/${date}`;
  console.log(`simulated market seed ${seed}, ${start} .. ${date}, ${count} equities`);
  let eq, opt;
  try {
    const world = generateWorld({ seed, start, end: date, equityCount: count });
    const { panel, sectors, corporateActions } = simEquityPanel(world);
    eq = EquityDeliverableSchema.parse(
      buildEquityDeliverable(panel, sectors, panel.tsMs.length - 1, {
        lookback: 189,
        skip: 21,
        corporateActions,
      }),
    );
    opt = OptionsDeliverableSchema.parse(
      buildOptionsDeliverable(simChainSource(world, { start: world.days.at(-30)! }), date),
    );
  } catch (e) {
    const why = e instanceof z.ZodError
      ? `a document failed validation: ${formatZodIssues(e)}`
      : (e as Error).message;
    throw new Error(`Cannot build the deliverables for ${date}: ${why}`, { cause: e });
  }
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
});
