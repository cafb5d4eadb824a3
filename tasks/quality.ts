/**
 * deno task quality --dataset REF [--symbols A,B] [--start YYYY-MM-DD] [--end YYYY-MM-DD]
 *                   [--as-of ISO] [--adjust raw|split|total_return] [--calendar NAME]
 *                   [--currency CCY] [--json]
 *
 * Data-quality report of any lake dataset (a user's own, a vendor's) or view, on the dataset's
 * own calendar and frequency: expected sessions, missing sessions, rows off the calendar,
 * missing intraday bars, null bar fields, OHLC violations, return outliers, stale runs
 * (lib/quality `loadedQuality` over lib/dataset `loadDataset`).
 * Exit codes: 0 ok, 1 failure while reading, 2 bad arguments or unknown dataset.
 */
import { parseArgs } from "node:util";
import {
  DATASET_ARG_OPTIONS,
  DATASET_ARGS_HELP,
  datasetRefFromArgs,
  loadDataset,
} from "../lib/dataset/mod.ts";
import { formatQuality, loadedQuality } from "../lib/quality/mod.ts";

const USAGE = `usage: deno task quality --dataset REF [options]

Quality of a dataset on its own calendar: sessions expected and missing, rows off the calendar,
missing intraday bars, null bar fields, OHLC violations, return outliers, stale runs.

${DATASET_ARGS_HELP}
  --json              print the report as JSON
  -h, --help          this text`;

let args;
try {
  args = parseArgs({
    args: Deno.args,
    options: {
      ...DATASET_ARG_OPTIONS,
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  }).values;
} catch (e) {
  console.error(`quality: ${(e as Error).message.split("\n")[0]} (see --help)`);
  Deno.exit(2);
}
if (args.help) {
  console.log(USAGE);
  Deno.exit(0);
}
let ref;
try {
  ref = datasetRefFromArgs(args);
} catch (e) {
  console.error(`quality: ${(e as Error).message}`);
  Deno.exit(2);
}
try {
  const d = await loadDataset(ref);
  const r = loadedQuality(d, {
    ...(ref.start ? { start: ref.start } : {}),
    ...(ref.end ? { end: ref.end } : {}),
  });
  if (args.json) console.log(JSON.stringify({ ...r, manifest: d.manifest, notes: d.notes }));
  else {
    console.log(formatQuality(r));
    for (const n of d.notes) console.log(`  note: ${n}`);
  }
} catch (e) {
  console.error(`quality: ${(e as Error).message}`);
  Deno.exit(e instanceof RangeError ? 2 : 1);
}
