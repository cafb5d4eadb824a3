/**
 * `deno task consolidate`: one row per SPY (or --underlying) option contract per minute of the
 * session (lib/frames/consolidate.ts), written to curated/workbench/option_minute_consolidated
 * and queryable through the `option_minute_consolidated` view. The lake inputs are three dataset
 * references (lib/dataset `loadDataset`), Polygon's curated minute datasets by default.
 */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  consolidateOptionMinutes,
  consolidationInputFromDatasets,
  lakeRiskFreeRate,
  simConsolidationInput,
  writeConsolidated,
} from "../lib/frames/mod.ts";
import { generateWorld } from "../lib/sources/sim/world.ts";
import { isTradingDay, previousTradingDay, sessionBounds, tradingDays } from "../lib/time/mod.ts";
import { datasetRefFromValues, loadDatasetForTask } from "../lib/dataset/mod.ts";

const TASK = defineTask({
  name: "consolidate",
  summary: "Consolidate one session of option minute bars with the underlying, VIX and Greeks.",
  options: {
    date: { type: "date", required: true, description: "Session date (an NYSE trading day)" },
    source: {
      type: "enum",
      values: ["lake", "sim"],
      default: "lake",
      description: "Read the lake datasets, or take the session from a simulated world",
    },
    "underlying-dataset": {
      type: "string",
      default: "polygon/stock_bars_minute",
      description: "Lake dataset of the underlying's 1m bars on nyse (any source, e.g. user/...)",
    },
    underlying: { type: "string", default: "SPY", description: "Underlying symbol" },
    "vix-dataset": {
      type: "string",
      default: "polygon/index_bars_minute",
      description: "Lake dataset of the VIX 1m bars on nyse",
    },
    "vix-symbol": { type: "string", default: "I:VIX", description: "VIX symbol in it" },
    "options-dataset": {
      type: "string",
      default: "polygon/option_bars_minute",
      description:
        "Lake dataset of option 1m bars with contract terms (expiration_date, contract_type, strike)",
    },
    seed: { type: "integer", default: 1, min: 0, description: "Seed of the simulated world (sim)" },
    "max-contracts": { type: "integer", min: 1, description: "At most this many contracts (sim)" },
    rate: {
      type: "number",
      description: "Risk-free rate, continuous (default FRED DTB3 at the open, else 4%)",
    },
    div: { type: "number", description: "Dividend yield of the underlying (default 1.3%)" },
    "dry-run": { type: "boolean", description: "Consolidate without writing to the lake" },
  },
  details:
    `With --source lake the underlying (this session and the previous one, for indicator warm-up),
VIX and option bars are read as of the session close through dataset references, raw prices.
Every input must be 1m bars on the nyse calendar: the output is one row per option contract per
minute of the NYSE regular session with Greeks from minute closes, so a daily, FX or other-calendar
dataset cannot stand in. The option bars must also carry each contract's terms (expiration_date,
contract_type, strike): a generic bar dataset has none, so options come from an option bar
dataset (polygon/option_bars_minute or one of the same shape).

Exit codes: 0 done, 1 failure, 2 bad arguments, unknown dataset or missing input data.`,
  examples: [
    "--date 2024-03-01",
    "--date 2024-03-01 --underlying-dataset user/spy_minute --dry-run",
    "--date 2024-03-01 --source sim --max-contracts 20",
  ],
});

await runTask(TASK, async ({ values }) => {
  const date = values.date;
  if (!isTradingDay(date)) throw new UsageError(`--date ${date}: not an NYSE trading day`);
  const refs = {
    underlying: datasetRefFromValues(
      { dataset: values["underlying-dataset"] },
      undefined,
      "--underlying-dataset",
    )!,
    vix: datasetRefFromValues({ dataset: values["vix-dataset"] }, undefined, "--vix-dataset")!,
    options: datasetRefFromValues(
      { dataset: values["options-dataset"] },
      undefined,
      "--options-dataset",
    )!,
  };
  const t0 = performance.now();
  let input, rate = values.rate, div = values.div;
  if (values.source === "sim") {
    const start = tradingDays(
      new Date(Date.parse(date) - 10 * 86_400_000).toISOString().slice(0, 10),
      date,
    )[0]!;
    const world = generateWorld({ seed: values.seed, start, end: date });
    const sim = simConsolidationInput(world, date, {
      ...(values["max-contracts"] ? { maxContracts: values["max-contracts"] } : {}),
    });
    input = sim.input;
    rate ??= sim.rate;
    div ??= sim.div;
  } else {
    const asOf = sessionBounds(date)!.close.toISOString();
    const prev = previousTradingDay(date);
    const [underlying, vix, options] = await Promise.all([
      loadDatasetForTask({
        ...refs.underlying,
        symbols: [values.underlying],
        start: prev,
        end: date,
        asOf,
      }),
      loadDatasetForTask({
        ...refs.vix,
        symbols: [values["vix-symbol"]],
        start: date,
        end: date,
        asOf,
      }),
      loadDatasetForTask({ ...refs.options, start: date, end: date, asOf }),
    ]);
    try {
      input = consolidationInputFromDatasets(date, { underlying, vix, options }, {
        underlying: values.underlying,
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    rate ??= (await lakeRiskFreeRate(date)) ?? undefined;
  }
  const t1 = performance.now();
  const df = consolidateOptionMinutes(input, {
    ...(rate !== undefined ? { rate } : {}),
    ...(div !== undefined ? { div } : {}),
    underlyingSymbol: values.underlying,
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
      sourceUri: values.source === "sim"
        ? `sim:seed=${values.seed}`
        : `lake:${refs.underlying.dataset},${refs.vix.dataset},${refs.options.dataset}`,
    });
    console.log(
      `wrote curated/workbench/option_minute_consolidated: ${r.rowsWritten} rows, partitions ${
        r.partitions.join(", ")
      }${r.noop ? " (no change)" : ""}`,
    );
  }
});
