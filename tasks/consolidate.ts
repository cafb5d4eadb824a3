/**
 * `deno task consolidate`: one row per SPY (or --underlying) option contract per minute of the
 * session (lib/frames/consolidate.ts), written to curated/workbench/option_minute_consolidated
 * and queryable through the `option_minute_consolidated` view. The lake inputs are three dataset
 * references (lib/dataset `loadDataset`), Polygon's curated minute datasets by default.
 */
import { LEASE_HELP, LEASE_OPTION, leaseOption } from "../lib/cluster/cli.ts";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { isTradingDay, tradingDays } from "../lib/time/mod.ts";
import { datasetRefFromValues } from "../lib/dataset/mod.ts";
import { lakeRoot } from "../lib/lake/mod.ts";
import { catalogFromEnv, type ClusterCatalog, progressPrinter } from "../lib/cluster/mod.ts";
import {
  clusterConsolidate,
  consolidateDay,
  type ConsolidateDayArgs,
  type ConsolidateDayResult,
  ConsolidateInputError,
  registerWorkbenchJobs,
} from "../lib/jobs/mod.ts";

const TASK = defineTask({
  name: "consolidate",
  summary: "Consolidate one session of option minute bars with the underlying, VIX and Greeks.",
  options: {
    date: { type: "date", required: true, description: "Session date (an NYSE trading day)" },
    end: {
      type: "date",
      description: "Last session of a range (default --date); each session is consolidated",
    },
    cluster: {
      type: "boolean",
      description:
        "One job per session for cluster workers (deno task worker) via the queue on WORKBENCH_CATALOG",
    },
    "lease-seconds": LEASE_OPTION,
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

With --end every session from --date to --end is consolidated; with --cluster each session is one
job for \`deno task worker\` processes writing the same lake (a session written twice leaves the
same rows).

${LEASE_HELP}

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
  const end = values.end ?? date;
  if (end < date) throw new UsageError(`--end ${end} is before --date ${date}`);
  // the references are checked before any I/O
  datasetRefFromValues(
    { dataset: values["underlying-dataset"] },
    undefined,
    "--underlying-dataset",
  );
  datasetRefFromValues({ dataset: values["vix-dataset"] }, undefined, "--vix-dataset");
  datasetRefFromValues({ dataset: values["options-dataset"] }, undefined, "--options-dataset");
  const lease = leaseOption(values);
  let catalog: ClusterCatalog | undefined;
  if (values.cluster) {
    try {
      catalog = catalogFromEnv();
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
    registerWorkbenchJobs();
  }
  const days: ConsolidateDayArgs[] = tradingDays(date, end).map((d) => ({
    date: d,
    source: values.source as "lake" | "sim",
    underlyingDataset: values["underlying-dataset"],
    underlying: values.underlying,
    vixDataset: values["vix-dataset"],
    vixSymbol: values["vix-symbol"],
    optionsDataset: values["options-dataset"],
    seed: values.seed,
    ...(values["max-contracts"] ? { maxContracts: values["max-contracts"] } : {}),
    ...(values.rate !== undefined ? { rate: values.rate } : {}),
    ...(values.div !== undefined ? { div: values.div } : {}),
    ...(catalog ? { root: lakeRoot() } : {}),
    dryRun: values["dry-run"],
  }));
  const print = (r: ConsolidateDayResult) => {
    console.log(
      `consolidated ${r.date}: ${r.rows} rows (${r.contracts} contracts x ${r.minutes} minutes), inputs ${
        r.inputsMs.toFixed(0)
      } ms, consolidation ${r.consolidateMs.toFixed(0)} ms`,
    );
    if (!values["dry-run"]) {
      console.log(
        `wrote curated/workbench/option_minute_consolidated: ${r.rowsWritten} rows${
          r.noop ? " (no change)" : ""
        }`,
      );
    }
  };
  try {
    if (catalog) {
      for (
        const r of await clusterConsolidate(days, {
          catalog,
          onProgress: progressPrinter(),
          ...lease,
        })
      ) {
        print(r);
      }
    } else {
      for (const d of days) print(await consolidateDay(d));
    }
  } catch (e) {
    if (e instanceof ConsolidateInputError) throw new UsageError(e.message);
    throw e;
  }
});
