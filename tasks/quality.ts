/**
 * `deno task quality`: data-quality report of any lake dataset (a user's own, a vendor's) or
 * view, on the dataset's own calendar and frequency (lib/quality `loadedQuality` over
 * lib/dataset `loadDataset`).
 */
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  datasetOptions,
  datasetRefFromValues,
  datasetValues,
  loadDatasetForTask,
} from "../lib/dataset/mod.ts";
import { formatQuality, loadedQuality } from "../lib/quality/mod.ts";

const DATASET_OPTIONS = datasetOptions("", "Lake dataset to check");

const TASK = defineTask({
  name: "quality",
  summary:
    "Quality of a lake dataset on its own calendar: missing sessions or periods, missing values, off-calendar rows, bad bars.",
  options: {
    ...DATASET_OPTIONS,
    dataset: { ...DATASET_OPTIONS.dataset!, required: true },
    json: JSON_OPTION,
  },
  details:
    `Counts, per symbol and in total: sessions the dataset's calendar expects in the range, missing
sessions (weekly and slower data: periods, named after the frequency: weeks_expected and
missing_weeks, months_..., quarters_..., years_...), rows on no session of the calendar, missing intraday bars inside sessions with data,
null bar fields (a close-only series reports its missing fields), OHLC violations on rows with
all four prices, robust-z return outliers (change_outliers, on differences x_t - x_{t-1}, for
values whose units are percent, bp, rate, ratio, count or other) and stale runs. The calendar,
frequency, currency and units are the dataset's (declared by its producer, inferred for vendor datasets, or --calendar).
The range is that of the stored dates; weekly and slower rows are stored on their period's first
day (Monday, the 1st), so the range names the closes it spans, each period's last session, and
the periods: "closes 1990-01-05..2005-11-11 (weeks of 1990-01-01..2005-11-07)"; --json gives the
stored start and end and, for such data, closes {start, end}.

Exit codes: 0 report printed, 1 reading failed, 2 bad arguments or unknown dataset.`,
  examples: [
    "--dataset user/eurusd_daily",
    "--dataset polygon/stock_bars_minute --symbols SPY --start 2024-03-01 --end 2024-03-08",
  ],
});

await runTask(TASK, async ({ values }) => {
  const ref = datasetRefFromValues(datasetValues(values));
  if (!ref) throw new UsageError("--dataset is required");
  const out = jsonOutput(values.json);
  const d = await loadDatasetForTask(ref);
  const r = loadedQuality(d, {
    ...(ref.start ? { start: ref.start } : {}),
    ...(ref.end ? { end: ref.end } : {}),
  });
  out.say(formatQuality(r));
  for (const n of d.notes) out.say(`  note: ${n}`);
  out.emit({ task: "quality", ...r, manifest: d.manifest, notes: d.notes });
});
